"""Where training and the tests find their data, downloading it where it is missing.

Pen digits, the first of these that has the file:

1. the path given (``--pendigits FILE``), then ``$PENDIGITS``;
2. ``../shared/data/pendigits/pendigits-orig.tra`` beside the repository;
3. a copy cached in ``$DIGITPAD_DATA`` or ``~/.cache/digitpad``;
4. a download from the UCI Machine Learning Repository (data set 81, "Pen-Based
   Recognition of Handwritten Digits", CC BY 4.0), checked against a known sha256
   before it is cached.

MNIST comes from ``--data DIR`` or ``$MNIST_DIR``, else ``../shared/data/mnist``, else
Keras downloads and caches it (``train.mnist``), checking its own hash.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import io
import os
import tempfile
import urllib.request
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import numpy as np

from digitpad.preprocess import SIZE
from train import lzw
from train.idx import DataError

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

PENDIGITS_NAME = "pendigits-orig.tra"
PENDIGITS_SHA256 = "a66225d68d7d68591e62944df1ad33b3f5aa608e2df2505844b41f5568a80da4"
PENDIGITS_SIZE = 3_641_673
PENDIGITS_URL = (
    "https://archive.ics.uci.edu/static/public/81/pen+based+recognition+of+handwritten+digits.zip"
)
DOWNLOAD_TIMEOUT_S = 30
PENDIGITS_SOURCES = (
    "$PENDIGITS, else ../shared/data/pendigits, else downloaded from UCI once "
    "and cached in $DIGITPAD_DATA or ~/.cache/digitpad"
)


def pendigits_file(path: str | os.PathLike | None = None) -> Path:
    """The pen-digits training file, downloaded and cached if nothing local has it."""
    found = local_pendigits(path)
    if found:
        return found
    try:
        return _download_pendigits()
    except _DownloadFailed as err:
        raise DataError(
            f"pen digits: not in {SHARED / 'pendigits'}, not cached in {cache_dir()}, and the "
            f"download from UCI failed: {err}; pass --pendigits FILE or set PENDIGITS=FILE"
        ) from None


def local_pendigits(path: str | os.PathLike | None = None) -> Path | None:
    """The pen-digits file if it is here without a download, else None."""
    if path:
        return Path(path)  # the caller's own file: reading it reports any problem with it
    if os.environ.get("PENDIGITS"):
        given = Path(os.environ["PENDIGITS"])
        if not given.is_file():
            raise DataError(f"PENDIGITS={given}: no such file; unset PENDIGITS to use the default")
        return given
    shared = SHARED / "pendigits" / PENDIGITS_NAME
    if shared.is_file():
        return shared
    cached = cache_dir() / PENDIGITS_NAME
    if cached.is_file() and _sha256(cached.read_bytes()) == PENDIGITS_SHA256:
        return cached
    return None


def mnist_dir() -> Path | None:
    """A folder with MNIST's IDX files, or None: Keras then downloads and caches MNIST."""
    if os.environ.get("MNIST_DIR"):
        return Path(os.environ["MNIST_DIR"])
    shared = SHARED / "mnist"
    return shared if shared.is_dir() else None


def cache_dir() -> Path:
    return Path(os.environ.get("DIGITPAD_DATA") or Path.home() / ".cache" / "digitpad")


def pendigits_url() -> str:
    # Overridable so a test can serve the archive from a loopback server.
    return os.environ.get("DIGITPAD_PENDIGITS_URL") or PENDIGITS_URL


class _DownloadFailed(Exception):
    """Why the download gave no usable file; said inside the one error the caller sees."""


def _download_pendigits() -> Path:
    url = pendigits_url()
    content = _training_file(_fetch(url))
    digest = _sha256(content)
    if len(content) != PENDIGITS_SIZE or digest != PENDIGITS_SHA256:
        raise _DownloadFailed(
            f"{url} gave a {PENDIGITS_NAME} of {len(content):,} bytes with sha256 {digest}, "
            f"not the expected {PENDIGITS_SIZE:,} bytes with sha256 {PENDIGITS_SHA256}"
        )
    return _store(content, cache_dir() / PENDIGITS_NAME)


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            return response.read()
    # URLError, HTTPError and timeouts are OSErrors; a cut-off body is an HTTPException.
    except (OSError, http.client.HTTPException, ValueError) as err:
        raise _DownloadFailed(f"{url}: {err}") from None


def _training_file(archive: bytes) -> bytes:
    """The training file from UCI's zip, unpacked if it is stored as a ``.Z`` file.

    Only the training file is read: the writer-independent test file in the same
    archive is left alone, so nothing here can come to depend on it.
    """
    try:
        content, name = _find_member(zipfile.ZipFile(io.BytesIO(archive)))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as err:
        raise _DownloadFailed(f"the archive is damaged or not a zip file ({err})") from None
    if name.endswith(".Z"):
        try:
            return lzw.decompress(content)
        except lzw.LZWError as err:
            raise _DownloadFailed(f"{name} in the archive: {err}") from None
    return content


def _find_member(archive: zipfile.ZipFile) -> tuple[bytes, str]:
    """(content, name) of the training file, looking into zip files inside the zip too."""
    wanted = {PENDIGITS_NAME, PENDIGITS_NAME + ".Z"}
    for info in archive.infolist():
        if PurePosixPath(info.filename).name in wanted:
            return archive.read(info), info.filename
    for info in archive.infolist():
        if info.filename.lower().endswith(".zip"):
            try:
                return _find_member(zipfile.ZipFile(io.BytesIO(archive.read(info))))
            except (_DownloadFailed, zipfile.BadZipFile):
                continue
    names = ", ".join(archive.namelist()[:12]) or "nothing"
    raise _DownloadFailed(f"no {PENDIGITS_NAME} or {PENDIGITS_NAME}.Z in the archive (it holds {names})")


def _store(content: bytes, target: Path) -> Path:
    """Write through a temporary file, so an interrupted write never leaves a bad cache."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".download-")
    except OSError as err:
        raise _cache_failed(target, err) from None
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(content)
        os.replace(temporary, target)
    except OSError as err:
        Path(temporary).unlink(missing_ok=True)
        raise _cache_failed(target, err) from None
    return target


def _cache_failed(target: Path, err: OSError) -> _DownloadFailed:
    return _DownloadFailed(f"could not cache it in {target.parent} ({err}); set DIGITPAD_DATA=DIR")


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def extra_set(paths: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The labelled drawings of examples zips (``digitpad.examples``), as the page
    prepared them: float32 [n, 28, 28] and their digits. Read once: training checks
    them before TensorFlow loads, then trains on them."""
    return _extra_set(tuple(str(path) for path in paths))


@functools.lru_cache(maxsize=2)
def _extra_set(paths: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    from digitpad.api import load_examples
    from digitpad.examples import ExamplesError

    images, labels = [np.zeros((0, SIZE, SIZE), np.float32)], [np.zeros(0, np.int64)]
    for path in paths:
        try:
            x, y = load_examples(path)
        except ExamplesError as err:
            raise DataError(str(err)) from None
        images.append(x)
        labels.append(y)
    return np.concatenate(images), np.concatenate(labels)
