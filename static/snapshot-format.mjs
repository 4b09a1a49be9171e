// The file of Python's snapshot (vendor/pyodide/snapshot.bin): written at build time
// by scripts/snapshot.mjs, read in the page by static/snapshot-worker.js.
//
// Pyodide's snapshot is the whole memory of an interpreter that has started (31 MB).
// Most of it is zeros, and most of the rest of its first 4 MB is the static data that
// pyodide.asm.wasm itself carries and puts in memory when it starts: the page has both
// files, so the snapshot need only hold how its memory differs from those data. The
// file keeps the memory XOR the wasm's data, left out wherever that is zero for at
// least ZEROS bytes in a row:
//
//     "DPS2", the memory's length, where the wasm's memory begins in it, how many
//     pieces, then each piece's offset, length and bytes
//
// with all numbers uint32, little-endian. Leaving out the wasm's data made the file a
// quarter smaller gzipped.

const MAGIC = "DPS2";
const ZEROS = 64; // runs of at least this many zero bytes are left out

/**
 * The file for a snapshot's memory, made by Pyodide from the wasm module `wasm`
 * (its bytes); `start` is where the wasm's own memory begins in the snapshot.
 */
export function encode(memory, wasm, start) {
  const delta = Uint8Array.from(memory);
  const data = new Uint8Array(memory.length); // the wasm's data where Pyodide put them
  let dataEnd = 0;
  for (const { offset, bytes } of dataSegments(wasm)) {
    data.set(bytes, start + offset);
    dataEnd = Math.max(dataEnd, start + offset + bytes.length);
  }
  for (let i = 0; i < dataEnd; i++) delta[i] ^= data[i];
  const pieces = nonZeroPieces(delta);
  const size = 16 + pieces.reduce((n, [a, b]) => n + 8 + (b - a), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, memory.length, true);
  view.setUint32(8, start, true);
  view.setUint32(12, pieces.length, true);
  let at = 16;
  for (const [a, b] of pieces) {
    view.setUint32(at, a, true);
    view.setUint32(at + 4, b - a, true);
    out.set(delta.subarray(a, b), at + 8);
    at += 8 + (b - a);
  }
  return out;
}

/** The snapshot's memory from its file and the wasm module's bytes; throws when the
 * file is not one, or is cut short. */
export function decode(file, wasm) {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 16 || String.fromCharCode(...file.subarray(0, 4)) !== MAGIC) {
    throw new Error("not a digitpad snapshot");
  }
  const memory = new Uint8Array(view.getUint32(4, true));
  const start = view.getUint32(8, true);
  let dataEnd = 0; // where the wasm's data end in the memory: past it, pieces are the memory
  for (const { offset, bytes } of dataSegments(wasm)) {
    if (start + offset + bytes.length > memory.length) throw new Error("the snapshot is not of this Pyodide");
    memory.set(bytes, start + offset);
    dataEnd = Math.max(dataEnd, start + offset + bytes.length);
  }
  let at = 16;
  for (let pieces = view.getUint32(12, true); pieces > 0; pieces--) {
    const offset = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    if (at + 8 + length > file.length || offset + length > memory.length) throw new Error("the snapshot is cut short");
    const piece = file.subarray(at + 8, at + 8 + length);
    if (offset >= dataEnd) {
      memory.set(piece, offset);
    } else {
      for (let i = 0; i < length; i++) memory[offset + i] ^= piece[i];
    }
    at += 8 + length;
  }
  return memory;
}

/** [start, end) of each stretch of memory between runs of at least ZEROS zeros. */
function nonZeroPieces(memory) {
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
  return pieces;
}

/**
 * The active data segments of a wasm module's first memory, as {offset, bytes}: what
 * instantiating it writes into memory. Throws on a module this cannot read.
 */
export function dataSegments(wasm) {
  const bytes = wasm instanceof Uint8Array ? wasm : new Uint8Array(wasm);
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) throw new Error("not a wasm module");
  let at = 8;
  const uleb = () => {
    let value = 0;
    let scale = 1;
    let byte;
    do {
      if (at >= bytes.length) throw new Error("the wasm module is cut short");
      byte = bytes[at++];
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80);
    return value;
  };
  const constOffset = () => {
    if (bytes[at++] !== 0x41) throw new Error("a wasm data segment has an offset this cannot read");
    const offset = uleb(); // i32.const: a signed LEB, but offsets here are small and positive
    if (bytes[at++] !== 0x0b) throw new Error("a wasm data segment has an offset this cannot read");
    return offset;
  };
  const segments = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = uleb();
    const end = at + size;
    if (end > bytes.length) throw new Error("the wasm module is cut short");
    if (id === 11) {
      for (let count = uleb(); count > 0; count--) {
        const kind = uleb();
        let offset = null; // a passive segment (kind 1) is not in memory at the start
        if (kind === 0) {
          offset = constOffset();
        } else if (kind === 2) {
          if (uleb() !== 0) throw new Error("a wasm data segment is for another memory");
          offset = constOffset();
        } else if (kind !== 1) {
          throw new Error(`a wasm data segment of an unknown kind (${kind})`);
        }
        const length = uleb();
        if (at + length > end) throw new Error("the wasm module is cut short");
        if (offset !== null) segments.push({ offset, bytes: bytes.subarray(at, at + length) });
        at += length;
      }
      return segments;
    }
    at = end;
  }
  return segments;
}
