// Copy the browser runtime from node_modules into vendor/, which the build serves.
// Only what the page loads is copied: no source maps, no Node builds.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

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
    "@tensorflow/tfjs-core/dist",
    (name) => name === "tf-core.min.js",
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

// Pyodide ships its standard library as Python sources, so every page load would
// compile the ~200 modules Python imports at start-up before running a line: seconds
// on a slow machine. Compile them once here, with Pyodide itself (bytecode must match
// its exact Python), into unchecked-hash .pyc files. Cached by the sources' hash.
await precompileStdlib(join(vendor, "pyodide", "python_stdlib.zip"));

async function precompileStdlib(zipPath) {
  const sources = readFileSync(zipPath);
  const key = createHash("sha256").update(sources).digest("hex").slice(0, 16);
  const cached = join(modules, ".cache", "digitpad", `python_stdlib-${key}.zip`);
  if (!existsSync(cached)) {
    const { loadPyodide } = await import(pathToFileURL(join(modules, "pyodide", "pyodide.mjs")).href);
    const pyodide = await loadPyodide({ stdout: () => {}, stderr: () => {} });
    pyodide.FS.writeFile("/tmp/sources.zip", sources);
    pyodide.runPython(`
import importlib._bootstrap_external as bootstrap
import importlib.util
import zipfile

with zipfile.ZipFile("/tmp/sources.zip") as src, \\
        zipfile.ZipFile("/tmp/compiled.zip", "w", zipfile.ZIP_DEFLATED) as out:
    for info in src.infolist():
        data = src.read(info)
        if not info.filename.endswith(".py"):
            out.writestr(info, data)
            continue
        try:
            code = compile(data, info.filename, "exec", dont_inherit=True)
        except SyntaxError:
            out.writestr(info, data)  # left for Python to report if it is ever imported
            continue
        pyc = bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
        out.writestr(info.filename + "c", bytes(pyc))
`);
    mkdirSync(dirname(cached), { recursive: true });
    writeFileSync(cached, pyodide.FS.readFile("/tmp/compiled.zip"));
  }
  cpSync(cached, zipPath);
  console.log(`vendor/pyodide: standard library precompiled (${key})`);
}
