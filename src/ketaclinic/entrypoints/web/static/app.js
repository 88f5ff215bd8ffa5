// Idle sign-out in the browser mirrors the server's idle time-out: after the configured minutes
// without input the page signs out, so an unattended tablet does not keep a chart on screen.
// Read-only fields marked data-select-on-click select their whole text when clicked (a link to
// copy); a delegated listener, so it works for fragments htmx swaps in later.
document.addEventListener("click", (e) => {
  const field = e.target.closest && e.target.closest("[data-select-on-click]");
  if (field && typeof field.select === "function") { field.select(); }
  // "Go back" links return to the previous page (a javascript: URL would break the CSP)
  const back = e.target.closest && e.target.closest("[data-history-back]");
  if (back && window.history.length > 1) { e.preventDefault(); window.history.back(); }
});

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
