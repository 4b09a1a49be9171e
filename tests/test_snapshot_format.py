"""The snapshot's file (static/snapshot-format.mjs) under Node: the wasm data it leaves
out are the ones WebAssembly puts in memory, a memory comes back byte for byte, and a
bad file or module is refused with a reason."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "js" / "snapshot_format.mjs"
PYODIDE = ROOT / "vendor" / "pyodide"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")


def run(*args: Path) -> dict:
    done = subprocess.run(["node", str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_data_left_out_are_what_webassembly_puts_in_memory():
    checks = run()
    assert checks["segments"] == 3  # the passive segment is not in memory at the start
    assert checks["placedAsWasm"]


def test_a_memory_comes_back_byte_for_byte_without_the_wasm_data():
    checks = run()
    assert checks["roundTrip"]
    assert checks["fileBytes"] < checks["withoutData"]


def test_a_bad_file_or_module_is_refused_with_a_reason():
    assert run()["errors"] == {
        "cutShort": "the snapshot is cut short",
        "notOne": "not a digitpad snapshot",
        "notWasm": "not a wasm module",
    }


@pytest.mark.skipif(not (PYODIDE / "snapshot.bin").exists(), reason="needs `make build`")
def test_the_built_snapshot_is_pyodides_memory_with_its_data():
    checks = run(PYODIDE / "pyodide.asm.wasm", PYODIDE / "snapshot.bin")
    assert checks["pyodideSegments"] > 1000
    assert 1 << 20 < checks["pyodideDataEnd"] < 8 << 20
    assert checks["snapshotMemory"] % (64 << 10) == 0  # whole wasm pages
