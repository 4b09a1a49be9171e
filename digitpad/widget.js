// digitpad.Pad(): the page's pad (pad.js, written in above this by digitpad/widget.py)
// in a notebook's output. It only draws; the kernel reads, and its reading comes back
// as the model's value, label and digits.

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function render({ model, el }) {
  const root = element("div", "digitpad-widget");
  const frame = element("div", "digitpad-frame");
  const canvas = element("canvas", "digitpad-canvas");
  canvas.setAttribute("aria-label", "Drawing pad: draw a digit or a number");
  frame.append(canvas, element("div", "digitpad-hint", "Draw a digit or a number"));
  const tools = element("div", "digitpad-tools");
  const undo = element("button", "digitpad-undo", "Undo");
  const clear = element("button", "digitpad-clear", "Clear");
  const reading = element("output", "digitpad-reading");
  tools.append(undo, clear, reading);
  const bars = element("div", "digitpad-bars");
  root.append(frame, tools, bars);
  el.append(root);

  const pad = new Pad(canvas);
  const send = () => {
    model.set("raster_width", pad.rasterWidth);
    model.set("strokes", pad.strokes());
    model.save_changes();
  };
  pad.onCommitted(send);
  undo.addEventListener("click", () => pad.undo());
  clear.addEventListener("click", () => pad.clear());

  // Strokes set in the kernel (pad.clear(), another view of the same pad) are drawn
  // here; the ones this view just sent come back equal and are left alone.
  const showStrokes = () => {
    const strokes = model.get("strokes");
    if (JSON.stringify(strokes) !== JSON.stringify(pad.strokes())) pad.replace(strokes);
  };

  const showReading = () => {
    const error = model.get("error");
    const digits = model.get("digits");
    const sure = digits.every((d) => d.sure);
    reading.textContent = error || model.get("label");
    reading.dataset.value = model.get("value");
    reading.dataset.confident = String(!error && digits.length > 0 && sure);
    root.toggleAttribute("data-error", Boolean(error));
    bars.replaceChildren();
    bars.hidden = !model.get("bars") || digits.length === 0;
    if (bars.hidden) return;
    for (const digit of digits) {
      const chart = element("div", "digitpad-chart");
      chart.title = digit.label;
      digit.probabilities.forEach((p, i) => {
        const bar = element("div", "digitpad-bar");
        bar.style.setProperty("--p", p);
        bar.dataset.digit = String(i);
        bar.title = `${i}: ${(100 * p).toFixed(1)}%`;
        bar.append(element("span", "", String(i)));
        chart.append(bar);
      });
      bars.append(chart);
    }
  };

  showStrokes();
  showReading();
  model.on("change:strokes", showStrokes);
  for (const name of ["value", "label", "digits", "error", "bars"]) model.on(`change:${name}`, showReading);
  return () => {
    model.off("change:strokes", showStrokes);
    for (const name of ["value", "label", "digits", "error", "bars"]) model.off(`change:${name}`, showReading);
  };
}

export default { render };
