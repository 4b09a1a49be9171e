// Start Python once, here, and save the result: vendor/pyodide/snapshot.bin.gz.
//
// A fresh Pyodide spends most of its start-up initialising the interpreter and
// importing modules, and the page would do that on every visit. Pyodide can instead
// restore a memory snapshot of an interpreter that has already started and imported
// the page's Python (the digitpad modules pyscript.toml lists, and what they import),
// which static/python.mjs hands it. The snapshot is only good for the exact Pyodide
// build and standard library it was made with, so it is made from vendor/pyodide
// itself, after scripts/vendor.mjs, and cached by the hash of everything that went in.
//
//     node scripts/snapshot.mjs
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pyodideDir = join(root, "vendor", "pyodide");
const target = join(pyodideDir, "snapshot.bin.gz");

const runtime = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];
if (!existsSync(join(pyodideDir, "pyodide.asm.wasm"))) {
  throw new Error("vendor/pyodide is missing: run `make vendor` first");
}
const modules = browserModules();

const hash = createHash("sha256");
for (const name of runtime) hash.update(readFileSync(join(pyodideDir, name)));
for (const path of modules) hash.update(path).update(readFileSync(join(root, path)));
hash.update(readFileSync(fileURLToPath(import.meta.url)));
const key = hash.digest("hex").slice(0, 16);
const cached = join(root, "node_modules", ".cache", "digitpad", `snapshot-${key}.bin.gz`);

if (!existsSync(cached)) {
  const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({
    indexURL: pyodideDir + "/",
    _makeSnapshot: true,
    stdout: () => {},
    stderr: (line) => console.error(line),
  });
  // The page writes these files too (pyscript.toml [files]); here they only need to
  // be importable, from where the page puts them.
  for (const path of modules) {
    pyodide.FS.mkdirTree(`/home/pyodide/${dirname(path)}`);
    pyodide.FS.writeFile(`/home/pyodide/${path}`, readFileSync(join(root, path)));
  }
  const names = modules.filter((p) => p.endsWith(".py")).map((p) => p.slice(0, -3).replaceAll("/", "."));
  // _digitpad_snapshot keeps the sources as imported, so that main.py can tell when the
  // files a site serves are not the ones in the snapshot, and read those instead.
  pyodide.runPython(`
import importlib, sys, types
sys.path.insert(0, "/home/pyodide")
for name in ${JSON.stringify(names)}:
    importlib.import_module(name)
record = types.ModuleType("_digitpad_snapshot")
record.SOURCES = {path: open(path, "rb").read() for path in ${JSON.stringify(modules)}}
sys.modules[record.__name__] = record
`);
  const snapshot = pyodide.makeMemorySnapshot();
  mkdirSync(dirname(cached), { recursive: true });
  writeFileSync(cached, gzipSync(snapshot, { level: 6 }));
}
cpSync(cached, target);
console.log(`vendor/pyodide: snapshot of Python with ${modules.length} digitpad files imported (${key})`);

/** The Python files the page loads: the keys of pyscript.toml's [files] table. */
function browserModules() {
  const toml = readFileSync(join(root, "pyscript.toml"), "utf8");
  const files = toml.split(/^\[files\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
  return [...files.matchAll(/^"\.\/([^"]+)"\s*=/gm)].map((m) => m[1]);
}
