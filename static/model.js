// The digit classifier: TensorFlow.js on its WebAssembly backend, running the CNN in
// model/. Loading starts as soon as the page does, alongside Python's boot, and
// predict() is synchronous so the reader can call it from Python and paint the answer
// in the same frame.
//
// Only TF.js's core is loaded, not its layers API: the network is a chain of a few
// kinds of Keras layers (LAYERS below), which layersAsOps turns into TF.js ops straight
// from model.json. That is a fifth of the JavaScript to start (tf-core.min.js, which
// has no chained tensor methods: ops are called as tf.op(x)), and each prediction skips
// the layers API's bookkeeping. digitpad/network.py reads the same file the same way in
// numpy, with the same layers.

/* global tf */

import { CLASSES, SIZE } from "./constants.js"; // written by the build from digitpad/

const PIXELS = SIZE * SIZE;
// A map whose values span less than this is drawn black: it responds to nothing.
const FLAT = 1e-6;

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
  const [artifacts] = await Promise.all([download, loadRuntime(vendor)]);
  const model = modelFrom(artifacts);
  model.version = fingerprint(artifacts);
  model.predict(new Float32Array(PIXELS)); // the first run compiles kernels; do it now
  model.lastInput = null;
  return model;
}

/**
 * The network in downloaded artifacts ({ modelTopology, weightSpecs, weightData }), on
 * whatever TF.js backend is running. A ModelLoadError says what is wrong: a layer or
 * option outside the set, or damaged files.
 */
export function modelFrom(artifacts) {
  let layers;
  try {
    const weights = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
    layers = layersAsOps(artifacts.modelTopology, weights);
  } catch (error) {
    if (error instanceof UnsupportedModel) {
      throw new ModelLoadError(`The digit model uses what this page cannot run: ${error.message}.`);
    }
    throw new ModelLoadError(`The digit model is damaged (${error.message}).`);
  }
  return new Model(layers);
}

let runtime = null;

/** TF.js and its wasm backend, started once per page however many models load. */
function loadRuntime(vendor) {
  runtime ??= (async () => {
    await loadScript(`${vendor}tfjs/tf-core.min.js`);
    await loadScript(`${vendor}tfjs-wasm/tf-backend-wasm.min.js`);
    tf.wasm.setWasmPaths(`${vendor}tfjs-wasm/`); // relative: the app may live under any path
    await startBackend();
  })().catch((error) => {
    runtime = null; // a later load tries again
    throw error;
  });
  return runtime;
}

export class Model {
  #layers; // [{ name, kind, config, weights, run }], input to output; run is null for train-time-only layers
  #running; // the layers that compute something
  #original; // #layers as loaded
  #head; // the index in #layers where the dense head begins
  /** The last batch the network read (n x 28 x 28, ink = 1), for tests and the view. */
  lastInput = null;
  /** A hash of the model's files (set by loadModel): a head learned for one model fits no other. */
  version = "";
  /** Counts the changes of head, so that what was read of the weights can be read again. */
  generation = 0;

  constructor(layers) {
    this.#original = layers;
    this.#use(layers);
    this.#head = headStart(layers);
  }

  #use(layers) {
    this.#layers = layers;
    this.#running = layers.filter((layer) => layer.run);
    this.generation += 1;
  }

  /**
   * The dense layers at the end of the network, which learning a handwriting changes:
   * [{ name, activation, kernel, bias }] as loaded (tensors; bias may be undefined).
   * Empty when the network does not end in dense layers.
   */
  get head() {
    if (this.#head < 0) return [];
    return this.#original
      .slice(this.#head)
      .filter((layer) => layer.kind === "Dense")
      .map(({ name, config, weights }) => ({
        name,
        activation: config.activation ?? "linear",
        kernel: weights.kernel,
        bias: weights.bias,
      }));
  }

  /** What the head reads: the output of the layers before it, for n*784 pixels (a 2-D tensor). */
  features(pixels) {
    if (this.#head < 0) throw new ModelLoadError("This model has no dense layers to learn with.");
    const n = pixels.length / PIXELS;
    return tf.tidy(() => this.#run(tf.tensor4d(pixels, [n, 28, 28, 1]), this.#original.slice(0, this.#head).filter((l) => l.run)));
  }

  /**
   * Read with another head: { layer name: { kernel, bias } } of Float32Arrays, as
   * static/learn.js gives, or null for the head the model was loaded with. A head that
   * does not fit this model throws a ModelLoadError saying why, and changes nothing.
   */
  useHead(weights) {
    if (weights == null) {
      if (this.#layers !== this.#original) {
        const personal = this.#layers;
        this.#use(this.#original);
        disposeHead(personal, this.#original);
      }
      return;
    }
    const made = [];
    try {
      const layers = this.#original.map((layer, i) => {
        if (i < this.#head || layer.kind !== "Dense") return layer;
        const stored = weights[layer.name];
        if (!stored) throw new ModelLoadError(`it has no weights for layer ${layer.name}`);
        const fresh = {};
        for (const [part, tensor] of Object.entries(layer.weights)) {
          const data = stored[part];
          if (!(data instanceof Float32Array) || data.length !== tensor.size || !data.every(Number.isFinite)) {
            throw new ModelLoadError(`its ${layer.name}/${part} is not ${tensor.size} numbers`);
          }
          fresh[part] = tf.tensor(data, tensor.shape);
          made.push(fresh[part]);
        }
        const spec = new LayerSpec(layer.name, layer.kind, layer.config, (part) => fresh[part]);
        return { ...layer, weights: fresh, run: LAYERS.Dense(spec) };
      });
      const before = this.#layers;
      this.#use(layers);
      if (before !== this.#original) disposeHead(before, this.#original);
    } catch (error) {
      made.forEach((t) => t.dispose());
      throw error instanceof ModelLoadError ? error : new ModelLoadError(error.message);
    }
  }

  /** Probabilities for a batch: Float32Array of n*784 pixels in, n*10 out. */
  predict(pixels) {
    const n = pixels.length / PIXELS;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`predict needs a multiple of ${PIXELS} pixels, got ${pixels.length}`);
    }
    this.lastInput = pixels;
    return tf.tidy(() => {
      const output = this.#run(tf.tensor4d(pixels, [n, 28, 28, 1]), this.#running);
      const probabilities = output.dataSync();
      if (probabilities.length !== n * CLASSES) {
        throw new RangeError(`the model gave ${probabilities.length} outputs for ${n} digits`);
      }
      return probabilities;
    });
  }

  /**
   * Every layer of model.json, input to output, for the steps view: [{ name, kind,
   * config, weights: { part: shape } }]. Train-time-only layers are listed too.
   */
  summary() {
    return this.#layers.map(({ name, kind, config, weights }) => ({
      name,
      kind,
      config,
      weights: Object.fromEntries(Object.entries(weights).map(([part, tensor]) => [part, tensor.shape])),
    }));
  }

  /**
   * What each layer of summary() makes of one 28x28 input (ink = 1), from one run of the
   * network: { shapes, data, levels }, shapes[i] the i-th layer's output shape without
   * the batch axis, data all the outputs one after the other, channels last, and levels
   * the same as 0..255 for pictures: each map (or a dense layer's units together) from
   * its own lowest value (0) to its highest (255); a map of one value is all 0.
   */
  activations(pixels) {
    const outputs = tf.tidy(() => {
      let x = tf.tensor4d(pixels, [1, 28, 28, 1]);
      return this.#layers.map((layer) => {
        if (layer.run) x = layer.run(x);
        const spatial = x.rank === 4 ? [0, 1, 2] : [0, 1];
        const low = tf.min(x, spatial, true);
        const range = tf.sub(tf.max(x, spatial, true), low);
        const scale = tf.where(tf.greater(range, FLAT), tf.div(255, range), tf.zerosLike(range));
        const levels = tf.cast(tf.clipByValue(tf.round(tf.mul(tf.sub(x, low), scale)), 0, 255), "int32");
        return [tf.keep(tf.clone(x)), tf.keep(levels)];
      });
    });
    const shapes = outputs.map(([t]) => t.shape.slice(1));
    const total = outputs.reduce((n, [t]) => n + t.size, 0);
    const data = new Float32Array(total);
    const levels = new Uint8Array(total);
    let at = 0;
    for (const [t, l] of outputs) {
      data.set(t.dataSync(), at);
      levels.set(l.dataSync(), at);
      at += t.size;
      t.dispose();
      l.dispose();
    }
    return { shapes, data, levels };
  }

  /** One layer's weights: { part: { shape, data } }, data a Float32Array. */
  weights(name) {
    const layer = this.#layers.find((l) => l.name === name);
    if (!layer) throw new RangeError(`the network has no layer ${name}`);
    return Object.fromEntries(
      Object.entries(layer.weights).map(([part, t]) => [part, { shape: t.shape, data: t.dataSync() }]),
    );
  }

  #run(x, layers) {
    return layers.reduce((y, layer) => layer.run(y), x);
  }
}

/** Where the network's dense head begins: the first Dense layer that only Dense and
 * train-time layers follow; -1 when the last computing layer is no Dense. */
function headStart(layers) {
  let start = -1;
  for (let i = layers.length - 1; i >= 0; i -= 1) {
    if (layers[i].kind === "Dense") start = i;
    else if (layers[i].run) break;
  }
  return start;
}

/** Free the tensors of a head that replaced the original's. */
function disposeHead(layers, original) {
  layers.forEach((layer, i) => {
    if (layer !== original[i]) Object.values(layer.weights).forEach((t) => t.dispose());
  });
}

/** A hash of the model's topology and weights, hex: two 32-bit FNV-1a style hashes
 * (crypto.subtle is for secure origins only, and a class may serve the app over http). */
function fingerprint({ modelTopology, weightSpecs, weightData }) {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const add = (bytes) => {
    for (let i = 0; i < bytes.length; i += 1) {
      a = Math.imul(a ^ bytes[i], 0x01000193);
      b = Math.imul(b ^ bytes[i], 0x5bd1e995);
      b ^= b >>> 13;
    }
  };
  add(new TextEncoder().encode(JSON.stringify([modelTopology, weightSpecs])));
  add(new Uint8Array(weightData));
  return [a, b].map((h) => (h >>> 0).toString(16).padStart(8, "0")).join("");
}

/**
 * The layers of a Keras model (model.json's modelTopology) as TF.js ops, input to
 * output: [{ name, run }]. Convolution or dense, bias and activation run as one fused
 * op where TF.js can fuse them.
 *
 * The layers and options are the set digitpad/network.py runs, no more and no fewer: a
 * chain of the kinds in LAYERS, channels last, so a model the command line reads is
 * one the page reads. Anything else throws an UnsupportedModel that names it.
 */
function layersAsOps(topology, weights) {
  const model = topology.model_config ?? topology;
  const modelClass = model.class_name;
  if (!["Sequential", "Functional", "Model"].includes(modelClass)) {
    throw new UnsupportedModel(
      `model class ${show(modelClass)} is not supported (supported: Sequential, Functional, Model); ` +
        "save the model as one of these",
    );
  }
  const specs = Array.isArray(model.config) ? model.config : model.config?.layers; // old Sequential: a list
  if (!Array.isArray(specs) || specs.length === 0) throw new Error("model.json holds no layers");
  const names = specs.map((spec, i) => spec.config?.name ?? `${String(spec.class_name).toLowerCase()}_${i}`);
  if (modelClass !== "Sequential") checkChain(model.config, names, specs);

  // Stored names are paths like "conv2d/kernel" or "model/conv2d/kernel": the layer's
  // name, then the weight's.
  const byLayer = {};
  for (const [full, tensor] of Object.entries(weights)) {
    const parts = full.split("/");
    if (parts.length >= 2) byLayer[parts.slice(-2).join("/")] = tensor;
  }
  const ops = [];
  specs.forEach(({ class_name: kind, config: c = {} }, i) => {
    const name = names[i];
    if (kind === "InputLayer" && i > 0) {
      throw new UnsupportedModel(`layer ${show(name)} is an InputLayer after the first layer; ${CHAIN}`);
    }
    if (!Object.hasOwn(LAYERS, kind)) {
      throw new UnsupportedModel(
        `layer ${show(name)} is a ${kind}, which this page does not support ` +
          `(supported: ${Object.keys(LAYERS).join(", ")}); rebuild the model from these layers`,
      );
    }
    const used = {};
    const layer = new LayerSpec(name, kind, c, (part) => {
      const tensor = byLayer[`${name}/${part}`];
      if (!tensor) throw new Error(`layer ${name} has no ${part}`);
      used[part] = tensor;
      return tensor;
    });
    if ((c.data_format ?? "channels_last") !== "channels_last") {
      throw layer.refuse(`data_format ${show(c.data_format)}`, '"channels_last"');
    }
    ops.push({ name, kind, config: c, weights: used, run: LAYERS[kind](layer) });
  });
  if (!ops.some((op) => op.run)) throw new Error("model.json holds no layers");
  return ops;
}

/** A model outside the layer set: it loads nowhere, rather than being damaged. */
class UnsupportedModel extends Error {}

const CHAIN = "only a chain of single-input layers, in model.json's order, is supported";

/** A Keras 2 functional config must be a chain: each layer fed by the one before it
 * alone, the first the input and the last the output. */
function checkChain(config, names, specs) {
  specs.forEach((spec, i) => {
    const nodes = spec.inbound_nodes ?? [];
    const name = show(names[i]);
    if (i === 0) {
      if (nodes.length) throw new UnsupportedModel(`layer ${name} is fed by another layer, yet comes first; ${CHAIN}`);
      return;
    }
    if (nodes.length !== 1) {
      throw new UnsupportedModel(
        nodes.length ? `layer ${name} is called ${nodes.length} times, not once; ${CHAIN}` : `layer ${name} has no input; ${CHAIN}`,
      );
    }
    if (nodes[0].length !== 1) throw new UnsupportedModel(`layer ${name} merges ${nodes[0].length} inputs; ${CHAIN}`);
    const entry = nodes[0][0];
    const source = Array.isArray(entry) ? entry[0] : entry;
    if (source !== names[i - 1]) {
      throw new UnsupportedModel(
        `layer ${name} is fed by ${show(source)}, not by the layer before it (${show(names[i - 1])}); ${CHAIN}`,
      );
    }
  });
  const ends = ["input_layers", "output_layers"].map((key) =>
    (config[key] ?? []).filter((entry) => Array.isArray(entry) && entry.length).map((entry) => entry[0]),
  );
  const same = (a, b) => a.length === b.length && a.every((x, k) => x === b[k]);
  if (!same(ends[0], names.slice(0, 1)) || !same(ends[1], names.slice(-1))) {
    throw new UnsupportedModel(
      `the model's inputs are ${show(ends[0])} and its outputs ${show(ends[1])}; only one input, ` +
        `the first layer (${show(names[0])}), and one output, the last (${show(names.at(-1))}), are supported`,
    );
  }
}

/** One layer's name, kind, config and weights, and the error for an option outside the set. */
class LayerSpec {
  constructor(name, kind, config, weight) {
    Object.assign(this, { name, kind, config, weight });
  }

  refuse(what, supported) {
    return new UnsupportedModel(
      `layer ${show(this.name)} (${this.kind}): ${what} is not supported (supported: ${supported}); ` +
        "rebuild the model with a supported option",
    );
  }

  choice(key, fallback, allowed) {
    const value = this.config[key] ?? fallback;
    if (!allowed.includes(value)) throw this.refuse(`${key} ${show(value)}`, allowed.map(show).join(", "));
    return value;
  }

  number(key, fallback, optional = false) {
    const value = this.config[key] ?? fallback;
    if (value === null && optional) return null;
    if (typeof value !== "number") throw this.refuse(`${key} ${show(value)}`, "a number");
    return value;
  }

  pair(key, fallback) {
    const value = this.config[key] ?? fallback;
    const positive = (v) => Number.isInteger(v) && v > 0;
    if (positive(value)) return [value, value];
    if (Array.isArray(value) && value.length === 2 && value.every(positive)) return value;
    throw this.refuse(`${key} ${show(value)}`, "a positive integer or two of them");
  }

  activation() {
    const name = this.config.activation ?? "linear";
    if (typeof name !== "string" || !Object.hasOwn(ACTIVATIONS, name)) {
      throw this.refuse(`activation ${show(name)}`, Object.keys(ACTIVATIONS).sort().join(", "));
    }
    return name;
  }

  bias() {
    return this.choice("use_bias", true, [true, false]) ? this.weight("bias") : undefined;
  }
}

const ACTIVATIONS = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  softmax: (x) => tf.softmax(x),
};
// The activations TF.js's fused ops apply themselves; the others run after them.
const FUSED = ["linear", "relu", "relu6", "sigmoid"];

/** An activation split into what the fused op applies and what runs after it. */
function fusion(activation) {
  return FUSED.includes(activation) ? [activation, ACTIVATIONS.linear] : ["linear", ACTIVATIONS[activation]];
}

const same = (pair) => pair[0] === 1 && pair[1] === 1;
// Train-time only: nothing to run.
const identity = () => null;

/** Each layer kind of the set: its op, made from its LayerSpec (null: nothing to run). */
const LAYERS = {
  Activation: (layer) => ACTIVATIONS[layer.activation()],
  AveragePooling2D: (layer) => pooling(layer, true),
  BatchNormalization(layer) {
    const axis = [layer.config.axis ?? -1].flat();
    if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== 3)) {
      throw layer.refuse(`axis ${show(layer.config.axis)}`, "-1 or 3, the channels");
    }
    const epsilon = layer.number("epsilon", 1e-3);
    const [mean, variance] = ["moving_mean", "moving_variance"].map(layer.weight);
    const gamma = layer.choice("scale", true, [true, false]) ? layer.weight("gamma") : undefined;
    const beta = layer.choice("center", true, [true, false]) ? layer.weight("beta") : undefined;
    return (x) => tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
  },
  Conv2D(layer) {
    const strides = layer.pair("strides", 1);
    const dilations = layer.pair("dilation_rate", 1);
    if (!same(dilations) && !same(strides)) {
      // Keras and TF.js refuse the pair too.
      throw layer.refuse(`dilation_rate ${show(dilations)} with strides ${show(strides)}`, "dilation_rate 1, or strides 1");
    }
    layer.choice("groups", 1, [1]);
    const pad = layer.choice("padding", "valid", ["valid", "same"]);
    const [activation, after] = fusion(layer.activation());
    const [filter, bias] = [layer.weight("kernel"), layer.bias()];
    return (x) => after(tf.fused.conv2d({ x, filter, bias, strides, pad, dilations, activation }));
  },
  Dense(layer) {
    const [activation, after] = fusion(layer.activation());
    const [kernel, bias] = [layer.weight("kernel"), layer.bias()];
    // Over the last axis, whatever the rank, as Keras does.
    return (x) => {
      const a = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape.at(-1)]);
      const y = tf.fused.matMul({ a, b: kernel, bias, activation });
      return after(x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), kernel.shape[1]]));
    };
  },
  Dropout: identity,
  Flatten: () => (x) => tf.reshape(x, [x.shape[0], -1]),
  GaussianDropout: identity,
  GaussianNoise: identity,
  GlobalAveragePooling2D(layer) {
    const keep = layer.choice("keepdims", false, [false, true]);
    return (x) => tf.mean(x, [1, 2], keep);
  },
  InputLayer: identity,
  MaxPooling2D: (layer) => pooling(layer, false),
  ReLU(layer) {
    if (layer.number("threshold", 0) !== 0) throw layer.refuse(`threshold ${show(layer.config.threshold)}`, "0");
    const top = layer.number("max_value", null, true);
    const slope = layer.number("negative_slope", 0);
    return (x) => {
      const y = slope ? tf.leakyRelu(x, slope) : tf.relu(x);
      return top === null ? y : tf.minimum(y, top);
    };
  },
  Rescaling(layer) {
    const [scale, offset] = [layer.number("scale", 1), layer.number("offset", 0)];
    return (x) => tf.add(tf.mul(x, scale), offset);
  },
  SpatialDropout2D: identity,
};

function pooling(layer, average) {
  const size = layer.pair("pool_size", 2);
  const strides = layer.config.strides == null ? size : layer.pair("strides");
  // TF leaves the padding out of an average; digitpad/network.py does not run that.
  const pad = layer.choice("padding", "valid", average ? ["valid"] : ["valid", "same"]);
  return average ? (x) => tf.avgPool(x, size, strides, pad) : (x) => tf.maxPool(x, size, strides, pad);
}

/** A config value as the error messages show it. */
function show(value) {
  return JSON.stringify(value) ?? String(value);
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
