// Idle sign-out in the browser mirrors the server's idle time-out: after the configured minutes
// without input the page signs out, so an unattended tablet does not keep a chart on screen.
// Read-only fields marked data-select-on-click select their whole text when clicked (a link to
// copy); a delegated listener, so it works for fragments htmx swaps in later.
document.addEventListener("click", (e) => {
  const field = e.target.closest && e.target.closest("[data-select-on-click]");
  if (field && typeof field.select === "function") { field.select(); }
  // "Copy" buttons (hidden until this script runs) copy their field's text to the clipboard
  const copy = e.target.closest && e.target.closest("[data-copy]");
  const source = copy && document.querySelector(copy.dataset.copy);
  if (source) {
    source.select();
    const done = () => { copy.textContent = "Copied"; };
    if (navigator.clipboard) { navigator.clipboard.writeText(source.value).then(done, () => {}); }
  }
  // "Go back" links return to the previous page (a javascript: URL would break the CSP)
  const back = e.target.closest && e.target.closest("[data-history-back]");
  if (back && window.history.length > 1) { e.preventDefault(); window.history.back(); }
});

// Copy buttons need this script: shown only when it runs (also in fragments htmx swaps in).
function showCopyButtons(root) {
  root.querySelectorAll("[data-copy][hidden]").forEach((b) => { b.hidden = false; });
}
document.addEventListener("DOMContentLoaded", () => showCopyButtons(document));
document.addEventListener("htmx:afterSwap", (e) => showCopyButtons(e.target));

(function () {
  const body = document.body;
  const minutes = Number(body.dataset.idleMinutes || 0);
  const csrf = body.dataset.csrf;
  if (csrf) {
    document.addEventListener("htmx:configRequest", (e) => { e.detail.headers["X-CSRF-Token"] = csrf; });
  }
  if (!minutes) return;
  let last = Date.now();
  for (const name of ["keydown", "pointerdown", "input", "scroll"]) {
    document.addEventListener(name, () => { last = Date.now(); }, { passive: true });
  }
  setInterval(() => {
    if (Date.now() - last > minutes * 60000) { window.location.href = "/signin?expired=1"; }
  }, 15000);
})();

// On a phone the main navigation starts folded behind its "Menu" toggle (a details element, so
// the toggle also works without this script; without it the menu simply starts open).
(function () {
  const menu = document.querySelector("[data-nav-menu]");
  if (menu && window.matchMedia("(max-width: 48em)").matches) { menu.open = false; }
})();

// Worklists: a table marked data-worklist="<what it lists>" gets a text filter above it (with a
// polite "N of M shown" count) and sort buttons in its column headers (aria-sort follows). A cell's
// data-sort value sorts where its visible text does not (full dates as ISO times; urgency and
// priority as the server's triage rank, 1 = most urgent); th[data-no-sort] stays plain. Without this script the table simply reads in the server's order (most urgent first).
// Tables swapped in by htmx are enhanced too, keeping the filter and sort the user had chosen.
(function () {
  const chosen = {};  // per worklist name: {filter, column, direction}
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function rowsOf(table) {
    // a placeholder row ("Nothing due") is one cell across the table: not a row of the list
    return [...table.tBodies[0].rows].filter((r) => !(r.cells.length === 1 && r.cells[0].colSpan > 1));
  }
  function key(row, column) {
    const cell = row.cells[column];
    if (!cell) return "";
    return (cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent).trim();
  }
  function compare(a, b) {
    const x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !Number.isNaN(x) && !Number.isNaN(y)) return x - y;
    return collator.compare(a, b);
  }
  function sort(table, column, direction) {
    const body = table.tBodies[0];
    const rows = rowsOf(table);
    rows.sort((a, b) => {
      const order = compare(key(a, column), key(b, column));
      return direction === "descending" ? -order : order;
    });
    for (const row of rows) body.appendChild(row);
    table.querySelectorAll("thead th").forEach((th, i) => {
      if (i === column) th.setAttribute("aria-sort", direction);
      else th.removeAttribute("aria-sort");
    });
  }
  function filter(table, text, count) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = rowsOf(table);
    let shown = 0;
    for (const row of rows) {
      const content = row.textContent.toLowerCase();
      const match = words.every((w) => content.includes(w));
      row.hidden = !match;
      if (match) shown += 1;
    }
    count.textContent = words.length ? `${shown} of ${rows.length} shown` : "";
  }
  function enhance(table) {
    if (table.dataset.worklistReady || !table.tBodies[0]) return;
    const name = table.dataset.worklist || "rows";
    const state = chosen[name] || (chosen[name] = { filter: "", column: -1, direction: "" });
    table.dataset.worklistReady = rowsOf(table).length ? "1" : "0";
    if (table.dataset.worklistReady === "0") return;
    const id = `worklist-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
    const box = document.createElement("div");
    box.className = "worklist-filter";
    box.innerHTML = `<label for="${id}-filter"></label><input type="search" id="${id}-filter"
      autocomplete="off" spellcheck="false"><span class="meta" aria-live="polite" id="${id}-count"></span>`;
    box.querySelector("label").textContent = `Filter ${name}`;
    const input = box.querySelector("input");
    const count = box.querySelector("span");
    input.setAttribute("aria-describedby", count.id);
    table.before(box);
    input.value = state.filter;
    input.addEventListener("input", () => { state.filter = input.value; filter(table, input.value, count); });
    table.querySelectorAll("thead th").forEach((th, column) => {
      if (th.hasAttribute("data-no-sort")) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.append(...th.childNodes);
      th.appendChild(button);
      button.addEventListener("click", () => {
        const direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        state.column = column; state.direction = direction;
        sort(table, column, direction);
      });
    });
    if (state.column >= 0) sort(table, state.column, state.direction);
    if (state.filter) filter(table, state.filter, count);
  }
  function enhanceIn(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("table[data-worklist]")) enhance(root);
    root.querySelectorAll("table[data-worklist]").forEach(enhance);
  }
  enhanceIn(document);
  document.addEventListener("htmx:load", (e) => enhanceIn(e.target));
})();
