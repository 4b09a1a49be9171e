"""train.lzw reads what the real ``compress`` (ncompress) writes, at every code width."""

from __future__ import annotations

import functools
import random
import re
import shutil
import subprocess

import pytest

from tests import datasets as data
from train import lzw


def compress(content: bytes, bits: int = 16) -> bytes:
    """``content`` as ``compress -b bits`` writes it."""
    if shutil.which("compress") is None:
        pytest.skip("needs ncompress's compress: apt-get install ncompress (make test does)")
    result = subprocess.run(["compress", "-c", f"-b{bits}"], input=content, capture_output=True)
    assert result.returncode in (0, 2), result.stderr  # 2: the output is no smaller
    return result.stdout


def ncompress_version() -> tuple[int, ...]:
    result = subprocess.run(["compress", "-V"], capture_output=True, text=True)
    found = re.search(r"compress (\d+(?:\.\d+)*)", result.stdout + result.stderr)
    return tuple(int(part) for part in found.group(1).split(".")) if found else (0,)


def words(seed: int, letters: bytes, size: int) -> bytes:
    """Text from a small vocabulary: it compresses well, so the dictionary fills."""
    rng = random.Random(seed)
    vocabulary = [bytes(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(2000)]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(vocabulary) + b" "
    return bytes(out[:size])


@functools.lru_cache(maxsize=1)
def inputs() -> dict[str, bytes]:
    return {
        "empty": b"",
        "one byte": b"7",
        "random bytes": random.Random(1).randbytes(200_000),
        # Two vocabularies one after the other: at 16 bits the dictionary fills on the
        # first, the ratio drops on the second, and compress sends CLEAR (once, here).
        "text": words(1, b"abcdefghij", 600_000) + words(2, b"klmnopqrst", 600_000),
    }


# ncompress before 5.0 writes broken 9-bit streams once the dictionary is full (its own
# uncompress cannot read them back); test_nine_bit_codes_with_a_full_dictionary covers
# that case with an input those versions write correctly.
FILLS_THE_TABLE = {"random bytes", "text", "pen digits"}


@pytest.mark.parametrize("bits", range(9, 17))
@pytest.mark.parametrize("name", ["empty", "one byte", "random bytes", "text"])
def test_round_trip(name, bits):
    content = inputs()[name]
    packed = compress(content, bits)
    if bits == 9 and name in FILLS_THE_TABLE and ncompress_version() < (5,):
        pytest.skip("ncompress < 5.0 writes broken 9-bit streams once the dictionary is full")
    assert lzw.decompress(packed) == content


@pytest.mark.parametrize("bits", [9, 12, 16])
def test_round_trip_of_the_pen_digits(bits):
    content = data.pendigits().read_bytes()
    packed = compress(content, bits)
    if bits == 9 and ncompress_version() < (5,):
        pytest.skip("ncompress < 5.0 writes broken 9-bit streams once the dictionary is full")
    assert lzw.decompress(packed) == content


def test_nine_bit_codes_with_a_full_dictionary():
    # 255 pairs fill the 9-bit dictionary on the first pass; later passes use them. The
    # codes must stay 9 bits wide: a decoder that widens them here (as gzip does) fails.
    content = bytes(range(256)) * 3
    assert lzw.decompress(compress(content, 9)) == content


def test_a_truncated_stream_gives_a_prefix():
    # The format has no length or checksum: a cut-off file reads as a shorter one,
    # which is why downloads are checked against a known hash.
    content = inputs()["text"]
    packed = compress(content)
    assert content.startswith(lzw.decompress(packed[: len(packed) // 2]))


@pytest.mark.parametrize(
    "packed, message",
    [
        (b"PK\x03\x04", "does not start with 1f 9d"),
        (b"\x1f\x9d", "no flags byte"),
        (b"\x1f\x9d\x91", "17-bit codes"),
        (b"\x1f\x9d\x88", "8-bit codes"),
        (b"\x1f\x9d\x90" + (300).to_bytes(2, "little"), "code 300 is undefined"),
        (b"\x1f\x9d\x90" + (65 | 258 << 9).to_bytes(3, "little"), "code 258 is undefined"),
    ],
)
def test_malformed_streams_are_named(packed, message):
    with pytest.raises(lzw.LZWError, match=message):
        lzw.decompress(packed)
