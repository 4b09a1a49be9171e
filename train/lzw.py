"""Unpack Unix ``compress`` (.Z) files, which the Python standard library cannot read.

UCI ships the original pen-digit trajectories as ``.Z`` files. The format: the magic
bytes 1f 9d, a flags byte (low five bits: the largest code width; 0x80: "block mode",
where code 256 clears the dictionary), then LZW codes packed least significant bit
first, starting 9 bits wide and growing by one bit each time the dictionary fills the
current width.

``compress`` reads and writes codes in groups of eight, so one group of ``n`` bit codes
is exactly ``n`` bytes. When the width changes or the dictionary is cleared, the rest
of the current group is padding: the next code starts at the next group boundary.
Decoding group by group gets that right without any bit arithmetic on positions.
"""

from __future__ import annotations

MAGIC = b"\x1f\x9d"
BLOCK_MODE = 0x80
BITS_MASK = 0x1F
INIT_BITS = 9
MAX_BITS = 16
CLEAR = 256


class LZWError(ValueError):
    """The data is not a well-formed ``compress`` stream."""


def decompress(data: bytes) -> bytes:
    """The bytes a ``.Z`` file holds."""
    max_bits, block_mode = _header(data)
    # The dictionary never holds more codes than the widest code can name.
    limit = 1 << max_bits
    table = _fresh_table(block_mode)
    n_bits = INIT_BITS
    previous = b""  # empty: the next code starts a new run and adds no entry
    out = []
    pos = 3
    while pos < len(data):
        group = data[pos : pos + n_bits]
        pos += n_bits
        codes = _codes(group, n_bits)
        for code in codes:
            if block_mode and code == CLEAR:
                table = _fresh_table(block_mode)
                n_bits, previous = INIT_BITS, b""
                break  # the rest of this group is padding
            entry = _entry(table, code, previous, pos)
            out.append(entry)
            if previous and len(table) < limit:
                table.append(previous + entry[:1])
            previous = entry
            if len(table) > _max_code(n_bits, max_bits):
                n_bits += 1
                break  # the rest of this group is padding
    return b"".join(out)


def _header(data: bytes) -> tuple[int, bool]:
    if data[:2] != MAGIC:
        raise LZWError("not a compress (.Z) stream: it does not start with 1f 9d")
    if len(data) < 3:
        raise LZWError("truncated compress (.Z) stream: no flags byte")
    flags = data[2]
    max_bits = flags & BITS_MASK
    if not INIT_BITS <= max_bits <= MAX_BITS:
        raise LZWError(f"compress (.Z) stream with {max_bits}-bit codes; only 9 to 16 exist")
    return max_bits, bool(flags & BLOCK_MODE)


def _fresh_table(block_mode: bool) -> list[bytes]:
    table = [bytes([i]) for i in range(256)]
    if block_mode:
        table.append(b"")  # CLEAR takes code 256; it never stands for bytes
    return table


def _codes(group: bytes, n_bits: int) -> list[int]:
    """The whole codes in a group; a short last group holds fewer than eight."""
    value = int.from_bytes(group, "little")
    mask = (1 << n_bits) - 1
    return [(value >> (i * n_bits)) & mask for i in range(len(group) * 8 // n_bits)]


def _entry(table: list[bytes], code: int, previous: bytes, pos: int) -> bytes:
    if code < len(table):
        return table[code]
    # The one code not yet in the table that an encoder can send: the entry it is
    # about to define, which is the previous string plus its own first byte.
    if code == len(table) and previous:
        return previous + previous[:1]
    raise LZWError(f"corrupt compress (.Z) stream: code {code} is undefined (near byte {pos})")


def _max_code(n_bits: int, max_bits: int) -> int:
    """The largest dictionary size, minus one, that ``n_bits`` codes are read for.

    ``compress`` widens the codes once the dictionary outgrows the current width, but
    never past ``max_bits``; at that width the dictionary simply stops growing.
    """
    return (1 << max_bits) if n_bits >= max_bits else (1 << n_bits) - 1
