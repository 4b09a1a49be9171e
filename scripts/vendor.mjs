// Copy the browser runtime from node_modules into vendor/, which the build serves.
// Only what the page loads is copied: no source maps, no Node builds. The steps view's
// code editor (CodeMirror, several small npm packages) is bundled into one module.
import { createHash } from "node:crypto";
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

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

// Pyodide's lock file lists the packages of its CDN, for loadPackage; the page loads
// none, and none are shipped. Only its header is kept, which Pyodide checks against
// itself at start: 119 KB less for a first visit.
const lockPath = join(vendor, "pyodide", "pyodide-lock.json");
const { info } = JSON.parse(readFileSync(lockPath, "utf8"));
writeFileSync(lockPath, JSON.stringify({ info, packages: {} }));

// CodeMirror's packages import one another by name: esbuild makes them, and
// scripts/editor.mjs, one minified ES module the page imports as is. Their licenses
// (MIT) want their notices with every copy: they close the file.
const editor = join(vendor, "codemirror", "editor.js");
const { metafile } = await build({
  entryPoints: [join(root, "scripts", "editor.mjs")],
  outfile: editor,
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
});
const bundled = new Set(
  Object.keys(metafile.inputs).flatMap((path) => path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? []),
);
for (const name of [...bundled].sort()) {
  const license = readdirSync(join(modules, name)).find((file) => /^licen[cs]e/i.test(file));
  if (!license) throw new Error(`${name} has no license file to ship with vendor/codemirror/editor.js`);
  const { version } = JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8"));
  const text = readFileSync(join(modules, name, license), "utf8").replaceAll("*/", "* /");
  appendFileSync(editor, `\n/*! ${name} ${version}\n\n${text.trim()}\n*/\n`);
}
console.log(`vendor/codemirror: editor.js bundled from ${bundled.size} packages`);

// Pyodide ships its standard library as Python sources, so every page load would
// compile the ~200 modules Python imports at start-up before running a line: seconds
// on a slow machine. Compile them once here, with Pyodide itself (bytecode must match
// its exact Python), into unchecked-hash .pyc files. Cached by the sources' hash.
//
// Compiled without docstrings or asserts (optimize=2, as `python -OO`): Python's
// snapshot holds every module it has imported, and their docstrings were a tenth of
// its download. help() on a pure-Python module of the standard library then has no
// text to show; the page's own modules keep theirs.
const OPTIMIZE = 2;
await precompileStdlib(join(vendor, "pyodide", "python_stdlib.zip"));

async function precompileStdlib(zipPath) {
  const sources = readFileSync(zipPath);
  const key = createHash("sha256").update(sources).update(`optimize=${OPTIMIZE}`).digest("hex").slice(0, 16);
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
            code = compile(data, info.filename, "exec", dont_inherit=True, optimize=${OPTIMIZE})
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
