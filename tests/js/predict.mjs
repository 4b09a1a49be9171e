// Run a converted layers model with TensorFlow.js in Node (cpu backend), the way the
// page loads it, and print the softmax for each input as JSON.
//
//   node tests/js/predict.mjs MODEL_DIR INPUTS.f32 > probs.json
//
// INPUTS.f32 holds N*28*28 little-endian float32 values (ink = 1).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const tf = require("@tensorflow/tfjs");

const [modelDir, inputPath] = process.argv.slice(2);
if (!modelDir || !inputPath) {
  console.error("usage: node tests/js/predict.mjs MODEL_DIR INPUTS.f32");
  process.exit(2);
}

const manifest = JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8"));
const weightSpecs = manifest.weightsManifest.flatMap((group) => group.weights);
const shards = manifest.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(modelDir, p))));
const joined = Buffer.concat(shards);
const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);

await tf.setBackend("cpu");
const model = await tf.loadLayersModel(
  tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs, weightData }),
);
const raw = readFileSync(inputPath);
const pixels = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const count = pixels.length / (28 * 28);
const probs = model.predict(tf.tensor4d(pixels, [count, 28, 28, 1]));
process.stdout.write(JSON.stringify({ backend: tf.getBackend(), probs: await probs.array() }));
