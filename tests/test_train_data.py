"""MNIST's IDX reader and the training commands' answers to bad input."""

import gzip
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests import datasets
from train.idx import DataError, read_idx

ROOT = Path(__file__).resolve().parents[1]
PROXY_VARIABLES = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}


def idx_images(images: np.ndarray) -> bytes:
    n, rows, cols = images.shape
    return struct.pack(">IIII", 2051, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels) -> bytes:
    return struct.pack(">II", 2049, len(labels)) + bytes(labels)


def write_gz(path: Path, payload: bytes) -> Path:
    path.write_bytes(gzip.compress(payload))
    return path


def test_reads_images_and_labels_gzipped_or_raw(tmp_path):
    images = np.arange(3 * 28 * 28, dtype=np.uint32).reshape(3, 28, 28) % 256
    got = read_idx(write_gz(tmp_path / "i.gz", idx_images(images)))
    assert got.shape == (3, 28, 28) and got.dtype == np.uint8
    assert np.array_equal(got, images)
    raw = tmp_path / "labels-idx1-ubyte"
    raw.write_bytes(idx_labels([7, 0, 9]))
    assert read_idx(raw).tolist() == [7, 0, 9]


@pytest.mark.parametrize(
    "payload, message",
    [
        (idx_images(np.zeros((4, 28, 28)))[:-100], "truncated"),
        (idx_labels([1, 2, 3]) + b"\0", "padded"),
        (struct.pack(">II", 0x1234, 5), "not an IDX file"),
        (b"\0\0\x08", "too short"),
    ],
)
def test_bad_idx_content_is_named(tmp_path, payload, message):
    path = write_gz(tmp_path / "bad.gz", payload)
    with pytest.raises(DataError, match=message) as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_truncated_gzip_stream(tmp_path):
    whole = gzip.compress(idx_labels(list(range(10)) * 50))
    path = tmp_path / "cut.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match="corrupt gzip"):
        read_idx(path)


def test_garbage_after_gzip_magic(tmp_path):
    path = tmp_path / "junk.gz"
    path.write_bytes(b"\x1f\x8b" + bytes(range(200)))
    with pytest.raises(DataError, match="corrupt gzip"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_idx(tmp_path / "nope.gz")


def run_module(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )


def assert_one_line_error(result, *words):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize("module", ["train", "train.evaluate"])
def test_unknown_option(module):
    result = run_module(module, "--no-such-option")
    assert_one_line_error(result, "unrecognized arguments: --no-such-option", "--help")
    assert result.returncode == 2


def pen_file(tmp_path) -> str:
    """A pen-digits file for the commands' own check, which comes first. The errors
    below are found before it is read, so it may as well be empty."""
    path = tmp_path / "pendigits.tra"
    path.touch()
    return str(path)


def test_missing_data_directory(tmp_path):
    result = run_module("train", "--quick", "--data", str(tmp_path / "absent"), "--pendigits", pen_file(tmp_path),
                        "--out", str(tmp_path / "m"))
    assert_one_line_error(result, "MNIST directory not found", "absent")
    assert not (tmp_path / "m").exists()


def test_directory_without_mnist_files(tmp_path):
    result = run_module("train", "--quick", "--data", str(tmp_path), "--pendigits", pen_file(tmp_path),
                        "--out", str(tmp_path / "m"))
    assert_one_line_error(result, "missing train-images-idx3-ubyte.gz")


def test_evaluate_without_a_model(tmp_path):
    result = run_module("train.evaluate", "--model", str(tmp_path), "--pendigits", pen_file(tmp_path))
    assert_one_line_error(result, "no model.json")


@pytest.mark.slow
def test_corrupt_idx_file_stops_training_cleanly(tmp_path):
    mnist = datasets.mnist_idx_dir()
    data = tmp_path / "mnist"
    data.mkdir()
    for f in mnist.glob("*.gz"):
        (data / f.name).symlink_to(f)
    (data / "train-labels-idx1-ubyte.gz").unlink()
    whole = (mnist / "train-labels-idx1-ubyte.gz").read_bytes()
    (data / "train-labels-idx1-ubyte.gz").write_bytes(whole[:-2000])
    result = run_module("train", "--quick", "--data", str(data), "--out", str(tmp_path / "m"))
    assert_one_line_error(result, "train-labels-idx1-ubyte.gz", "corrupt gzip")


@pytest.mark.slow
def test_download_that_cannot_connect_says_what_to_do(tmp_path):
    """Without --data or MNIST_DIR, Keras downloads MNIST into ~/.keras. Here the
    download goes through a proxy that refuses connections, network or not, and an
    empty home holds no cached copy: the answer is one line naming the way out."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in PROXY_VARIABLES | {"MNIST_DIR"}}
    env.update(HOME=str(tmp_path), https_proxy="http://127.0.0.1:9", http_proxy="http://127.0.0.1:9")
    result = run_module("train", "--quick", "--pendigits", pen_file(tmp_path), "--out", str(tmp_path / "m"), env=env)
    # Loading TensorFlow (Keras downloads) prints its own start-up lines to stderr,
    # which no setting silences; ours is the last line, and there is no traceback.
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    for words in ("could not download MNIST", "--data DIR", "MNIST_DIR"):
        assert words in last, result.stderr
    assert not (tmp_path / "m").exists()
