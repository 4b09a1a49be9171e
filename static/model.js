// The digit classifier: TensorFlow.js on its WebAssembly backend, running the CNN in
// model/. Loading starts as soon as the page does, alongside Python's boot, and
// predict() is synchronous so the reader can call it from Python and paint the answer
// in the same frame.

/* global tf */

const PIXELS = 28 * 28;
const CLASSES = 10;

export class ModelLoadError extends Error {}

/** Start downloading the model (model.json and its weights): TF.js "model artifacts". */
export function downloadModel(modelUrl = "model/model.json") {
  return fetchArtifacts(modelUrl);
}

/** The model's calibration (model/calibration.json) as text, or null when it has none. */
export async function downloadCalibration(url = "model/calibration.json") {
  try {
    const response = await fetch(url);
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

/** Load TF.js and its wasm backend, then the downloaded model; resolves to a warmed-up Model. */
export async function loadModel(download, vendor = "vendor/") {
  // TF.js loads and compiles its backend while the model downloads: neither needs the
  // other, and whichever fails first is reported at once.
  const runtime = (async () => {
    // tf.min.js publishes its bundled regenerator runtime by assigning the global
    // regeneratorRuntime in strict mode; when no such global exists yet the assignment
    // throws and it falls back to Function(), an eval the page's policy should not need.
    if (!("regeneratorRuntime" in globalThis)) globalThis.regeneratorRuntime = undefined;
    await loadScript(`${vendor}tfjs/tf.min.js`);
    await loadScript(`${vendor}tfjs-wasm/tf-backend-wasm.min.js`);
    tf.wasm.setWasmPaths(`${vendor}tfjs-wasm/`); // relative: the app may live under any path
    await startBackend();
  })();
  const [artifacts] = await Promise.all([download, runtime]);
  let network;
  try {
    network = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new ModelLoadError(`The digit model is damaged (${error.message}).`);
  }
  const model = new Model(network);
  model.predict(new Float32Array(PIXELS)); // the first run compiles kernels; do it now
  model.lastInput = null;
  return model;
}

export class Model {
  #network;
  #run; // tensor in, probabilities out: the network's layers as plain TF.js ops
  #firstLayer = null; // the network up to conv1, built on first use by features()
  /** The last batch the network read (n x 28 x 28, ink = 1), for tests and the view. */
  lastInput = null;

  constructor(network) {
    this.#network = network;
    this.#run = asOps(network) ?? ((x) => network.predict(x));
  }

  /** Probabilities for a batch: Float32Array of n*784 pixels in, n*10 out. */
  predict(pixels) {
    const n = pixels.length / PIXELS;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`predict needs a multiple of ${PIXELS} pixels, got ${pixels.length}`);
    }
    this.lastInput = pixels;
    return tf.tidy(() => {
      const output = this.#run(tf.tensor4d(pixels, [n, 28, 28, 1]));
      const probabilities = output.dataSync();
      if (probabilities.length !== n * CLASSES) {
        throw new RangeError(`the model gave ${probabilities.length} outputs for ${n} digits`);
      }
      return probabilities;
    });
  }

  /**
   * The first convolution's feature maps for one 28x28 input, for the page's teaching
   * view: { levels, maps, size } where levels is a Uint8Array of size*size*maps,
   * channels last, each map scaled to 0..255 by its own strongest response. null when
   * the network has no layer named conv1.
   */
  features(pixels) {
    if (!this.#firstLayer) {
      const layer = this.#network.layers.find((l) => l.name === "conv1");
      if (!layer) return null;
      this.#firstLayer = tf.model({ inputs: this.#network.inputs, outputs: layer.output });
    }
    const levels = tf.tidy(() => {
      const maps = this.#firstLayer.predict(tf.tensor4d(pixels, [1, 28, 28, 1])).relu();
      const peak = maps.max([0, 1, 2], true).maximum(1e-6);
      return maps.div(peak).mul(255).round().clipByValue(0, 255).toInt();
    });
    const [, size, , maps] = levels.shape;
    const values = Uint8Array.from(levels.dataSync());
    levels.dispose();
    return { levels: values, maps, size };
  }
}

/**
 * A sequential layers model as one function of plain TF.js ops (convolution, bias and
 * ReLU fused into one), or null if it has a layer this does not know. The arithmetic
 * is LayersModel.predict's; skipping its per-layer bookkeeping makes reading one digit
 * about a third faster.
 */
function asOps(network) {
  const steps = [];
  const activations = { linear: "linear", relu: "relu" };
  for (const layer of network.layers) {
    const kind = layer.getClassName();
    const c = layer.getConfig();
    const [w, b, ...rest] = layer.getWeights();
    const fused = activations[c.activation ?? "linear"];
    const softmax = c.activation === "softmax";
    if (kind === "InputLayer" || kind === "Dropout") continue;
    if (c.dataFormat && c.dataFormat !== "channelsLast") return null;
    if (kind === "Conv2D" && fused && c.useBias) {
      const [strides, dilations] = [c.strides, c.dilationRate];
      steps.push((x) => tf.fused.conv2d({ x, filter: w, bias: b, strides, pad: c.padding, dilations, activation: fused }));
    } else if (kind === "BatchNormalization" && c.center && c.scale && lastAxis(c.axis)) {
      const [mean, variance] = rest;
      steps.push((x) => tf.batchNorm(x, mean, variance, b, w, c.epsilon));
    } else if (kind === "MaxPooling2D") {
      steps.push((x) => tf.maxPool(x, c.poolSize, c.strides, c.padding));
    } else if (kind === "Flatten") {
      steps.push((x) => x.reshape([x.shape[0], -1]));
    } else if (kind === "Dense" && c.useBias && (fused || softmax)) {
      steps.push((x) => tf.fused.matMul({ a: x, b: w, bias: b, activation: fused ?? "linear" }));
      if (softmax) steps.push((x) => tf.softmax(x));
    } else {
      return null;
    }
  }
  return (x) => steps.reduce((y, step) => step(y), x);
}

/** Whether a batch norm's axis is the channels of an image batch (its last axis). */
function lastAxis(axis) {
  const axes = [axis].flat();
  return axes.length === 1 && (axes[0] === -1 || axes[0] === 3);
}

/** model.json and its weight shards, as TF.js "model artifacts", with plain fetch(). */
async function fetchArtifacts(url) {
  const modelUrl = new URL(url, document.baseURI);
  const manifest = await fetchOk(modelUrl, "json");
  const groups = manifest.weightsManifest;
  if (!manifest.modelTopology || !Array.isArray(groups)) {
    throw new ModelLoadError(`The digit model is damaged (${url} is not a TF.js layers model).`);
  }
  const shards = await Promise.all(
    groups.flatMap((group) => group.paths).map((path) => fetchOk(new URL(path, modelUrl), "arrayBuffer")),
  );
  const weightSpecs = groups.flatMap((group) => group.weights);
  const received = shards.reduce((n, s) => n + s.byteLength, 0);
  const expected = weightSpecs.reduce((n, spec) => n + weightBytes(spec), 0);
  // TF.js reads what it needs and ignores the rest: a shard of the wrong size would load.
  if (received !== expected) {
    throw new ModelLoadError(
      `The digit model is damaged (its weights are ${received} bytes, the model needs ${expected}).`,
    );
  }
  const weightData = new Uint8Array(received);
  let at = 0;
  for (const shard of shards) {
    weightData.set(new Uint8Array(shard), at);
    at += shard.byteLength;
  }
  return {
    modelTopology: manifest.modelTopology,
    weightSpecs,
    weightData: weightData.buffer,
    format: manifest.format,
    generatedBy: manifest.generatedBy,
    convertedBy: manifest.convertedBy,
  };
}

const DTYPE_BYTES = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1, bool: 1 };

/** Bytes one weight takes in the shards: quantized weights are stored in their quantized type. */
function weightBytes(spec) {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  return spec.shape.reduce((n, d) => n * d, 1) * (DTYPE_BYTES[dtype] ?? NaN);
}

async function fetchOk(url, as) {
  const name = url.pathname.split("/").slice(-2).join("/");
  let response;
  try {
    response = await fetch(url);
  } catch {
    throw new ModelLoadError(`The digit model could not be downloaded (${name}: no connection).`);
  }
  if (!response.ok) {
    throw new ModelLoadError(`The digit model could not be downloaded (${name}: HTTP ${response.status}).`);
  }
  try {
    return await response[as]();
  } catch {
    throw new ModelLoadError(`The digit model is damaged (${name} could not be read).`);
  }
}

async function startBackend() {
  let ok = false;
  try {
    ok = await tf.setBackend("wasm");
  } catch (error) {
    throw new ModelLoadError(`TensorFlow.js could not start WebAssembly (${error.message}).`);
  }
  if (!ok) throw new ModelLoadError("TensorFlow.js could not start WebAssembly.");
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new ModelLoadError(`${src} could not be loaded.`));
    document.head.append(script);
  });
}
