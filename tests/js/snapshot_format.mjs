// Checks static/snapshot-format.mjs under Node; tests/test_snapshot_format.py runs it
// and reads the JSON it prints.
//
//     node tests/js/snapshot_format.mjs [PYODIDE_WASM SNAPSHOT]
import { readFileSync } from "node:fs";
import { dataSegments, decode, encode } from "../../static/snapshot-format.mjs";

const checks = {};

// A small module whose data segments are of every kind: what WebAssembly itself puts
// in memory must be what dataSegments says.
const uleb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const section = (id, body) => [id, ...uleb(body.length), ...body];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const bytes = (n, seed) => Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff || 1);
const segments = [
  [0x00, 0x41, ...uleb(1024), 0x0b, ...vec(bytes(300, 7))], // active, memory 0
  [0x01, ...vec(bytes(50, 9))], // passive: not in memory at the start
  [0x02, 0x00, 0x41, ...uleb(70000), 0x0b, ...vec(bytes(200, 3))], // active, memory index given
  [0x00, 0x41, ...uleb(1100), 0x0b, ...vec(bytes(10, 5))], // overlaps the first; later wins
];
const module = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(5, vec([[0x00, 0x02]])), // one memory of two pages
  ...section(7, vec([[...vec([..."memory"].map((c) => c.charCodeAt(0))), 0x02, 0x00]])),
  ...section(12, uleb(segments.length)),
  ...section(11, vec(segments)),
]);
const { instance } = await WebAssembly.instantiate(module);
const real = new Uint8Array(instance.exports.memory.buffer);
const placed = new Uint8Array(real.length);
for (const { offset, bytes: data } of dataSegments(module)) placed.set(data, offset);
checks.segments = dataSegments(module).length;
checks.placedAsWasm = placed.every((b, i) => b === real[i]);

// Round trip: a memory that is mostly the wasm's data, shifted, with changes inside and
// past it, and long zeros, comes back byte for byte.
const start = 128;
const memory = new Uint8Array(1 << 18);
memory.set(new TextEncoder().encode("header"), 0);
for (const { offset, bytes: data } of dataSegments(module)) memory.set(data, start + offset);
memory[start + 1030] ^= 0x55; // inside the data
memory.fill(0, start + 1200, start + 1300); // data overwritten with zeros
memory.set(bytes(5000, 11), 100000); // past the data
memory[memory.length - 1] = 9;
const file = encode(memory, module, start);
const back = decode(file, module);
checks.roundTrip = back.length === memory.length && back.every((b, i) => b === memory[i]);
checks.fileBytes = file.length;

// The same memory against the wasm's data, and against nothing: the data are left out.
const asIs = encode(memory, new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]), start);
checks.withoutData = asIs.length;

const errors = {};
for (const [name, bad] of Object.entries({
  cutShort: file.subarray(0, file.length - 10),
  notOne: new Uint8Array(64),
})) {
  try {
    decode(bad, module);
    errors[name] = null;
  } catch (error) {
    errors[name] = error.message;
  }
}
try {
  dataSegments(new Uint8Array(16));
  errors.notWasm = null;
} catch (error) {
  errors.notWasm = error.message;
}
checks.errors = errors;

// Pyodide's own module: its data segments are found, and lie in its first 4 MB.
if (process.argv[2]) {
  const pyodide = dataSegments(readFileSync(process.argv[2]));
  checks.pyodideSegments = pyodide.length;
  checks.pyodideDataEnd = Math.max(...pyodide.map(({ offset, bytes: data }) => offset + data.length));
  const snapshot = decode(readFileSync(process.argv[3]), readFileSync(process.argv[2]));
  const header = new DataView(snapshot.buffer).getUint32(4, true); // Pyodide's header length
  checks.snapshotMemory = snapshot.length - header; // what Pyodide copies into its memory
}
console.log(JSON.stringify(checks));
