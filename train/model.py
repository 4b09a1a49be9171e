"""The network: a small VGG-style CNN that the TensorFlow.js layers runtime can run."""

from __future__ import annotations

from train.tf import tf_keras

layers = tf_keras.layers


def build(dropout: float = 0.3) -> tf_keras.Model:
    """[N, 28, 28, 1] float32 in [0, 1] (ink = 1) -> softmax over the digits 0-9.

    Only layer types tfjs-layers implements (no Lambda), so the converted model loads
    with ``tf.loadLayersModel``. The first convolution is named ``conv1``: the page
    shows its feature maps.
    """
    inputs = tf_keras.Input(shape=(28, 28, 1), name="image")
    # Few filters at full resolution, where convolutions cost the most: training has
    # to fit in half an hour on two CPU cores.
    x = _conv(inputs, 24, "conv1")
    x = layers.MaxPooling2D(name="pool1")(x)  # 14x14
    x = _conv(x, 48, "conv2")
    x = _conv(x, 48, "conv3")
    x = layers.MaxPooling2D(name="pool2")(x)  # 7x7
    x = _conv(x, 96, "conv4")
    x = layers.MaxPooling2D(name="pool3")(x)  # 3x3
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout1")(x)
    x = layers.Dense(128, activation="relu", name="dense1")(x)
    x = layers.Dropout(dropout, name="dropout2")(x)
    outputs = layers.Dense(10, activation="softmax", name="digit")(x)
    return tf_keras.Model(inputs, outputs, name="digitpad_cnn")


def _conv(x, filters: int, name: str):
    # ReLU inside the convolution, batch norm after it: the layer named ``name`` then
    # outputs rectified feature maps, which is what the page draws for conv1.
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=name)(x)
    return layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
