// Start Python once, here, and save the result: vendor/pyodide/snapshot.bin.
//
// A fresh Pyodide spends most of its start-up initialising the interpreter and
// importing modules, and the page would do that on every visit. Pyodide can instead
// restore a memory snapshot of an interpreter that has already started and imported
// the page's Python (the digitpad modules pyscript.toml lists, and what they import),
// which static/python.mjs hands it. It also holds PyScript's own Python package
// compiled (scripts/_digitpad_snapshot.py says why). The snapshot is only good for
// the exact Pyodide build and standard library it was made with, so it is made from
// vendor/pyodide itself, after scripts/vendor.mjs, and cached by the hash of
// everything that went in.
//
// The file holds only how the memory differs from zeros and from the data that
// pyodide.asm.wasm brings itself: static/snapshot-format.mjs has the format, and reads
// it in the page.
//
//     node scripts/snapshot.mjs
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { encode } from "../static/snapshot-format.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pyodideDir = join(root, "vendor", "pyodide");
const target = join(pyodideDir, "snapshot.bin");

const runtime = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];
if (!existsSync(join(pyodideDir, "pyodide.asm.wasm"))) {
  throw new Error("vendor/pyodide is missing: run `make vendor` first");
}
const modules = browserModules();
const helper = join(root, "scripts", "_digitpad_snapshot.py");
const laterScript = join(root, "scripts", "_stdlib_later.py");
const laterTarget = join(pyodideDir, "python_later.zip");
// PyScript's Python package, as its core writes it to Python's files at every start.
const pyscriptStdlib = join(root, "node_modules", "@pyscript", "core", "src", "stdlib", "pyscript.js");
const pyscriptFiles = pythonFiles((await import(pathToFileURL(pyscriptStdlib).href)).default);

const hash = createHash("sha256");
for (const name of runtime) hash.update(readFileSync(join(pyodideDir, name)));
for (const path of modules) hash.update(path).update(readFileSync(join(root, path)));
const format = join(root, "static", "snapshot-format.mjs");
for (const file of [fileURLToPath(import.meta.url), helper, laterScript, pyscriptStdlib, format]) {
  hash.update(readFileSync(file));
}
const key = hash.digest("hex").slice(0, 16);
const cached = join(root, "node_modules", ".cache", "digitpad", `snapshot-${key}.bin`);
const laterCached = join(root, "node_modules", ".cache", "digitpad", `python_later-${key}.zip`);

if (!existsSync(cached) || !existsSync(laterCached)) {
  mkdirSync(dirname(cached), { recursive: true });
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
  pyodide.FS.writeFile("/tmp/_digitpad_snapshot.py", readFileSync(helper));
  // PyScript's own package cannot be imported here (it needs the page's JS modules),
  // but it can be compiled, and what it imports from the standard library beyond
  // Pyodide's start-up can be imported.
  const names = [
    ...modules.filter((p) => p.endsWith(".py")).map((p) => p.slice(0, -3).replaceAll("/", ".")),
    "html",
  ];
  const globals = pyodide.toPy({ names, modules, pyscript: pyscriptFiles });
  pyodide.runPython(
    `
import importlib, os, sys
sys.path.insert(0, "/tmp")
import _digitpad_snapshot
sys.path.remove("/tmp")
sys.path.insert(0, "/home/pyodide")
for name in names:
    importlib.import_module(name)
_digitpad_snapshot.record(modules)
_digitpad_snapshot.precompile({os.path.abspath(path): text for path, text in pyscript.items()})
_digitpad_snapshot.install()
`,
    { globals },
  );
  globals.destroy();
  // The standard library's files the restored page may still need, made here by
  // scripts/_stdlib_later.py: the snapshot is taken with that zip in place of the
  // whole one, which Python then forgets.
  const imported = pyodide.runPython("import json, sys\njson.dumps(sorted(sys.modules))");
  const python = process.env.PYTHON || "python3";
  const written = JSON.parse(
    execFileSync(python, [laterScript, join(pyodideDir, "python_stdlib.zip"), laterCached], { input: imported, encoding: "utf8" }),
  );
  const stdlib = pyodide.runPython("import sys\nnext(p for p in sys.path if p.endswith('.zip'))");
  pyodide.FS.writeFile(stdlib, readFileSync(laterCached));
  pyodide.runPython("import sys, zipimport\nzipimport._zip_directory_cache.clear()\nsys.path_importer_cache.clear()");
  const snapshot = pyodide.makeMemorySnapshot();
  const failed = runLater(pyodide, "check()");
  if (failed.length) {
    rmSync(laterCached);
    throw new Error(`python_later.zip lacks what these modules need, as scripts/_stdlib_later.py lists them:\n${failed.join("\n")}`);
  }
  console.log(`vendor/pyodide: python_later.zip holds ${written.length} modules of the standard library`);
  // Pyodide's header comes first; its second uint32 says where the memory begins.
  const start = new DataView(snapshot.buffer, snapshot.byteOffset).getUint32(4, true);
  writeFileSync(cached, encode(snapshot, readFileSync(join(pyodideDir, "pyodide.asm.wasm")), start));
}
cpSync(cached, target);
cpSync(laterCached, laterTarget);
console.log(`vendor/pyodide: snapshot of Python with ${modules.length} digitpad files imported (${key})`);

/** The value of `expression` (JSON), run in Pyodide with scripts/_stdlib_later.py's
 * names. */
function runLater(pyodide, expression) {
  const namespace = pyodide.globals.get("dict")();
  try {
    pyodide.runPython(readFileSync(laterScript, "utf8"), { globals: namespace });
    const result = pyodide.runPython(`import json\njson.dumps(${expression})`, { globals: namespace });
    return JSON.parse(result);
  } finally {
    namespace.destroy();
  }
}

/** PyScript's package as {"pyscript/__init__.py": text, ...}, from its nested table. */
function pythonFiles(tree, base = "") {
  return Object.entries(tree).reduce(
    (files, [name, value]) =>
      typeof value === "string" ? { ...files, [base + name]: value } : { ...files, ...pythonFiles(value, `${base}${name}/`) },
    {},
  );
}

/** The Python files the page loads, as scripts/build.py reads them from pyscript.toml. */
function browserModules() {
  const python = process.env.PYTHON || "python3";
  const listed = execFileSync(python, [join(root, "scripts", "build.py"), "--list-modules"], { encoding: "utf8" });
  return JSON.parse(listed);
}
