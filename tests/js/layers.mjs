// Load models with the page's own runner (static/model.js) on TF.js's cpu backend in
// Node, and print, per model, its outputs for the given inputs or why it was refused.
//
//   node tests/js/layers.mjs MODEL_JS CASES_DIR > results.json
//
// MODEL_JS is a copy of static/model.js with its constants.js beside it. Each folder in
// CASES_DIR holds model.json, its weights and inputs.f32 (N*28*28 little-endian
// float32). The result is { case: { outputs: [[...], ...] } | { error: "..." } }.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
globalThis.tf = require("@tensorflow/tfjs-core");
require("@tensorflow/tfjs-backend-cpu");

const [modelJs, casesDir] = process.argv.slice(2);
if (!modelJs || !casesDir) {
  console.error("usage: node tests/js/layers.mjs MODEL_JS CASES_DIR");
  process.exit(2);
}
await tf.setBackend("cpu");
const { modelFrom } = await import(pathToFileURL(modelJs).href);

function artifacts(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  const groups = manifest.weightsManifest;
  const joined = Buffer.concat(groups.flatMap((g) => g.paths).map((p) => readFileSync(join(dir, p))));
  return {
    modelTopology: manifest.modelTopology,
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength),
  };
}

const results = {};
for (const name of readdirSync(casesDir).sort()) {
  const dir = join(casesDir, name);
  try {
    const model = modelFrom(artifacts(dir));
    const raw = readFileSync(join(dir, "inputs.f32"));
    const pixels = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const flat = Array.from(model.predict(pixels));
    const classes = flat.length / (pixels.length / 784);
    results[name] = { outputs: Array.from({ length: flat.length / classes }, (_, i) => flat.slice(i * classes, (i + 1) * classes)) };
  } catch (error) {
    results[name] = { error: `${error.constructor.name}: ${error.message}` };
  }
}
process.stdout.write(JSON.stringify(results));
