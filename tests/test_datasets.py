"""train.datasets: where the pen digits come from, and the download from UCI.

Downloads go to a loopback HTTP server that serves zips built here from the real file,
laid out as UCI's archive is; nothing leaves 127.0.0.1. The place ../shared would be is
pointed at an empty folder, and the cache at a temporary one.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import socket
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import datasets as data
from tests.test_lzw import compress
from train import datasets, evaluate
from train.idx import DataError


@pytest.fixture(scope="module")
def pen_bytes() -> bytes:
    content = data.pendigits().read_bytes()
    assert hashlib.sha256(content).hexdigest() == datasets.PENDIGITS_SHA256
    return content


@pytest.fixture
def cache(monkeypatch, tmp_path) -> Path:
    """No ../shared, no $PENDIGITS, no proxy, and an empty cache folder (returned)."""
    monkeypatch.setattr(datasets, "SHARED", tmp_path / "no-shared")
    for name in list(os.environ):
        if name.upper() in {"PENDIGITS", "MNIST_DIR"} or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DIGITPAD_DATA", str(tmp_path / "cache"))
    return tmp_path / "cache"


@contextmanager
def serving(files: dict[str, bytes]):
    """An HTTP server on 127.0.0.1 with these paths; yields (base URL, paths asked for)."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        server.server_close()


def zipped(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def uci_archive(pen_bytes: bytes) -> bytes:
    """Laid out as UCI's: the original files as .Z, the 16-feature version beside them.
    The test file is a stand-in that must never be read."""
    return zipped({
        "pendigits-orig.names": b"Pen-Based Recognition of Handwritten Digits\n",
        "pendigits-orig.tes.Z": b"never read",
        "pendigits-orig.tra.Z": compress(pen_bytes, 16),
        "pendigits.names": b"",
        "pendigits.tes": b"47,100,27,81,57,37,26,0,0,23,56,53,100,90,40,98,8\n",
        "pendigits.tra": b"47,100,27,81,57,37,26,0,0,23,56,53,100,90,40,98,8\n",
    })


def download(monkeypatch, url: str) -> Path:
    monkeypatch.setenv("DIGITPAD_PENDIGITS_URL", url)
    return datasets.pendigits_file()


def leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_downloads_unpacks_checks_and_caches_uci_archive(monkeypatch, cache, pen_bytes):
    with serving({"/81.zip": uci_archive(pen_bytes)}) as (base, asked):
        path = download(monkeypatch, base + "/81.zip")
        assert path == cache / "pendigits-orig.tra"
        assert path.read_bytes() == pen_bytes
        assert leftovers(cache) == ["pendigits-orig.tra"]
        assert datasets.pendigits_file() == path
        assert asked == ["/81.zip"]  # the second call read the cache


def test_finds_a_plain_file_in_a_zip_inside_the_zip(monkeypatch, cache, pen_bytes):
    inner = zipped({"uci/data/pendigits-orig.tra": pen_bytes})
    outer = zipped({"README": b"", "bundle/pendigits.zip": inner}, zipfile.ZIP_STORED)
    with serving({"/a.zip": outer}) as (base, _):
        assert download(monkeypatch, base + "/a.zip").read_bytes() == pen_bytes


def test_a_damaged_cached_copy_is_downloaded_again(monkeypatch, cache, pen_bytes):
    cache.mkdir()
    (cache / "pendigits-orig.tra").write_bytes(pen_bytes[:1000])
    with serving({"/81.zip": uci_archive(pen_bytes)}) as (base, asked):
        assert download(monkeypatch, base + "/81.zip").read_bytes() == pen_bytes
        assert asked == ["/81.zip"]


def test_a_wrong_file_is_refused_and_not_cached(monkeypatch, cache, pen_bytes):
    altered = pen_bytes.replace(b".COMMENT 8 12", b".COMMENT 3 12", 1)
    with serving({"/81.zip": zipped({"pendigits-orig.tra": altered})}) as (base, _):
        with pytest.raises(DataError) as err:
            download(monkeypatch, base + "/81.zip")
    message = str(err.value)
    assert "sha256" in message and datasets.PENDIGITS_SHA256 in message
    assert "pass --pendigits FILE or set PENDIGITS=FILE" in message
    assert leftovers(cache) == []


def test_a_damaged_zip_is_refused_and_not_cached(monkeypatch, cache, pen_bytes):
    archive = bytearray(zipped({"pendigits-orig.tra": pen_bytes}, zipfile.ZIP_STORED))
    archive[len(archive) // 2] ^= 0xFF  # inside the stored file: its CRC no longer matches
    with serving({"/81.zip": bytes(archive)}) as (base, _):
        with pytest.raises(DataError, match="damaged or not a zip file.*CRC"):
            download(monkeypatch, base + "/81.zip")
    assert leftovers(cache) == []


def test_an_archive_without_the_file_lists_what_it_holds(monkeypatch, cache):
    with serving({"/81.zip": zipped({"pendigits.tra": b"1,2\n"})}) as (base, _):
        with pytest.raises(DataError, match=r"no pendigits-orig.tra .* \(it holds pendigits.tra\)"):
            download(monkeypatch, base + "/81.zip")
    assert leftovers(cache) == []


def test_a_missing_page_says_so(monkeypatch, cache):
    with serving({}) as (base, _):
        with pytest.raises(DataError, match="404"):
            download(monkeypatch, base + "/81.zip")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_source_gives_the_skip_reason(monkeypatch, cache):
    monkeypatch.setenv("DIGITPAD_PENDIGITS_URL", f"http://127.0.0.1:{closed_port()}/81.zip")
    # The uncached function: the cached one holds this run's real answer.
    path, reason = data.pendigits_or_reason.__wrapped__()
    assert path is None
    for words in (f"not in {datasets.SHARED / 'pendigits'}", f"not cached in {cache}",
                  "the download from UCI failed", "127.0.0.1", "set PENDIGITS=FILE"):
        assert words in reason
    assert leftovers(cache) == []


def test_training_commands_say_the_same_in_one_line(monkeypatch, cache, capsys, tmp_path):
    monkeypatch.setenv("DIGITPAD_PENDIGITS_URL", f"http://127.0.0.1:{closed_port()}/81.zip")
    assert evaluate.main(["--model", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("python -m train.evaluate: error: pen digits: not in ")
    assert "pass --pendigits FILE or set PENDIGITS=FILE" in err


def test_a_given_file_comes_first(monkeypatch, cache, tmp_path):
    given = tmp_path / "mine.tra"
    given.touch()
    monkeypatch.setenv("PENDIGITS", str(tmp_path / "env.tra"))
    assert datasets.pendigits_file(given) == given


def test_pendigits_variable_comes_next_and_must_exist(monkeypatch, cache, tmp_path):
    chosen = tmp_path / "env.tra"
    monkeypatch.setenv("PENDIGITS", str(chosen))
    with pytest.raises(DataError, match="PENDIGITS=.*env.tra: no such file"):
        datasets.pendigits_file()
    chosen.touch()
    assert datasets.pendigits_file() == chosen


def test_shared_folder_comes_before_the_cache(monkeypatch, cache, tmp_path, pen_bytes):
    shared = tmp_path / "shared" / "data"
    (shared / "pendigits").mkdir(parents=True)
    (shared / "pendigits" / "pendigits-orig.tra").write_bytes(b"")
    cache.mkdir()
    (cache / "pendigits-orig.tra").write_bytes(pen_bytes)
    assert datasets.pendigits_file() == cache / "pendigits-orig.tra"
    monkeypatch.setattr(datasets, "SHARED", shared)
    assert datasets.pendigits_file() == shared / "pendigits" / "pendigits-orig.tra"


def test_mnist_folder(monkeypatch, cache, tmp_path):
    assert datasets.mnist_dir() is None  # Keras downloads and caches it
    shared = tmp_path / "shared" / "data"
    (shared / "mnist").mkdir(parents=True)
    monkeypatch.setattr(datasets, "SHARED", shared)
    assert datasets.mnist_dir() == shared / "mnist"
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "elsewhere"))
    assert datasets.mnist_dir() == tmp_path / "elsewhere"
