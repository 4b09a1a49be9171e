// The drawing pad: pointer input (mouse, touch, pen) turned into strokes, drawn on a
// sharp high-DPI canvas, and rasterized on demand for the reader.
//
// Strokes are kept in raster pixels: the pad's height is always RASTER_HEIGHT of them,
// whatever its size on screen (see digitpad/pad.py), so a digit gives the same pixels
// on a phone and on a 4K monitor.

import { BRUSH_WIDTH, RASTER_HEIGHT } from "./constants.js"; // written by the build from digitpad/pad.py

export class Pad {
  #canvas;
  #context;
  #strokes = []; // arrays of [x, y, x, y, ...] in raster pixels
  #current = null; // the stroke being drawn, also the last entry of #strokes
  #inked = 0; // how many of #current's coordinates are on the canvas
  #pointerId = null;
  #box = null; // the canvas's CSS box when the stroke started
  #scale = 1; // device pixels per raster pixel
  #size = { width: 0, height: 0 }; // the canvas's CSS size, kept by #resize
  #frame = 0; // pending requestAnimationFrame id
  #changing = null; // called while a stroke grows, as often as the machine affords
  #liveStep = 0; // the timer of a live read's next step
  #committed = null; // called when a stroke ends, or on clear and undo
  #ink = "#000";
  #scratch = null; // offscreen canvas for raster()
  lastCommitMs = 0; // how long the last commit callback took (the reader's latency)

  constructor(canvas) {
    this.#canvas = canvas;
    this.#context = canvas.getContext("2d");
    canvas.addEventListener("pointerdown", (e) => this.#down(e));
    canvas.addEventListener("pointermove", (e) => this.#move(e));
    canvas.addEventListener("pointerup", (e) => this.#up(e));
    canvas.addEventListener("pointercancel", (e) => this.#up(e));
    canvas.addEventListener("lostpointercapture", (e) => this.#up(e));
    // A long press on touch screens would otherwise open a context menu mid-digit.
    canvas.addEventListener("contextmenu", (e) => e.preventDefault());
    // The observer's first call sizes the canvas, once the page is laid out. Asking for
    // the layout here instead would hold up the rest of the start until the first
    // layout is done, and in a new tab that includes setting up fonts; the listeners
    // above already keep whatever is drawn meanwhile.
    new ResizeObserver(() => this.#resize()).observe(canvas);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.#resize());
  }

  // --- what the reader asks for ---------------------------------------------------

  /** The pad's width in raster pixels (its height is RASTER_HEIGHT). */
  get rasterWidth() {
    // From the last resize, not the layout: asking the layout here would force it to
    // be recomputed in the middle of a read, after the view changed the page. Only a
    // page not shown yet (opened in a background tab) has had none, and then asks.
    if (this.#size.height === 0) this.#resize();
    const { width, height } = this.#size;
    return height > 0 ? Math.round((RASTER_HEIGHT * width) / height) : RASTER_HEIGHT;
  }

  get strokeCount() {
    return this.#strokes.length;
  }

  /** Whether a stroke is being drawn right now. */
  get drawing() {
    return this.#current !== null;
  }

  /** All strokes at once: points as one flat Float32Array of x, y and each stroke's point count. */
  snapshot() {
    const total = this.#strokes.reduce((n, s) => n + s.length, 0);
    const points = new Float32Array(total);
    const lengths = new Int32Array(this.#strokes.length);
    let at = 0;
    this.#strokes.forEach((stroke, i) => {
      points.set(stroke, at);
      at += stroke.length;
      lengths[i] = stroke.length / 2;
    });
    return { points, lengths, width: this.rasterWidth, height: RASTER_HEIGHT };
  }

  /** The strokes as lists of [x, y] points (for tests and debugging). */
  strokes() {
    return this.#strokes.map((s) => Array.from({ length: s.length / 2 }, (_, i) => [s[2 * i], s[2 * i + 1]]));
  }

  /**
   * Draw the strokes `indices` moved by (-x0, -y0) on a w x h transparent canvas, in
   * black with round caps and joins, and return its RGBA bytes (alpha is every 4th
   * byte from offset 3). This is what digitpad.render.rasterize emulates in numpy.
   */
  raster(indices, x0, y0, w, h, brush = BRUSH_WIDTH) {
    return this.rasterOf(Array.from(indices, (i) => this.#strokes[i]), x0, y0, w, h, brush);
  }

  /** raster() for strokes that are not the pad's: arrays of [x, y, x, y, ...]. */
  rasterOf(strokes, x0, y0, w, h, brush = BRUSH_WIDTH) {
    if (!this.#scratch) {
      this.#scratch = document.createElement("canvas");
    }
    const canvas = this.#scratch;
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, w, h);
    context.translate(-x0, -y0);
    paint(context, strokes, brush, "#000");
    return context.getImageData(0, 0, w, h).data;
  }

  /**
   * fn() while a stroke is being drawn, at most once per animation frame, one step of
   * a live read each time (digitpad/live.py decides what each step does). fn()
   * returns "task" to be called again in a task of its own, "frame" to be called at
   * the next frame even without new ink, or "" when it is done; a pen lift in between
   * cancels the next step (onCommitted's fn reads instead).
   */
  onChanging(fn) {
    this.#changing = fn;
  }

  /** fn() when a stroke ends, and after clear and undo. */
  onCommitted(fn) {
    this.#committed = fn;
  }

  // --- editing --------------------------------------------------------------------

  clear() {
    this.#cancelStroke();
    if (this.#strokes.length === 0) return;
    this.#strokes = [];
    this.#redraw();
    this.#commit();
  }

  undo() {
    this.#cancelStroke();
    if (this.#strokes.length === 0) return;
    this.#strokes.pop();
    this.#redraw();
    this.#commit();
  }

  /** Show these strokes ([x, y] raster points each) instead, without a commit: for a
   * host that keeps the strokes itself, such as the notebook widget's kernel. */
  replace(strokes) {
    this.#cancelStroke();
    this.#strokes = strokes.map((points) => points.flat());
    this.#redraw();
  }

  /** Add a whole stroke of [x, y] raster points, as if drawn (for tests and demos). */
  addStroke(points) {
    this.#strokes.push(points.flat());
    this.#redraw();
    this.#commit();
  }

  // --- pointer input ---------------------------------------------------------------

  #down(event) {
    if (this.#pointerId !== null) return; // a second finger does not start a new stroke
    if (event.pointerType === "mouse" && event.button !== 0) return;
    event.preventDefault();
    this.#pointerId = event.pointerId;
    this.#canvas.setPointerCapture(event.pointerId);
    this.#box = this.#canvas.getBoundingClientRect();
    this.#current = [];
    this.#inked = 0;
    this.#strokes.push(this.#current);
    this.#addPoint(event);
    this.#schedule();
  }

  #move(event) {
    if (event.pointerId !== this.#pointerId || !this.#current) return;
    const events = event.getCoalescedEvents?.() ?? [];
    for (const e of events.length ? events : [event]) this.#addPoint(e);
    this.#schedule();
  }

  #up(event) {
    if (event.pointerId !== this.#pointerId || !this.#current) return;
    if (event.type === "pointerup") this.#addPoint(event);
    const stroke = this.#current;
    this.#pointerId = null;
    this.#current = null;
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#stopLiveRead();
    this.#commit(); // the reading first: the ink's last bit shows in the same frame anyway
    this.#inkTail(stroke);
  }

  #addPoint(event) {
    const box = this.#box;
    const k = RASTER_HEIGHT / box.height;
    const x = (event.clientX - box.left) * k;
    const y = (event.clientY - box.top) * k;
    const s = this.#current;
    const n = s.length;
    if (n >= 2 && s[n - 2] === x && s[n - 1] === y) return;
    s.push(x, y);
  }

  #cancelStroke() {
    this.#stopLiveRead();
    if (this.#pointerId === null) return;
    if (this.#canvas.hasPointerCapture(this.#pointerId)) {
      this.#canvas.releasePointerCapture(this.#pointerId);
    }
    this.#pointerId = null;
    this.#current = null;
  }

  // One frame per burst of pointer events: add the new ink, then let the reader take
  // a step. Its steps run each in a task of their own, so a pen lifting while a live
  // read runs waits for the step under way, not the whole read; a frame that comes
  // while a step is due waits for the next frame.
  #schedule() {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      if (!this.#current) return;
      this.#inkTail(this.#current);
      if (this.#liveStep) this.#schedule();
      else if (this.#changing) this.#readLive();
    });
  }

  #readLive() {
    const next = this.#changing();
    if (next === "task") this.#liveStep = setTimeout(() => { this.#liveStep = 0; this.#readLive(); });
    else if (next === "frame") this.#schedule();
  }

  #stopLiveRead() {
    clearTimeout(this.#liveStep);
    this.#liveStep = 0;
  }

  #commit() {
    if (!this.#committed) return;
    const start = performance.now();
    this.#committed();
    this.lastCommitMs = performance.now() - start;
  }

  // --- the visible canvas ---------------------------------------------------------------

  #resize() {
    const { width, height } = this.#canvas.getBoundingClientRect();
    this.#size = { width, height };
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(width * ratio));
    const h = Math.max(1, Math.round(height * ratio));
    if (this.#canvas.width !== w || this.#canvas.height !== h) {
      this.#canvas.width = w;
      this.#canvas.height = h;
    }
    this.#scale = h / RASTER_HEIGHT;
    this.#ink = getComputedStyle(this.#canvas).color || "#000";
    this.#redraw();
  }

  // While a stroke grows, each frame adds only its new part to the canvas, starting
  // at the last point drawn so that the parts join. Redrawing the whole pad at every
  // frame costs the main thread more the more ink there is, and a pen lift that comes
  // during that frame waits for it.
  #inkTail(stroke) {
    if (stroke.length === 0 || this.#inked === stroke.length) return;
    const context = this.#context;
    context.setTransform(this.#scale, 0, 0, this.#scale, 0, 0);
    paint(context, [stroke.slice(Math.max(0, this.#inked - 2))], BRUSH_WIDTH, this.#ink);
    if (this.#inked === 0) this.#canvas.toggleAttribute("data-empty", false);
    this.#inked = stroke.length;
  }

  #redraw() {
    this.#inked = this.#current?.length ?? 0;
    const context = this.#context;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.#canvas.width, this.#canvas.height);
    context.setTransform(this.#scale, 0, 0, this.#scale, 0, 0);
    paint(context, this.#strokes, BRUSH_WIDTH, this.#ink);
    this.#canvas.toggleAttribute("data-empty", this.#strokes.length === 0);
  }
}

/** Stroke each path with a round brush; a single point leaves a dot. */
function paint(context, strokes, brush, color) {
  context.lineWidth = brush;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.strokeStyle = color;
  context.fillStyle = color;
  for (const s of strokes) {
    if (s.length === 0) continue;
    if (s.length === 2) {
      context.beginPath();
      context.arc(s[0], s[1], brush / 2, 0, 2 * Math.PI);
      context.fill();
      continue;
    }
    context.beginPath();
    context.moveTo(s[0], s[1]);
    for (let i = 2; i < s.length; i += 2) context.lineTo(s[i], s[i + 1]);
    context.stroke();
  }
}
