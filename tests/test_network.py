"""The numpy engine against TensorFlow on the same files the page loads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from digitpad.network import ModelError, Network, _same_padding

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "model"


def write_model(directory: Path, layers: list[dict], weights: list[tuple[str, np.ndarray, dict]]):
    """A hand-written layers model: ``weights`` are (name, stored array, quantization or {})."""
    directory.mkdir(parents=True, exist_ok=True)
    specs, blobs = [], []
    for name, stored, quant in weights:
        spec = {"name": name, "shape": list(stored.shape), "dtype": "float32"}
        if quant:
            spec["quantization"] = quant
        specs.append(spec)
        blobs.append(stored.tobytes())
    (directory / "weights.bin").write_bytes(b"".join(blobs))
    document = {
        "format": "layers-model",
        "modelTopology": {"model_config": {"class_name": "Sequential",
                                           "config": {"name": "m", "layers": layers}}},
        "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
    }
    (directory / "model.json").write_text(json.dumps(document))


def dense_layer(units: int, activation: str = "linear", shape=None) -> dict:
    config = {"name": "dense", "units": units, "activation": activation, "use_bias": True}
    if shape:
        config["batch_input_shape"] = [None, *shape]
    return {"class_name": "Dense", "config": config}


def test_uint8_weights_are_dequantized_as_q_times_scale_plus_min(tmp_path):
    q_kernel = np.array([[0, 255], [128, 3]], np.uint8)
    q_bias = np.array([10, 20], np.uint8)
    write_model(tmp_path, [dense_layer(2, shape=[2])], [
        ("dense/kernel", q_kernel, {"dtype": "uint8", "scale": 0.01, "min": -1.0}),
        ("dense/bias", q_bias, {"dtype": "uint8", "scale": 0.5, "min": 2.0,
                                "original_dtype": "float32"}),
    ])
    x = np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32)
    kernel = q_kernel * 0.01 - 1.0
    bias = q_bias * 0.5 + 2.0
    got = Network.load(tmp_path).predict(x)
    np.testing.assert_allclose(got, x @ kernel + bias, rtol=1e-6)


def test_float16_weights_are_widened(tmp_path):
    kernel = np.array([[0.5, -1.25], [2.0, 0.125]], np.float16)
    bias = np.array([0.25, -0.75], np.float16)
    write_model(tmp_path, [dense_layer(2, "relu", shape=[2])], [
        ("dense/kernel", kernel, {"dtype": "float16", "original_dtype": "float32"}),
        ("dense/bias", bias, {"dtype": "float16", "original_dtype": "float32"}),
    ])
    x = np.array([[1.0, 1.0], [-1.0, 2.0]], np.float32)
    expected = np.maximum(x @ kernel.astype(np.float32) + bias.astype(np.float32), 0)
    np.testing.assert_allclose(Network.load(tmp_path).predict(x), expected)


def test_an_unsupported_layer_is_named_when_loading(tmp_path):
    write_model(tmp_path, [dense_layer(2, shape=[4]),
                           {"class_name": "LSTM", "config": {"name": "memory"}}],
                [("dense/kernel", np.zeros((4, 2), np.float32), {}),
                 ("dense/bias", np.zeros(2, np.float32), {})])
    with pytest.raises(ModelError, match=r"'memory' is a LSTM"):
        Network.load(tmp_path)


def test_an_unsupported_activation_is_named(tmp_path):
    write_model(tmp_path, [dense_layer(2, "swish", shape=[2])],
                [("dense/kernel", np.zeros((2, 2), np.float32), {}),
                 ("dense/bias", np.zeros(2, np.float32), {})])
    with pytest.raises(ModelError, match="activation 'swish'"):
        Network.load(tmp_path)


def test_missing_model_and_missing_shard_are_clear(tmp_path):
    with pytest.raises(ModelError, match="no model at"):
        Network.load(tmp_path / "nowhere")
    write_model(tmp_path, [dense_layer(2, shape=[2])],
                [("dense/kernel", np.zeros((2, 2), np.float32), {}),
                 ("dense/bias", np.zeros(2, np.float32), {})])
    (tmp_path / "weights.bin").unlink()
    with pytest.raises(ModelError, match="shard missing"):
        Network.load(tmp_path)


def test_a_missing_weight_is_named(tmp_path):
    write_model(tmp_path, [dense_layer(2, shape=[2])],
                [("dense/bias", np.zeros(2, np.float32), {})])
    with pytest.raises(ModelError, match="'dense'.*'kernel'"):
        Network.load(tmp_path)


def test_wrong_input_shape_is_refused(tmp_path):
    write_model(tmp_path, [dense_layer(2, shape=[3])],
                [("dense/kernel", np.zeros((3, 2), np.float32), {}),
                 ("dense/bias", np.zeros(2, np.float32), {})])
    with pytest.raises(ValueError, match=r"\[N, 3\]"):
        Network.load(tmp_path).predict(np.zeros((1, 4), np.float32))


@pytest.mark.parametrize("size,kernel,stride,expected", [
    (28, 3, 1, (1, 1)), (28, 3, 2, (0, 1)), (7, 2, 2, (0, 1)), (5, 1, 1, (0, 0)), (4, 5, 1, (2, 2)),
])
def test_same_padding_matches_tensorflow_rule(size, kernel, stride, expected):
    assert _same_padding(size, kernel, stride) == expected


# --- against TensorFlow -------------------------------------------------------


def keras():
    from train.tf import tf_keras  # legacy Keras, so tensorflowjs writes layers models

    return tf_keras


def save_tfjs(model, directory: Path, **options) -> Path:
    keras()
    import tensorflowjs as tfjs

    tfjs.converters.save_keras_model(model, str(directory), **options)
    return directory


def with_trained_statistics(model, seed: int = 0):
    """Give batch norms non-trivial statistics, as training would, so they are really tested."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.__class__.__name__ == "BatchNormalization":
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.3, beta.shape),
                               rng.normal(0, 0.3, mean.shape), rng.uniform(0.2, 2.0, var.shape)])
    # Sharpen the last layer: an untrained network's outputs are all near 1/10, so every
    # call would be a near-tie, unlike a trained one's.
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel * 20, bias])
    return model


def sequential_cnn():
    k = keras()
    k.utils.set_random_seed(0)
    L = k.layers
    return with_trained_statistics(k.Sequential([
        L.InputLayer((28, 28, 1)),
        L.Conv2D(8, 3, padding="same", activation="relu"),
        L.BatchNormalization(),
        L.Conv2D(8, 3, strides=2, padding="same"),  # asymmetric 'same' padding
        L.ReLU(),
        L.MaxPooling2D(),
        L.Conv2D(12, 3, padding="valid", use_bias=False),
        L.BatchNormalization(),
        L.Activation("relu"),
        L.MaxPooling2D(pool_size=2, padding="same"),  # odd size: padded pooling
        L.Dropout(0.3),
        L.Flatten(),
        L.Dense(16, activation="relu"),
        L.Dense(10, activation="softmax"),
    ]))


def functional_cnn():
    k = keras()
    k.utils.set_random_seed(1)
    L = k.layers
    inputs = k.Input((28, 28, 1))
    x = L.Conv2D(6, 5, strides=2, padding="valid", activation="relu")(inputs)
    x = L.BatchNormalization()(x)
    x = L.MaxPooling2D(3, strides=2)(x)
    x = L.Flatten()(x)
    x = L.Dropout(0.5)(x)
    outputs = L.Dense(10, activation="softmax")(x)
    return with_trained_statistics(k.Model(inputs, outputs), seed=1)


def more_layers_cnn():
    """The layers a variant of the model might use: rescaling, non-square kernels and
    strides, average pooling, leaky and capped ReLU, global pooling, tanh."""
    k = keras()
    k.utils.set_random_seed(2)
    L = k.layers
    return with_trained_statistics(k.Sequential([
        L.Rescaling(2.0, offset=-1.0, input_shape=(28, 28, 1)),
        L.Conv2D(8, (3, 5), strides=(2, 1), padding="same", activation="tanh"),
        L.AveragePooling2D(pool_size=(2, 3), strides=(1, 2)),
        L.Conv2D(8, 1, activation="sigmoid"),
        L.ReLU(max_value=0.6, negative_slope=0.1),
        L.GlobalAveragePooling2D(),
        L.Dense(10, activation="softmax"),
    ]), seed=2)


def digit_like_batch(n: int = 64, seed: int = 0) -> np.ndarray:
    """Sparse blobs in [0, 1] rather than noise, so the inputs look like prepared digits."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28, 1), np.float32)
    for image in x:
        for _ in range(rng.integers(3, 8)):
            r, c = rng.integers(4, 24, size=2)
            image[r - 2 : r + 2, c - 3 : c + 3, 0] = rng.uniform(0.5, 1.0)
    return x


@pytest.mark.slow
@pytest.mark.parametrize("build", [sequential_cnn, functional_cnn, more_layers_cnn])
def test_float_model_matches_tensorflow(tmp_path, build):
    model = build()
    x = digit_like_batch()
    expected = model.predict(x, verbose=0)
    got = Network.load(save_tfjs(model, tmp_path / "float")).predict(x)
    assert got.shape == expected.shape
    print(f"float32 {build.__name__}: max |numpy - tf| = {np.abs(got - expected).max():.2e}")
    assert np.abs(got - expected).max() <= 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["uint8", "float16"])
def test_quantized_model_reads_like_tensorflow(tmp_path, dtype):
    model = sequential_cnn()
    x = digit_like_batch(seed=2)
    expected = model.predict(x, verbose=0)
    saved = save_tfjs(model, tmp_path / dtype, quantization_dtype_map={dtype: "*"})
    manifest = json.loads((saved / "model.json").read_text())["weightsManifest"]
    assert all(w["quantization"]["dtype"] == dtype for g in manifest for w in g["weights"])
    got = Network.load(saved).predict(x)
    # Quantizing moves each output by up to a few hundredths, so only near-ties may
    # flip, in TensorFlow.js as here; every clear call must stay.
    top_two = np.sort(expected, axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > 0.05
    assert clear.mean() > 0.5
    assert (got.argmax(axis=1) == expected.argmax(axis=1))[clear].all()
    print(f"{dtype}: max |numpy - tf| = {np.abs(got - expected).max():.2e}, "
          f"argmax agreement {np.mean(got.argmax(1) == expected.argmax(1)):.3f}")


# --- the shipped model --------------------------------------------------------

shipped = pytest.mark.skipif(
    not (SHIPPED / "model.json").exists(), reason="no model/ shipped yet (run `make train`)"
)


@shipped
def test_shipped_model_gives_probabilities_for_ten_digits():
    network = Network.load(SHIPPED)
    out = network.predict(digit_like_batch(8))
    assert out.shape == (8, 10)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-5)


@shipped
@pytest.mark.slow
def test_shipped_model_matches_tensorflow_reading_the_same_files():
    keras()
    import tensorflowjs as tfjs

    reference = tfjs.converters.load_keras_model(str(SHIPPED / "model.json"))
    x = digit_like_batch(200, seed=3)
    expected = reference.predict(x, verbose=0)
    got = Network.load(SHIPPED).predict(x)
    assert np.abs(got - expected).max() <= 1e-5
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()
