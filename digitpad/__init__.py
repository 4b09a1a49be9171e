"""digitpad: read handwritten digits and numbers.

``from digitpad import predict`` reads an image file, a Pillow image or a numpy array;
``predict_strokes`` reads pen strokes. They are imported on first use, so the page,
which loads this package with the standard library only, never imports numpy.
"""

__version__ = "0.2.0"

__all__ = ["predict", "predict_strokes", "Prediction", "DigitPrediction", "Pad"]


def __getattr__(name):
    if name == "Pad":
        from digitpad.widget import Pad

        return Pad
    if name in __all__:
        from digitpad import api

        return getattr(api, name)
    raise AttributeError(f"module 'digitpad' has no attribute {name!r}")
