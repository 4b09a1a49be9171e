"""Every layer of the network, for the digit in focus: what each one computes, drawn.

The page runs the network once on the digit's 28x28 input and hands over each layer's
output (``Activations``); ``views`` turns them into one ``LayerView`` per layer of
model.json, plus the softmax, each with its shape, parameter count, a one-line
explanation and a picture of its maps or units. ``arithmetic`` spells out how one
value of a layer was computed from the layer before it: for a convolution, the
weighted sum over its kernel, the bias and the ReLU.

Standard library only: this runs in the browser, and only while the steps are shown.
The numbers come from the page's model (static/model.js); under CPython the tests
feed the same structures from digitpad/network.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from digitpad.steps import Picture, feature_sheet

# Maps per row on a layer's sheet.
COLUMNS = {1: 1, 24: 8, 48: 12, 96: 16}
DEFAULT_COLUMNS = 12
# Units per row when a dense layer's outputs are drawn as cells.
UNIT_COLUMNS = 64
# Gap between maps on a sheet, in pixels.
GAP = 1
# A map whose values span less than this is drawn black: it responds to nothing.
FLAT = 1e-6

_ACTIVATIONS: dict[str, Callable[[float], float]] = {
    "linear": lambda x: x,
    "relu": lambda x: max(x, 0.0),
    "relu6": lambda x: min(max(x, 0.0), 6.0),
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
    "tanh": math.tanh,
}


@dataclass(frozen=True)
class Layer:
    """One layer of model.json, as the page's model lists it."""

    name: str
    kind: str
    config: dict
    weights: dict[str, tuple[int, ...]]  # part ("kernel", "bias", …) -> shape

    @property
    def params(self) -> int:
        return sum(math.prod(shape) for shape in self.weights.values())


@dataclass(frozen=True)
class Activations:
    """What every layer made of one input: ``values`` holds each layer's output in turn,
    channels last, shaped ``shapes[i]`` (no batch axis). ``levels``, when the runner
    gives them, are the same as ``levels`` computes them, for the pictures."""

    layers: tuple[Layer, ...]
    shapes: tuple[tuple[int, ...], ...]
    values: Sequence[float]
    levels: bytes | None = None

    def __post_init__(self):
        if len(self.layers) != len(self.shapes):
            raise ValueError(f"{len(self.layers)} layers but {len(self.shapes)} output shapes")
        if sum(math.prod(s) for s in self.shapes) != len(self.values):
            raise ValueError("the outputs' values do not fill their shapes")
        if self.levels is not None and len(self.levels) != len(self.values):
            raise ValueError("the levels do not match the values")

    def _span(self, index: int) -> slice:
        start = sum(math.prod(s) for s in self.shapes[:index])
        return slice(start, start + math.prod(self.shapes[index]))

    def output(self, index: int) -> Sequence[float]:
        return self.values[self._span(index)]

    def output_levels(self, index: int) -> bytes:
        """Layer ``index``'s output as 0..255 for a picture."""
        if self.levels is not None:
            return bytes(self.levels[self._span(index)])
        shape = self.shapes[index]
        return levels(self.output(index), shape[-1] if len(shape) == 3 else 1)

    def input_of(self, index: int) -> tuple[Sequence[float], tuple[int, ...]]:
        """What layer ``index`` read: the output of the layer before it."""
        if index == 0:
            raise ValueError("the first layer reads the input image")
        return self.output(index - 1), self.shapes[index - 1]

    def index(self, name: str) -> int:
        for i, layer in enumerate(self.layers):
            if layer.name == name:
                return i
        raise KeyError(f"the network has no layer {name!r}")


@dataclass(frozen=True)
class Grid:
    """Where map ``m``'s pixel (row, col) lies on a layer's picture."""

    columns: int
    height: int
    width: int
    gap: int

    def locate(self, x: int, y: int) -> tuple[int, int, int] | None:
        """The (map, row, col) at picture pixel (x, y), or None in a gap."""
        across, col = divmod(x, self.width + self.gap)
        down, row = divmod(y, self.height + self.gap)
        if col >= self.width or row >= self.height or across >= self.columns:
            return None
        return down * self.columns + across, row, col


@dataclass(frozen=True)
class LayerView:
    """One layer as the steps view shows it; the page only copies it."""

    name: str  # the layer's name in model.json, or "softmax"
    kind: str  # its Keras class, or "Softmax"
    shape: str  # its output, "28x28x24" or "128"
    params: int
    explanation: str
    picture: Picture | None  # its maps or units; None for layers that change nothing
    grid: Grid | None  # how the picture's pixels map to values
    values: tuple[float, ...] = ()  # the ten outputs of the last layers, for their labels


@dataclass(frozen=True)
class Arithmetic:
    """How one value of a layer came from the layer before it."""

    layer: str
    map: int  # the map (or unit) it belongs to
    row: int
    col: int
    lines: tuple[str, ...]  # each step, as the page shows it
    terms: tuple[tuple[float, float], ...]  # (input, weight), when the kernel is small enough to list
    kernel: Picture | None  # the kernel of that map, one tile per input map
    value: float  # what the arithmetic gives
    actual: float  # what the network computed there


def shape_text(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape)


def views(acts: Activations, weights: Callable[[str], dict] | None = None) -> tuple[LayerView, ...]:
    """One view per layer of model.json but the input, then the softmax.

    ``weights(name)`` gives a layer's weights ({part: (shape, values)}); it is needed
    for the last layer, whose softmax the model applies inside it, to show its sums.
    """
    out = []
    for i, layer in enumerate(acts.layers):
        if layer.kind == "InputLayer":
            continue
        shape = acts.shapes[i]
        values = acts.output(i)
        activation = layer.config.get("activation", "linear")
        shown: tuple[float, ...] = ()
        if activation == "softmax" and weights is not None:
            before, _ = acts.input_of(i)
            values = dense_sums(before, weights(layer.name))
            shown = tuple(values)
        elif len(shape) == 1 and shape[0] <= 10:
            shown = tuple(values)
        picture, grid = _picture(levels(values, 1) if shown else acts.output_levels(i), shape)
        out.append(LayerView(layer.name, layer.kind, shape_text(shape), layer.params,
                             explain(layer, shape, acts.shapes[i - 1] if i else None),
                             None if _passes_through(layer) else picture,
                             None if _passes_through(layer) else grid, shown))
    last = acts.output(len(acts.layers) - 1)
    probabilities = tuple(last) if acts.layers[-1].config.get("activation") == "softmax" else softmax(last)
    picture, grid = _picture(levels(probabilities, 1), (len(probabilities),))
    out.append(LayerView("softmax", "Softmax", shape_text((len(probabilities),)), 0,
                         "Turns the ten sums into chances that add up to 1: the bigger a sum, "
                         "the likelier its digit.", picture, grid, tuple(probabilities)))
    return tuple(out)


def softmax(values: Sequence[float]) -> tuple[float, ...]:
    top = max(values)
    e = [math.exp(v - top) for v in values]
    total = sum(e)
    return tuple(v / total for v in e)


def dense_sums(inputs: Sequence[float], weights: dict) -> list[float]:
    """A dense layer's weighted sums plus bias, before its activation."""
    (n_in, n_out), kernel = weights["kernel"]
    bias = weights["bias"][1] if "bias" in weights else [0.0] * n_out
    if len(inputs) != n_in:
        raise ValueError(f"the layer takes {n_in} inputs, got {len(inputs)}")
    sums = list(bias)
    for i, x in enumerate(inputs):
        if x:
            row = kernel[i * n_out : (i + 1) * n_out]
            for j in range(n_out):
                sums[j] += x * row[j]
    return sums


def _passes_through(layer: Layer) -> bool:
    return layer.kind in ("Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout")


def _picture(shown: bytes, shape: Sequence[int]) -> tuple[Picture, Grid]:
    """A layer's output levels (see ``levels``) as a sheet of maps, or a grid of units."""
    if len(shape) == 3:
        h, w, c = shape
        if h != w:
            raise ValueError(f"maps of {h}x{w} are not square")
        columns = COLUMNS.get(c, DEFAULT_COLUMNS)
        return feature_sheet(shown, c, h, columns, GAP), Grid(columns, h, w, GAP)
    n = math.prod(shape)
    columns = min(n, UNIT_COLUMNS)
    return feature_sheet(shown, n, 1, columns, 0), Grid(columns, 1, 1, 0)


def levels(values: Sequence[float], maps: int) -> bytes:
    """Each map's values as 0..255, from its own lowest (0) to its highest (255), as
    static/model.js computes them; a map of one value is all 0."""
    out = bytearray(len(values))
    for m in range(maps):
        channel = values[m::maps]
        low, high = min(channel, default=0.0), max(channel, default=0.0)
        if high - low <= FLAT:
            continue
        scale = 255 / (high - low)
        out[m::maps] = bytes(min(255, max(0, round((v - low) * scale))) for v in channel)
    return bytes(out)


def explain(layer: Layer, shape: Sequence[int], before: Sequence[int] | None) -> str:
    """One line on what the layer does, with its own numbers."""
    c = layer.config
    kind = layer.kind
    if kind == "Conv2D":
        kh, kw = _pair(c.get("kernel_size", 3))
        channels = before[-1] if before else 1
        return (f"{shape[-1]} filters slide over the {_maps(channels)} before it; each adds up "
                f"{kh} × {kw} × {channels} pixels times its weights, plus a bias, then keeps only "
                f"what is above zero ({c.get('activation', 'linear')}). Click a map to see the sum.")
    if kind == "BatchNormalization":
        return ("Rescales each map by the mean and spread it had in training, so every layer "
                "after it sees numbers of the same size.")
    if kind == "MaxPooling2D":
        ph, pw = _pair(c.get("pool_size", 2))
        return (f"Keeps the strongest value of each {ph} × {pw} square: the maps shrink to "
                f"{shape[0]} × {shape[1]}, and a stroke moved by a pixel still counts.")
    if kind == "AveragePooling2D":
        ph, pw = _pair(c.get("pool_size", 2))
        return f"Averages each {ph} × {pw} square: the maps shrink to {shape[0]} × {shape[1]}."
    if kind == "Flatten":
        return f"Lays the {shape_text(before or ())} values out in one row of {shape[0]}, for the dense layers."
    if kind == "Dense":
        n_in = before[-1] if before else 0
        if c.get("activation") == "softmax":
            return (f"Ten sums, one per digit, each over all {n_in} values before it times its "
                    "weights, plus a bias. Click one to see its biggest terms.")
        return (f"{shape[-1]} units, each a weighted sum of all {n_in} values before it plus a bias, "
                f"then {c.get('activation', 'linear')}. Click one to see its sum.")
    if _passes_through(layer):
        return "Only while training: it drops or blurs values at random so the network cannot lean on any one. Reading, it passes everything on."
    if kind in ("ReLU", "Activation"):
        return "Applies its function to every value."
    if kind == "GlobalAveragePooling2D":
        return "Averages each map into one number."
    if kind == "Rescaling":
        return "Scales every pixel by one number and adds another."
    return f"A {kind} layer."


def _maps(channels: int) -> str:
    return "input image" if channels == 1 else f"{channels} maps"


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _same_start(size: int, kernel: int, stride: int, dilation: int = 1) -> int:
    """How many rows TensorFlow pads before the first, for 'same' padding."""
    reach = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + reach - size, 0)
    return total // 2


def arithmetic(acts: Activations, name: str, map_: int, row: int, col: int,
               weights: Callable[[str], dict]) -> Arithmetic | None:
    """How the value at (row, col) of map ``map_`` of layer ``name`` was computed; None
    for layers that only pass values on."""
    index = acts.index(name)
    layer = acts.layers[index]
    shape = acts.shapes[index]
    if index == 0 or _passes_through(layer):
        return None
    inputs, before = acts.input_of(index)
    out = acts.output(index)
    if layer.kind == "Conv2D":
        return _conv(layer, inputs, before, out, shape, map_, row, col, weights(name))
    if layer.kind == "Dense":
        return _dense(layer, inputs, out, map_, weights(name))
    if layer.kind in ("MaxPooling2D", "AveragePooling2D"):
        return _pool(layer, inputs, before, out, shape, map_, row, col)
    if layer.kind == "BatchNormalization":
        return _batch_norm(layer, inputs, out, shape, map_, row, col, weights(name))
    return None


def _at(values: Sequence[float], shape: Sequence[int], row: int, col: int, channel: int) -> float:
    h, w, c = shape
    return values[(row * w + col) * c + channel]


def _check_place(shape, map_, row, col):
    h, w, c = shape
    if not (0 <= map_ < c and 0 <= row < h and 0 <= col < w):
        raise ValueError(f"no value at map {map_}, row {row}, col {col} of a {shape_text(shape)} output")


def _conv(layer, inputs, before, out, shape, map_, row, col, weights) -> Arithmetic:
    _check_place(shape, map_, row, col)
    c = layer.config
    (kh, kw, cin, cout), kernel = weights["kernel"]
    bias = weights["bias"][1][map_] if "bias" in weights else 0.0
    sh, sw = _pair(c.get("strides", 1))
    dh, dw = _pair(c.get("dilation_rate", 1))
    h_in, w_in, _ = before
    if c.get("padding", "valid") == "same":
        top, left = _same_start(h_in, kh, sh, dh), _same_start(w_in, kw, sw, dw)
    else:
        top = left = 0
    terms, total = [], 0.0
    peak = max((abs(kernel[((y * kw + x) * cin + k) * cout + map_])
                for y in range(kh) for x in range(kw) for k in range(cin)), default=0.0) or 1.0
    for k in range(cin):
        for y in range(kh):
            for x in range(kw):
                weight = kernel[((y * kw + x) * cin + k) * cout + map_]
                r, q = row * sh - top + y * dh, col * sw - left + x * dw
                value = _at(inputs, before, r, q, k) if 0 <= r < h_in and 0 <= q < w_in else 0.0
                total += value * weight
                if cin == 1:
                    terms.append((value, weight))
    kernel_picture = _kernel_sheet(kernel, kh, kw, cin, cout, map_, peak)
    z = total + bias
    activation = c.get("activation", "linear")
    value = _ACTIVATIONS[activation](z) if activation in _ACTIVATIONS else z
    products = kh * kw * cin
    lines = (
        f"Σ of {products} inputs × weights = {total:.4f}",
        f"+ bias {bias:+.4f} = {z:.4f}",
        f"{activation}({z:.4f}) = {value:.4f}",
    )
    return Arithmetic(layer.name, map_, row, col, lines, tuple(terms), kernel_picture, value,
                      _at(out, shape, row, col, map_))


def _kernel_sheet(kernel, kh, kw, cin, cout, map_, peak) -> Picture:
    """The kernel of one output map, a tile per input map: positive weights orange,
    negative blue, brighter the larger."""
    columns = min(cin, 16)
    rows = -(-cin // columns)
    width, height = columns * (kw + 1) - 1, rows * (kh + 1) - 1
    rgba = bytearray(width * height * 4)
    for k in range(cin):
        left, top = (k % columns) * (kw + 1), (k // columns) * (kh + 1)
        for y in range(kh):
            for x in range(kw):
                weight = kernel[((y * kw + x) * cin + k) * cout + map_]
                level = min(255, round(255 * abs(weight) / peak))
                at = ((top + y) * width + left + x) * 4
                rgba[at : at + 4] = bytes((level, level * 160 // 255, 40 * level // 255, 255) if weight > 0
                                          else (40 * level // 255, level * 140 // 255, level, 255))
    return Picture(bytes(rgba), width, height)


def _dense(layer, inputs, out, unit, weights) -> Arithmetic:
    (n_in, n_out), kernel = weights["kernel"]
    if not 0 <= unit < n_out:
        raise ValueError(f"the layer has {n_out} units, not {unit + 1}")
    bias = weights["bias"][1][unit] if "bias" in weights else 0.0
    products = [inputs[i] * kernel[i * n_out + unit] for i in range(n_in)]
    total = sum(products)
    z = total + bias
    activation = layer.config.get("activation", "linear")
    strongest = sorted(range(n_in), key=lambda i: -abs(products[i]))[:3]
    biggest = ", ".join(f"{inputs[i]:.3f} × {kernel[i * n_out + unit]:+.3f}" for i in strongest)
    lines = [f"Σ of {n_in} inputs × weights = {total:.4f} (biggest: {biggest})",
             f"+ bias {bias:+.4f} = {z:.4f}"]
    if activation == "softmax":
        value = softmax(dense_sums(inputs, weights))[unit]
        lines.append(f"softmax over the ten sums: {value:.4f}")
        return Arithmetic(layer.name, unit, 0, unit, tuple(lines), (), None, value, out[unit])
    value = _ACTIVATIONS[activation](z) if activation in _ACTIVATIONS else z
    lines.append(f"{activation}({z:.4f}) = {value:.4f}")
    return Arithmetic(layer.name, unit, 0, unit, tuple(lines), (), None, value, out[unit])


def _pool(layer, inputs, before, out, shape, map_, row, col) -> Arithmetic:
    _check_place(shape, map_, row, col)
    c = layer.config
    ph, pw = _pair(c.get("pool_size", 2))
    sh, sw = _pair(c.get("strides") or (ph, pw))
    h_in, w_in, _ = before
    top = _same_start(h_in, ph, sh) if c.get("padding", "valid") == "same" else 0
    left = _same_start(w_in, pw, sw) if c.get("padding", "valid") == "same" else 0
    window = [_at(inputs, before, r, q, map_)
              for r in range(row * sh - top, row * sh - top + ph)
              for q in range(col * sw - left, col * sw - left + pw)
              if 0 <= r < h_in and 0 <= q < w_in]
    if layer.kind == "MaxPooling2D":
        value = max(window)
        line = f"max({', '.join(f'{v:.3f}' for v in window)}) = {value:.4f}"
    else:
        value = sum(window) / len(window)
        line = f"mean({', '.join(f'{v:.3f}' for v in window)}) = {value:.4f}"
    return Arithmetic(layer.name, map_, row, col, (line,), (), None, value, _at(out, shape, row, col, map_))


def _batch_norm(layer, inputs, out, shape, map_, row, col, weights) -> Arithmetic:
    _check_place(shape, map_, row, col)
    part = lambda name, default: weights[name][1][map_] if name in weights else default  # noqa: E731
    mean, variance = part("moving_mean", 0.0), part("moving_variance", 1.0)
    gamma, beta = part("gamma", 1.0), part("beta", 0.0)
    epsilon = layer.config.get("epsilon", 1e-3)
    x = _at(inputs, shape, row, col, map_)
    spread = math.sqrt(variance + epsilon)
    value = (x - mean) / spread * gamma + beta
    lines = (f"({x:.4f} − mean {mean:.4f}) ÷ spread {spread:.4f} = {(x - mean) / spread:.4f}",
             f"× {gamma:.4f} + {beta:.4f} = {value:.4f}")
    return Arithmetic(layer.name, map_, row, col, lines, (), None, value, _at(out, shape, row, col, map_))


def strongest(acts: Activations, name: str, map_: int) -> tuple[int, int]:
    """Where map ``map_`` of layer ``name`` responds most: (row, col)."""
    index = acts.index(name)
    shape = acts.shapes[index]
    values = acts.output(index)
    if len(shape) != 3:
        return 0, map_
    h, w, c = shape
    channel = values[map_::c]
    best = max(range(len(channel)), key=channel.__getitem__)
    return divmod(best, w)


# The steps' own figure of the first layer: six maps a row.
FIRST_COLUMNS = 6


def first_maps(acts: Activations) -> Picture | None:
    """The first convolution's maps, for the steps' figure; None without one."""
    for i, layer in enumerate(acts.layers):
        if layer.kind == "Conv2D":
            h, w, c = acts.shapes[i]
            return feature_sheet(acts.output_levels(i), c, h, FIRST_COLUMNS, GAP)
    return None
