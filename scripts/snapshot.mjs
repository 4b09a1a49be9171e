// Start Python once, here, and save the result: vendor/pyodide/snapshot.bin.
//
// A fresh Pyodide spends most of its start-up initialising the interpreter and
// importing modules, and the page would do that on every visit. Pyodide can instead
// restore a memory snapshot of an interpreter that has already started and imported
// the page's Python (the digitpad modules pyscript.toml lists, and what they import),
// which static/python.mjs hands it. The snapshot is only good for the exact Pyodide
// build and standard library it was made with, so it is made from vendor/pyodide
// itself, after scripts/vendor.mjs, and cached by the hash of everything that went in.
//
// Most of Python's memory is zeros, so the file leaves long runs of them out:
// "DPS1", the memory's length, how many pieces, then each piece's offset, length and
// bytes (all numbers uint32, little-endian). 12 MB instead of 31, and the page puts it
// back together with a few thousand copies: gzip would make it 5 MB but take a
// quarter of a second to undo on every start.
//
//     node scripts/snapshot.mjs
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pyodideDir = join(root, "vendor", "pyodide");
const target = join(pyodideDir, "snapshot.bin");
const ZEROS = 64; // runs of at least this many zero bytes are left out

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
const cached = join(root, "node_modules", ".cache", "digitpad", `snapshot-${key}.bin`);

if (!existsSync(cached)) {
  const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({
    indexURL: pyodideDir + "/",
    _makeSnapshot: true,
    // As in a browser; Node would put this script's path there, and in the snapshot.
    env: { _: "./this.program" },
    stdout: () => {},
    stderr: (line) => console.error(line),
  });
  // The page writes these files too (pyscript.toml [files]); here they only need to
  // be importable, from where the page puts them.
  for (const path of modules) {
    pyodide.FS.mkdirTree(`/home/pyodide/${dirname(path)}`);
    pyodide.FS.writeFile(`/home/pyodide/${path}`, readFileSync(join(root, path)));
  }
  // PyScript's own package cannot be in the snapshot (it needs the page's JS modules),
  // but what it imports from the standard library beyond Pyodide's start-up can.
  const names = [
    ...modules.filter((p) => p.endsWith(".py")).map((p) => p.slice(0, -3).replaceAll("/", ".")),
    "html",
  ];
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
  writeFileSync(cached, withoutZeros(snapshot));
}
cpSync(cached, target);
console.log(`vendor/pyodide: snapshot of Python with ${modules.length} digitpad files imported (${key})`);

/** The memory as pieces between runs of zeros (the format above). */
function withoutZeros(memory) {
  const pieces = [];
  let start = 0; // where the current piece began
  let zeros = 0; // zero bytes just seen
  for (let i = 0; i < memory.length; i++) {
    if (memory[i] !== 0) {
      if (zeros >= ZEROS) {
        if (i - zeros > start) pieces.push([start, i - zeros]);
        start = i;
      }
      zeros = 0;
    } else {
      zeros++;
    }
  }
  const end = zeros >= ZEROS ? memory.length - zeros : memory.length;
  if (end > start) pieces.push([start, end]);
  const size = 12 + pieces.reduce((n, [a, b]) => n + 8 + (b - a), 0);
  const out = Buffer.alloc(size);
  out.write("DPS1", 0, "latin1");
  out.writeUInt32LE(memory.length, 4);
  out.writeUInt32LE(pieces.length, 8);
  let at = 12;
  for (const [a, b] of pieces) {
    out.writeUInt32LE(a, at);
    out.writeUInt32LE(b - a, at + 4);
    out.set(memory.subarray(a, b), at + 8);
    at += 8 + (b - a);
  }
  return out;
}

/** The Python files the page loads: the keys of pyscript.toml's [files] table. */
function browserModules() {
  const toml = readFileSync(join(root, "pyscript.toml"), "utf8");
  const files = toml.split(/^\[files\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
  return [...files.matchAll(/^"\.\/([^"]+)"\s*=/gm)].map((m) => m[1]);
}
