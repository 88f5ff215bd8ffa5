// Live board: chair documents and alarms arrive as server-sent events; a card is refetched when
// its session or its alarms change, and vitals and trends are updated in place otherwise. New
// alarms show a banner and beep (Web Audio) once sound has been turned on by a tap.
(function () {
  const board = document.getElementById("board");
  if (!board) return;
  const status = document.getElementById("board-status");
  const banner = document.getElementById("alarm-banner");
  const toggle = document.getElementById("sound-toggle");
  const seen = new Set();
  let audio = null;

  document.querySelectorAll("[data-alarm-id]").forEach((el) => seen.add(el.dataset.alarmId));

  toggle.addEventListener("click", () => {
    if (audio) { audio.close(); audio = null; } else { audio = new AudioContext(); beep(); }
    toggle.setAttribute("aria-pressed", audio ? "true" : "false");
    toggle.textContent = audio ? "Turn alarm sound off" : "Turn alarm sound on";
  });

  function beep() {
    if (!audio) return;
    for (const offset of [0, 0.35, 0.7]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + offset); osc.stop(audio.currentTime + offset + 0.2);
    }
  }

  function points(values) {
    if (!values.length) return "";
    const nums = values.map(Number);
    const lo = Math.min(...nums), hi = Math.max(...nums);
    const step = 60 / Math.max(nums.length - 1, 1), span = Math.max(hi - lo, 1);
    return nums.map((v, i) => `${(i * step).toFixed(1)},${(18 - ((v - lo) * 16) / span).toFixed(1)}`).join(" ");
  }

  async function refetch(chairId) {
    const response = await fetch(`/board/chairs/${chairId}`, { headers: { "HX-Request": "true" } });
    if (!response.ok) return;
    const card = document.getElementById(`chair-${chairId}`);
    if (!card) return;
    card.outerHTML = await response.text();
    const fresh = document.getElementById(`chair-${chairId}`);
    if (window.htmx) window.htmx.process(fresh);
    tick();
  }

  function onChair(doc) {
    const card = document.getElementById(`chair-${doc.chair_id}`);
    if (!card) return;
    const sessionId = doc.active ? String(doc.session_id) : "";
    const alarmIds = (doc.alarms || []).map((a) => String(a.id)).join(",");
    if (doc.refetch || card.dataset.sessionId !== sessionId || card.dataset.alarmIds !== alarmIds) {
      refetch(doc.chair_id);
      return;
    }
    const state = card.querySelector('[data-field="state"]');
    if (state) state.textContent = doc.state.replace("_", " ");
    for (const [name, [value]] of Object.entries(doc.latest || {})) {
      const cell = card.querySelector(`[data-vital="${name}"]`);
      if (cell) cell.textContent = value;
    }
    for (const [name, values] of Object.entries(doc.trend || {})) {
      const line = card.querySelector(`[data-trend="${name}"] polyline`);
      if (line) line.setAttribute("points", points(values));
    }
    const since = card.querySelector("[data-since]");
    if (since && doc.phase_started_at) since.dataset.since = doc.phase_started_at;
  }

  function onAlarm(doc) {
    const id = String(doc.alarm.id);
    if (seen.has(id)) return;
    seen.add(id);
    const card = document.getElementById(`chair-${doc.chair_id}`);
    const name = card ? card.querySelector("h2").textContent : `chair ${doc.chair_id}`;
    banner.textContent = `${name}: ${doc.alarm.rule_id} — ${doc.alarm.message} (required: ${doc.alarm.action})`;
    banner.hidden = false;
    beep();
    refetch(doc.chair_id);
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

  const events = new EventSource("/board/events");
  events.addEventListener("open", () => { status.textContent = "live"; });
  events.addEventListener("error", () => { status.textContent = "reconnecting…"; });
  events.addEventListener("chair", (e) => onChair(JSON.parse(e.data)));
  events.addEventListener("alarm", (e) => onAlarm(JSON.parse(e.data)));
})();
