"""Where the files the package reads live: the model, and the page's JavaScript that
the notebook widget shares.

In a checkout they are the repository's ``model/`` and ``static/``, which the page is
built from. An installed package carries the same files as ``digitpad/model/`` and
``digitpad/web/`` (pyproject.toml maps them there), so either way there is one copy.
"""

from __future__ import annotations

import json
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _first_dir(installed: str, checkout: str) -> Path:
    packaged = _PACKAGE / installed
    return packaged if packaged.is_dir() else _PACKAGE.parent / checkout


MODEL_DIR = _first_dir("model", "model")
WEB_DIR = _first_dir("web", "static")
PAD_JS = WEB_DIR / "pad.js"
WIDGET_JS = _PACKAGE / "widget.js"
WIDGET_CSS = _PACKAGE / "widget.css"

_CONSTANTS_IMPORT = 'import { BRUSH_WIDTH, RASTER_HEIGHT } from "./constants.js";'


def shared_constants() -> list[tuple[str, str, float]]:
    """The numbers the JavaScript and the Python must agree on: (source, name, value),
    taken from the Python modules that define them."""
    from digitpad import decide, pad, preprocess

    return [
        ("digitpad/pad.py", "RASTER_HEIGHT", pad.RASTER_HEIGHT),
        ("digitpad/pad.py", "BRUSH_WIDTH", pad.BRUSH_WIDTH),
        ("digitpad/preprocess.py", "SIZE", preprocess.SIZE),  # the network sees SIZE x SIZE pixels
        ("digitpad/decide.py", "CLASSES", decide.CLASSES),
    ]


def _declarations(export: bool) -> list[str]:
    keyword = "export const" if export else "const"
    lines = []
    for source, name, value in shared_constants():
        number = int(value) if value == int(value) else value
        lines.append(f"{keyword} {name} = {json.dumps(number)}; // {source}")
    return lines


def constants_module() -> str:
    """static/constants.js, as the build writes it beside pad.js."""
    sources = sorted({source for source, _, _ in shared_constants()})
    header = f"// Written by scripts/build.py from {', '.join(sources)}: change the numbers there."
    return "\n".join([header, *_declarations(export=True)]) + "\n"


def pad_module() -> str:
    """pad.js as one self-contained module: its constants written in, not imported,
    for hosts that load a single file (the notebook widget)."""
    lines = PAD_JS.read_text(encoding="utf-8").splitlines()
    at = [i for i, line in enumerate(lines) if line.startswith(_CONSTANTS_IMPORT)]
    if len(at) != 1:
        raise RuntimeError(f"{PAD_JS} must import its constants once, as `{_CONSTANTS_IMPORT}`")
    lines[at[0]:at[0] + 1] = _declarations(export=False)
    return "\n".join(lines) + "\n"
