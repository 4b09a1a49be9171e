"""Random distortions of whole batches, inside the TensorFlow graph.

They aim at what differs between MNIST and digits drawn on a screen: slant and
rotation, proportions, position after centering, stroke thickness and wobbly lines.
All randomness is stateless and derived from a seed and the batch number, so a run is
reproducible however tf.data schedules its work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from train.tf import tf

SIZE = 28


@dataclass(frozen=True)
class Strength:
    rotate_deg: float = 12.0
    shear: float = 0.25
    scale: tuple[float, float] = (0.85, 1.1)
    aspect: float = 0.12  # relative change of width against height
    shift_px: float = 2.0
    elastic_px: float = 1.6  # peak displacement of the smooth random field
    elastic_grid: int = 4  # the field is random on this grid, smoothly upsampled
    thickness: tuple[float, float] = (-0.6, 0.8)  # <0 erodes, >0 dilates, as a blend


def augment(images, seed, strength: Strength = Strength()):
    """images: [B, 28, 28, 1] float32 in [0, 1]; seed: int64 [2] tensor."""
    seeds = tf.random.experimental.stateless_split(seed, 8)
    batch = tf.shape(images)[0]

    def uniform(i, low, high, shape=None):
        shape = [batch] if shape is None else shape
        return tf.random.stateless_uniform(shape, seeds[i], low, high)

    angle = uniform(0, -1.0, 1.0) * math.radians(strength.rotate_deg)
    shear = uniform(1, -strength.shear, strength.shear)
    scale = uniform(2, *strength.scale)
    aspect = 1.0 + uniform(3, -strength.aspect, strength.aspect)
    shift = uniform(4, -strength.shift_px, strength.shift_px, [batch, 2])
    elastic = _smooth_field(seeds[5], batch, strength) * uniform(6, 0.0, 1.0)[:, None, None, None]
    thickness = uniform(7, *strength.thickness)

    out = _warp(images[..., 0], angle, shear, scale * aspect, scale / aspect, shift, elastic)
    out = _thicken(out[..., None], thickness)
    peak = tf.reduce_max(out, axis=[1, 2, 3], keepdims=True)
    return tf.clip_by_value(out / tf.maximum(peak, 1e-3), 0.0, 1.0)


def _smooth_field(seed, batch, strength: Strength):
    """[B, 28, 28, 2] displacements: random on a coarse grid, bicubically upsampled."""
    g = strength.elastic_grid
    coarse = tf.random.stateless_normal([batch, g, g, 2], seed) * (strength.elastic_px / 2)
    return tf.image.resize(coarse, [SIZE, SIZE], method="bicubic")


def _warp(images, angle, shear, scale_x, scale_y, shift, elastic):
    """Resample each image where an affine map plus a displacement field says.

    The map goes from output pixels to source pixels about the image center, so the
    digit is rotated, sheared and scaled by the inverse amounts, which are random too.
    """
    c = (SIZE - 1) / 2
    ys, xs = tf.meshgrid(tf.range(SIZE, dtype=tf.float32) - c, tf.range(SIZE, dtype=tf.float32) - c, indexing="ij")
    xs, ys = xs[None], ys[None]  # [1, H, W]
    cos, sin = tf.cos(angle)[:, None, None], tf.sin(angle)[:, None, None]
    sh = shear[:, None, None]
    # shear along x, then rotate, then scale
    x1 = xs + sh * ys
    xr = cos * x1 - sin * ys
    yr = sin * x1 + cos * ys
    src_x = xr / scale_x[:, None, None] + c - shift[:, None, None, 0] + elastic[..., 0]
    src_y = yr / scale_y[:, None, None] + c - shift[:, None, None, 1] + elastic[..., 1]
    return _bilinear(images, src_x, src_y)


def _bilinear(images, x, y):
    """Sample [B, H, W] images at [B, H, W] positions; outside the image is blank."""
    flat = tf.reshape(images, [tf.shape(images)[0], SIZE * SIZE])
    x0, y0 = tf.floor(x), tf.floor(y)
    fx, fy = x - x0, y - y0
    out = 0.0
    for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        xi, yi = x0 + dx, y0 + dy
        inside = (xi >= 0) & (xi <= SIZE - 1) & (yi >= 0) & (yi <= SIZE - 1)
        index = tf.cast(tf.clip_by_value(yi, 0, SIZE - 1) * SIZE + tf.clip_by_value(xi, 0, SIZE - 1), tf.int32)
        value = tf.gather(flat, tf.reshape(index, [tf.shape(flat)[0], -1]), batch_dims=1)
        out += tf.reshape(value, tf.shape(x)) * w * tf.cast(inside, tf.float32)
    return out


def _thicken(images, amount):
    """Blend towards a 3x3 dilation (amount > 0) or erosion (amount < 0) of the ink."""
    dilated = tf.nn.max_pool2d(images, 3, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    a = amount[:, None, None, None]
    return images + tf.nn.relu(a) * (dilated - images) + tf.nn.relu(-a) * (eroded - images)
