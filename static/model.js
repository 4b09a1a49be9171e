// The digit classifier: TensorFlow.js on its WebAssembly backend, running the CNN in
// model/. Loading starts as soon as the page does, alongside Python's boot, and
// predict() is synchronous so the reader can call it from Python and paint the answer
// in the same frame.
//
// Only TF.js's core is loaded, not its layers API: the network is a chain of a few
// kinds of Keras layers, which layersAsOps turns into TF.js ops straight from
// model.json. That is a fifth of the JavaScript to start (tf-core.min.js, which has no
// chained tensor methods: ops are called as tf.op(x)), and each prediction skips the
// layers API's bookkeeping. digitpad/network.py reads the same
// file the same way in numpy.

/* global tf */

import { CLASSES, SIZE } from "./constants.js"; // written by the build from digitpad/

const PIXELS = SIZE * SIZE;

export class ModelLoadError extends Error {}

/** Start downloading the model: its topology, weight specs and weights, checked. */
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
    await loadScript(`${vendor}tfjs/tf-core.min.js`);
    await loadScript(`${vendor}tfjs-wasm/tf-backend-wasm.min.js`);
    tf.wasm.setWasmPaths(`${vendor}tfjs-wasm/`); // relative: the app may live under any path
    await startBackend();
  })();
  const [artifacts] = await Promise.all([download, runtime]);
  let layers;
  try {
    const weights = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
    layers = layersAsOps(artifacts.modelTopology, weights);
  } catch (error) {
    throw new ModelLoadError(`The digit model is damaged (${error.message}).`);
  }
  const model = new Model(layers);
  model.predict(new Float32Array(PIXELS)); // the first run compiles kernels; do it now
  model.lastInput = null;
  return model;
}

export class Model {
  #layers; // [{ name, run }], input to output
  /** The last batch the network read (n x 28 x 28, ink = 1), for tests and the view. */
  lastInput = null;

  constructor(layers) {
    this.#layers = layers;
  }

  /** Probabilities for a batch: Float32Array of n*784 pixels in, n*10 out. */
  predict(pixels) {
    const n = pixels.length / PIXELS;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`predict needs a multiple of ${PIXELS} pixels, got ${pixels.length}`);
    }
    this.lastInput = pixels;
    return tf.tidy(() => {
      const output = this.#run(tf.tensor4d(pixels, [n, 28, 28, 1]), this.#layers.length);
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
    const upTo = this.#layers.findIndex((layer) => layer.name === "conv1") + 1;
    if (upTo === 0) return null;
    const levels = tf.tidy(() => {
      const maps = tf.relu(this.#run(tf.tensor4d(pixels, [1, 28, 28, 1]), upTo));
      const peak = tf.maximum(tf.max(maps, [0, 1, 2], true), 1e-6);
      return tf.cast(tf.clipByValue(tf.round(tf.mul(tf.div(maps, peak), 255)), 0, 255), "int32");
    });
    const [, size, , maps] = levels.shape;
    const values = Uint8Array.from(levels.dataSync());
    levels.dispose();
    return { levels: values, maps, size };
  }

  /** The input through the first `count` layers. */
  #run(x, count) {
    return this.#layers.slice(0, count).reduce((y, layer) => layer.run(y), x);
  }
}

/**
 * The layers of a Keras model (model.json's modelTopology) as TF.js ops, input to
 * output: [{ name, run }]. Convolution, bias and ReLU run as one fused op. Throws for
 * anything but a plain chain of the layer kinds below, channels last.
 */
function layersAsOps(topology, weights) {
  const model = topology.model_config ?? topology;
  const layers = model.config?.layers;
  if (!Array.isArray(layers)) throw new Error("model.json holds no layers");
  const ops = [];
  let previous = null;
  for (const { class_name: kind, config: c, name = c.name, inbound_nodes: inbound = [] } of layers) {
    const from = inbound.flat(Infinity).filter((x) => typeof x === "string");
    if (previous !== null && (from.length !== 1 || from[0] !== previous)) {
      throw new Error(`layer ${name} is not fed by ${previous} alone`);
    }
    previous = name;
    if (c.data_format && c.data_format !== "channels_last") throw new Error(`layer ${name} is not channels-last`);
    const weight = (part) => {
      const tensor = weights[`${name}/${part}`];
      if (!tensor) throw new Error(`layer ${name} has no ${part}`);
      return tensor;
    };
    const activation = c.activation ?? "linear";
    const fused = { linear: "linear", relu: "relu" }[activation];
    if (!fused && activation !== "softmax") throw new Error(`layer ${name}: unknown activation ${activation}`);
    const finish = activation === "softmax" ? (y) => tf.softmax(y) : (y) => y;
    let run;
    if (kind === "InputLayer" || kind === "Dropout") {
      continue; // dropout only acts while training
    } else if (kind === "Conv2D" && fused && c.use_bias && (c.groups ?? 1) === 1) {
      const [filter, bias] = [weight("kernel"), weight("bias")];
      run = (x) => tf.fused.conv2d({
        x, filter, bias, strides: c.strides, pad: c.padding, dilations: c.dilation_rate, activation: fused,
      });
    } else if (kind === "BatchNormalization" && c.center && c.scale && lastAxis(c.axis)) {
      const [gamma, beta, mean, variance] = ["gamma", "beta", "moving_mean", "moving_variance"].map(weight);
      run = (x) => tf.batchNorm(x, mean, variance, beta, gamma, c.epsilon);
    } else if (kind === "MaxPooling2D") {
      run = (x) => tf.maxPool(x, c.pool_size, c.strides ?? c.pool_size, c.padding);
    } else if (kind === "Flatten") {
      run = (x) => tf.reshape(x, [x.shape[0], -1]);
    } else if (kind === "Dense" && c.use_bias) {
      const [kernel, bias] = [weight("kernel"), weight("bias")];
      run = (x) => finish(tf.fused.matMul({ a: x, b: kernel, bias, activation: fused ?? "linear" }));
    } else {
      throw new Error(`layer ${name} (${kind}) is not one this page can run`);
    }
    ops.push({ name, run });
  }
  if (ops.length === 0) throw new Error("model.json holds no layers");
  return ops;
}

/** Whether a batch norm's axis is the channels of an image batch (its last axis). */
function lastAxis(axis) {
  const axes = [axis].flat();
  return axes.length === 1 && (axes[0] === -1 || axes[0] === 3);
}

/** model.json and its weight shards, with plain fetch(): { modelTopology, weightSpecs, weightData }. */
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
  return { modelTopology: manifest.modelTopology, weightSpecs, weightData: weightData.buffer };
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
