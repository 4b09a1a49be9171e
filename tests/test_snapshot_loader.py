"""The compiled code Python's snapshot keeps for files the page writes at start-up
(scripts/_digitpad_snapshot.py) serves exactly those files, and nothing else."""

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


@pytest.fixture
def snapshot(monkeypatch):
    """A fresh copy of the module, installed for the test only."""
    spec = importlib.util.spec_from_file_location("_digitpad_snapshot", SCRIPTS / "_digitpad_snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, "path_hooks", list(sys.path_hooks))
    monkeypatch.setattr(sys, "path_importer_cache", {})
    module.install()
    return module


def write_package(root: Path, files: dict[str, str]) -> dict[str, str]:
    """Write files under root; return them keyed by absolute path, as precompile takes them."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return {str(root / name): text for name, text in files.items()}


def test_the_compiled_code_serves_the_files_it_was_compiled_from(snapshot, tmp_path, monkeypatch):
    files = write_package(tmp_path, {
        "pkgsnap/__init__.py": "from pkgsnap.inner import VALUE\n",
        "pkgsnap/inner.py": "VALUE = 42\n",
    })
    snapshot.precompile(files)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert importlib.import_module("pkgsnap").VALUE == 42
        assert sorted(snapshot.served) == sorted(files)
    finally:
        for name in ("pkgsnap", "pkgsnap.inner"):
            sys.modules.pop(name, None)


def test_a_file_that_differs_from_the_compiled_one_is_compiled_itself(snapshot, tmp_path, monkeypatch):
    compiled = {str(tmp_path / "modsnap.py"): "VALUE = 'from the snapshot'\n"}
    snapshot.precompile(compiled)
    (tmp_path / "modsnap.py").write_text("VALUE = 'from the file'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert importlib.import_module("modsnap").VALUE == "from the file"
        assert snapshot.served == []
    finally:
        sys.modules.pop("modsnap", None)


def test_it_records_the_sources_it_was_made_from(snapshot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_bytes(b"x = 1\n")
    snapshot.record(["a.py"])
    assert snapshot.SOURCES == {"a.py": snapshot.fingerprint(b"x = 1\n")}
    assert snapshot.fingerprint(b"x = 1\n") != snapshot.fingerprint(b"x = 2\n")
