"""The Python the browser runs: every module it imports is shipped, and is stdlib only.

Pyodide here has no packages, so a browser module that imports numpy (or a digitpad
module missing from pyscript.toml) only fails in the browser, at start-up. This
catches it under CPython. Only the modules that bind the page (DOM_MODULES) may use
what the page's runtime gives.
"""

import ast
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Given by the page's runtime: Pyodide, PyScript, and the record of the sources in
# Python's snapshot (scripts/snapshot.mjs), whose absence main.py handles.
BROWSER_ONLY = {"js", "pyodide", "pyscript", "_digitpad_snapshot"}
# The modules that bind the page: the only ones that may use the browser runtime.
DOM_MODULES = {f"digitpad/{name}.py" for name in ("page", "bridge", "display", "panel", "layers_panel", "lab_panel", "personal_panel", "host", "warmup")}


def shipped() -> set[str]:
    """What the build ships and the snapshot imports: scripts/build.py's own list."""
    spec = importlib.util.spec_from_file_location("digitpad_build", ROOT / "scripts" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return set(build.browser_modules())


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
    return found


def module_file(name: str) -> str:
    parts = name.split(".")
    package = "/".join(parts) + "/__init__.py"
    return package if (ROOT / package).is_file() else "/".join(parts) + ".py"


def test_the_browser_gets_every_digitpad_module_it_imports():
    files = shipped()
    todo, seen = ["main.py"], set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imports(ROOT / path):
            top = name.split(".")[0]
            if top == "digitpad":
                needed = module_file(name)
                assert needed in files, f"{path} imports {name}: add {needed} to pyscript.toml"
                todo.append(needed)
                if "." in name:
                    todo.append("digitpad/__init__.py")
            else:
                assert top in sys.stdlib_module_names or top in BROWSER_ONLY, (
                    f"{path} imports {name}, which the browser does not have"
                )


def test_shipped_modules_exist_and_need_nothing_outside_the_stdlib():
    for path in shipped():
        assert (ROOT / path).is_file(), path
        runtime = BROWSER_ONLY if path in DOM_MODULES else set()
        for name in imports(ROOT / path):
            top = name.split(".")[0]
            assert top == "digitpad" or top in sys.stdlib_module_names or top in runtime, f"{path} imports {name}"
