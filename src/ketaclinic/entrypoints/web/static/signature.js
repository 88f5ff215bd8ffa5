// Drawn signature on a canvas (mouse, finger or stylus through Pointer Events), no libraries.
// On submit the drawing is put into the hidden input as a PNG data URL; an untouched canvas
// sends nothing, so the server can ask for a signature instead of storing a blank image.
(function () {
  const canvas = document.getElementById("signature-pad");
  const field = document.getElementById("image_png");
  if (!canvas || !field) return;
  const form = canvas.closest("form");
  const ctx = canvas.getContext("2d");
  let drawing = false;
  let inked = false;

  function point(e) {
    const box = canvas.getBoundingClientRect();
    return {
      x: (e.clientX - box.left) * (canvas.width / box.width),
      y: (e.clientY - box.top) * (canvas.height / box.height),
    };
  }
  function setPen() {
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
  }
  function clear() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    setPen();
    inked = false;
    field.value = "";
  }
  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    drawing = true;
    const p = point(e);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const p = point(e);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    inked = true;
  });
  for (const name of ["pointerup", "pointercancel", "pointerleave"]) {
    canvas.addEventListener(name, () => { drawing = false; });
  }
  const clearButton = document.getElementById("signature-clear");
  if (clearButton) clearButton.addEventListener("click", clear);
  if (form) {
    form.addEventListener("submit", () => { field.value = inked ? canvas.toDataURL("image/png") : ""; });
  }
  canvas.style.touchAction = "none";
  clear();
})();
