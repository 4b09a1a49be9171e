// Copy the browser runtime from node_modules into vendor/, which the build serves.
// Only what the page loads is copied: no source maps, no Node builds.
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "vendor");

const runtime = {
  pyscript: ["@pyscript/core/dist", (name) => !name.endsWith(".map")],
  pyodide: [
    "pyodide",
    (name) =>
      ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"].includes(name),
  ],
  tfjs: [
    "@tensorflow/tfjs/dist",
    (name) => name === "tf.min.js",
  ],
  "tfjs-wasm": [
    "@tensorflow/tfjs-backend-wasm/dist",
    (name) => ["tf-backend-wasm.min.js", "tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm"].includes(name),
  ],
};

rmSync(vendor, { recursive: true, force: true });
for (const [target, [source, wanted]] of Object.entries(runtime)) {
  const from = join(modules, source);
  const to = join(vendor, target);
  mkdirSync(to, { recursive: true });
  const names = readdirSync(from, { withFileTypes: true })
    .filter((entry) => entry.isFile() && wanted(entry.name))
    .map((entry) => entry.name);
  if (names.length === 0) throw new Error(`nothing to vendor from ${source}: run npm ci`);
  for (const name of names) cpSync(join(from, name), join(to, name));
  console.log(`vendor/${target}: ${names.length} files`);
}
