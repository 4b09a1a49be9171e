"""Import TensorFlow the one way this project needs it: legacy Keras, quiet logs.

tensorflowjs writes a *layers* model (what ``tf.loadLayersModel`` reads) only from
tf_keras models, so the environment switch must be set before TensorFlow loads.
"""

import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# tensorflowjs imports TF Decision Forests, whose greeting imports IPython whenever
# stdout is not a terminal (under pytest, in CI, piped to a log).
os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")

import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402

tf.get_logger().setLevel("ERROR")

__all__ = ["tf", "tf_keras"]
