"""digitpad: read handwritten digits and numbers.

``from digitpad import predict`` reads an image file, a Pillow image or a numpy array;
``predict_strokes`` reads pen strokes; ``load_examples`` reads a zip of labelled
drawings (``digitpad.examples``); ``Pad()`` is the pad as a notebook widget. They are
imported on first use, so the page, which loads this package with the standard library
only, never imports numpy or anywidget.
"""

import importlib

__version__ = "0.2.0"

# Each public name and the module that defines it, imported when first asked for.
_LAZY = {
    "predict": "api",
    "predict_strokes": "api",
    "load_examples": "api",
    "Prediction": "api",
    "DigitPrediction": "api",
    "Pad": "widget",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"digitpad.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'digitpad' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
