// Live board: chair documents and alarms arrive as server-sent events; a card is refetched when
// its session, phase or alarms change, and vitals and trends are updated in place otherwise.
// Alarm sounds in the style of IEC 60601-1-8, generated with Web Audio: high priority = two
// bursts of five pulses, medium = three pulses, low = two soft pulses. Sound is on by default for
// high priority; the mute button silences this browser only (kept in localStorage). A browser
// that blocks audio until a tap shows it on the button.
(function () {
  const board = document.getElementById("board");
  if (!board) return;
  const status = document.getElementById("board-status");
  const banner = document.getElementById("alarm-banner");
  const toggle = document.getElementById("sound-toggle");
  const MUTE_KEY = "ketaclinic.board.muted";
  const seen = new Set();
  let audio = null;
  let muted = window.localStorage.getItem(MUTE_KEY) === "1";

  const PATTERNS = {
    high: { freq: 960, pulses: [0, 0.2, 0.4, 1.0, 1.2, 1.6, 1.8, 2.0, 2.6, 2.8], length: 0.15, gain: 0.3 },
    medium: { freq: 660, pulses: [0, 0.3, 0.6], length: 0.2, gain: 0.2 },
    low: { freq: 520, pulses: [0, 0.35], length: 0.25, gain: 0.1 },
  };

  function key(el) { return `${el.dataset.alarmId}:${el.dataset.repeat || "1"}`; }
  document.querySelectorAll("[data-alarm-id]").forEach((el) => seen.add(key(el)));

  function ensureAudio() {
    if (muted) return null;
    if (!audio) audio = new AudioContext();
    if (audio.state === "suspended") audio.resume().catch(() => {});
    return audio;
  }

  function showSoundState() {
    const blocked = !muted && audio && audio.state === "suspended";
    toggle.setAttribute("aria-pressed", muted ? "true" : "false");
    toggle.textContent = muted ? "Alarm sound muted on this browser: turn on"
      : blocked ? "Alarm sound blocked by the browser: tap to allow" : "Mute alarm sound on this browser";
    toggle.dataset.sound = muted ? "muted" : blocked ? "blocked" : "on";
  }

  toggle.addEventListener("click", () => {
    const wasBlocked = !muted && audio && audio.state === "suspended";
    if (!wasBlocked) muted = !muted;
    window.localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
    if (muted && audio) { audio.close(); audio = null; }
    if (!muted) { ensureAudio(); sound("low"); }
    showSoundState();
  });
  document.addEventListener("pointerdown", () => { if (!muted) { ensureAudio(); showSoundState(); } }, { once: true });

  function sound(priority) {
    let ctx = null;
    try { ctx = ensureAudio(); } catch (err) { showSoundState(); return; }
    if (!ctx) return;
    const p = PATTERNS[priority] || PATTERNS.high;
    for (const offset of p.pulses) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "square"; osc.frequency.value = p.freq; gain.gain.value = p.gain;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + offset); osc.stop(ctx.currentTime + offset + p.length);
    }
  }

  function points(values) {
    if (!values.length) return "";
    const nums = values.map(Number);
    const lo = Math.min(...nums), hi = Math.max(...nums);
    const step = 60 / Math.max(nums.length - 1, 1), span = Math.max(hi - lo, 1);
    return nums.map((v, i) => `${(i * step).toFixed(1)},${(18 - ((v - lo) * 16) / span).toFixed(1)}`).join(" ");
  }

  // One card fetch in flight per chair. A trigger that arrives while one is in flight marks the
  // chair dirty: the in-flight answer may predate the change, so it is dropped and the card is
  // fetched again. The card shown is therefore always read after the last event seen, whatever
  // order the answers come back in. Live documents are hints; the server's card is the truth.
  const fetching = new Map();

  async function refetch(chairId) {
    const id = String(chairId);
    const state = fetching.get(id);
    if (state) { state.dirty = true; return; }
    const mine = { dirty: false };
    fetching.set(id, mine);
    try {
      for (;;) {
        mine.dirty = false;
        const response = await fetch(`/board/chairs/${id}`, { headers: { "HX-Request": "true" } });
        const html = response.ok ? await response.text() : null;
        if (mine.dirty) continue;
        const card = document.getElementById(`chair-${id}`);
        if (html === null || !card) return;
        card.outerHTML = html;
        const fresh = document.getElementById(`chair-${id}`);
        if (window.htmx) window.htmx.process(fresh);
        tick();
        return;
      }
    } finally {
      fetching.delete(id);
    }
  }

  // A refused acknowledgement (422/409) is shown inside its form, naming why; the card stays.
  // htmx does not swap an error answer; it fires htmx:responseError on the form that sent it.
  document.body.addEventListener("htmx:responseError", (e) => {
    const sender = e.detail && e.detail.elt;
    const form = sender && sender.closest ? sender.closest("form.ack") : null;
    const xhr = e.detail ? e.detail.xhr : null;
    if (!form || !xhr || xhr.status < 400 || xhr.status >= 500) return;
    let slot = form.querySelector(".ack-error");
    if (!slot) {
      slot = document.createElement("div");
      slot.className = "ack-error";
      form.prepend(slot);
    }
    slot.innerHTML = xhr.responseText;
  });

  // A card replaced by a form's answer (acknowledging an alarm) is newer than any fetch in flight.
  document.body.addEventListener("htmx:afterSwap", (e) => {
    const target = e.detail && e.detail.target;
    const chairId = target && target.id && target.id.startsWith("chair-") ? target.id.slice(6) : null;
    const state = chairId && fetching.get(chairId);
    if (state) state.dirty = true;
  });

  function onChair(doc) {
    const card = document.getElementById(`chair-${doc.chair_id}`);
    if (!card) return;
    const sessionId = doc.session_id == null ? "" : String(doc.session_id);
    const alarmIds = (doc.alarms || []).map((a) => String(a.id)).join(",");
    const repeats = (doc.alarms || []).map((a) => `${a.id}:${a.repeat_count || 1}`).join(",");
    const shown = Array.from(card.querySelectorAll("[data-alarm-id]")).map(key).join(",");
    const state = card.querySelector('[data-field="state"]');
    const phase = doc.state || "free";
    const stateChanged = !state || state.dataset.state !== phase;
    if (doc.refetch || stateChanged || fetching.has(String(doc.chair_id)) ||
        card.dataset.sessionId !== sessionId || card.dataset.alarmIds !== alarmIds || repeats !== shown) {
      refetch(doc.chair_id);
      return;
    }
    for (const [name, [value]] of Object.entries(doc.latest || {})) {
      const cell = card.querySelector(`[data-vital="${name}"]`);
      if (cell) cell.textContent = value;
    }
    for (const [name, values] of Object.entries(doc.trend || {})) {
      const line = card.querySelector(`[data-trend="${name}"] polyline`);
      if (line) line.setAttribute("points", points(values));
    }
  }

  function onAlarm(doc) {
    const id = `${doc.alarm.id}:${doc.alarm.repeat_count || 1}`;
    if (seen.has(id)) return;
    seen.add(id);
    const priority = doc.alarm.severity;
    const card = document.getElementById(`chair-${doc.chair_id}`);
    const name = card ? card.querySelector("h2").textContent : `chair ${doc.chair_id}`;
    banner.textContent = `${name}: ${priority.toUpperCase()} — ${doc.alarm.message} (required: ${doc.alarm.required || doc.alarm.action})`;
    banner.className = `alarm-banner prio-${priority}`;
    banner.hidden = false;
    refetch(doc.chair_id);
    window.setTimeout(() => { sound(priority); showSoundState(); }, 0);
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-since]").forEach((el) => {
      if (!el.dataset.since) return;
      const s = Math.max(0, Math.floor((now - Date.parse(el.dataset.since)) / 1000));
      el.textContent = `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
    });
  }
  setInterval(tick, 1000); tick();
  showSoundState();

  const events = new EventSource("/board/events");
  events.addEventListener("open", () => { status.textContent = "live"; });
  events.addEventListener("error", () => { status.textContent = "reconnecting…"; });
  events.addEventListener("chair", (e) => onChair(JSON.parse(e.data)));
  events.addEventListener("alarm", (e) => onAlarm(JSON.parse(e.data)));
})();
