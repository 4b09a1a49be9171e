// Learning a handwriting: the network's dense head fine-tuned with TensorFlow.js on a
// lesson that digitpad/personal.py makes (the person's examples and replayed pen
// digits). The convolutions stay as they are, so what the head reads of each image is
// computed once; then Adam runs over it for the lesson's epochs.
//
// It runs on the page's thread in slices of at most SLICE_MS, each a task of its own,
// so the pad keeps drawing and reading while it learns. TF.js's core bundle carries no
// gradients, so the backward pass of the dense layers and the softmax cross-entropy is
// written out here (it is a few products), and Adam applies it.

/* global tf */

import { CLASSES, SIZE } from "./constants.js";

const PIXELS = SIZE * SIZE;
const SLICE_MS = 5; // the longest a slice holds the page's thread
const FEATURE_CHUNK = 4; // images read by the convolutions at a time
// The activations a hidden layer of the head may have: forward, and the gradient
// through it given the layer's output y.
const HIDDEN = {
  linear: { forward: (x) => x, backward: (dy) => dy },
  relu: { forward: (x) => tf.relu(x), backward: (dy, y) => tf.mul(dy, tf.step(y)) },
};

let runs = 0;

/**
 * Fine-tune `model`'s head (model.head, as loaded) on `lesson`: { pixels: Uint8Array of
 * n*784 values 0..255, labels: Uint8Array of n, epochs, batchSize, rate, seed }.
 * onProgress(fraction) is called as it goes; `signal` stops it (an AbortError). Resolves
 * to the learned head, { layer name: { kernel, bias } } of Float32Arrays, which
 * model.useHead takes. The model itself is not changed.
 */
export async function learn(model, lesson, onProgress = () => {}, signal = undefined) {
  const { pixels, labels, epochs, batchSize, rate, seed } = lesson;
  const n = labels.length;
  if (!n || pixels.length !== n * PIXELS) throw new RangeError(`a lesson of ${n} labels needs ${n * PIXELS} pixels, not ${pixels.length}`);
  const head = model.head;
  if (!head.length) throw new Error("this model has no dense layers to learn with");
  head.forEach((layer, i) => {
    const last = i === head.length - 1;
    if (last ? layer.activation !== "softmax" : !Object.hasOwn(HIDDEN, layer.activation)) {
      throw new Error(`cannot learn with layer ${layer.name}'s ${layer.activation} activation`);
    }
  });
  const steps = epochs * Math.ceil(n / batchSize);
  const work = Math.ceil(n / FEATURE_CHUNK) + steps;
  let done = 0;
  const slices = new Slices(signal);

  runs += 1; // variables are named, and a name is taken until they are disposed
  const parts = [];
  const variables = [];
  let optimizer = null;
  let features = null;
  let targets = null;
  try {
    for (let at = 0; at < n; at += FEATURE_CHUNK) {
      const end = Math.min(n, at + FEATURE_CHUNK);
      const x = Float32Array.from(pixels.subarray(at * PIXELS, end * PIXELS), (v) => v / 255);
      parts.push(model.features(x));
      done += 1;
      await slices.next(() => onProgress(done / work));
    }
    features = tf.concat(parts);
    targets = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), CLASSES));
    for (const layer of head) {
      variables.push({
        layer,
        kernel: tf.variable(layer.kernel, true, `${layer.name}/kernel/learning-${runs}`),
        bias: layer.bias ? tf.variable(layer.bias, true, `${layer.name}/bias/learning-${runs}`) : null,
      });
    }
    optimizer = tf.train.adam(rate, 0.9, 0.999, 1e-7);
    const random = mulberry32(seed);
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let epoch = 0; epoch < epochs; epoch += 1) {
      shuffle(order, random);
      for (let at = 0; at < n; at += batchSize) {
        tf.tidy(() => {
          const which = tf.tensor1d(order.subarray(at, Math.min(n, at + batchSize)), "int32");
          optimizer.applyGradients(gradients(variables, tf.gather(features, which), tf.gather(targets, which)));
        });
        done += 1;
        await slices.next(() => onProgress(done / work));
      }
    }
    onProgress(1);
    return Object.fromEntries(
      variables.map(({ layer, kernel, bias }) => [
        layer.name,
        bias ? { kernel: kernel.dataSync().slice(), bias: bias.dataSync().slice() } : { kernel: kernel.dataSync().slice() },
      ]),
    );
  } finally {
    parts.forEach((t) => t.dispose());
    for (const t of [features, targets]) t?.dispose();
    variables.forEach(({ kernel, bias }) => {
      kernel.dispose();
      bias?.dispose();
    });
    optimizer?.dispose();
  }
}

/**
 * The gradients of the mean softmax cross-entropy of a batch (features x, one-hot
 * targets) with respect to each variable: { variable name: gradient }.
 */
function gradients(variables, x, targets) {
  const inputs = [x];
  let z = x;
  variables.forEach(({ layer, kernel, bias }, i) => {
    z = tf.matMul(z, kernel);
    if (bias) z = tf.add(z, bias);
    if (i < variables.length - 1) {
      z = HIDDEN[layer.activation].forward(z);
      inputs.push(z);
    }
  });
  // The last layer's softmax and the cross-entropy together: d(loss)/d(logits).
  let dz = tf.div(tf.sub(tf.softmax(z), targets), x.shape[0]);
  const found = {};
  for (let i = variables.length - 1; i >= 0; i -= 1) {
    const { kernel, bias } = variables[i];
    found[kernel.name] = tf.matMul(inputs[i], dz, true, false);
    if (bias) found[bias.name] = tf.sum(dz, 0);
    if (i > 0) {
      const dy = tf.matMul(dz, kernel, false, true);
      dz = HIDDEN[variables[i - 1].layer.activation].backward(dy, inputs[i]);
    }
  }
  return found;
}

/** Gives the page its thread back once a slice has run SLICE_MS. */
class Slices {
  #began = performance.now();
  #signal;
  #channel = new MessageChannel();

  constructor(signal) {
    this.#signal = signal;
  }

  async next(report) {
    this.#signal?.throwIfAborted();
    if (performance.now() - this.#began < SLICE_MS) return;
    report();
    // A message is a task of its own, without setTimeout's 4 ms clamp.
    await new Promise((resolve) => {
      this.#channel.port1.onmessage = resolve;
      this.#channel.port2.postMessage(null);
    });
    this.#signal?.throwIfAborted();
    this.#began = performance.now();
  }
}

/** A seeded random number generator (mulberry32): the same lesson learns the same head. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(array, random) {
  for (let i = array.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [array[i], array[j]] = [array[j], array[i]];
  }
}
