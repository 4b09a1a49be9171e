"""Train the CNN on MNIST mixed with pen digits drawn on the pad, and any examples zips
(``--extra``), with augmentation."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from train.pendigits import TRAIN_WRITERS, TUNE_WRITERS
from train import augment, datasets, mnist, pens
from train.model import build
from train.tf import tf, tf_keras


@dataclass
class Config:
    data: str | None = None
    pendigits: str = field(default_factory=lambda: str(datasets.pendigits_file()))
    out: str = "model"
    keras: str | None = None  # where the full-precision Keras model goes
    quick: bool = False
    epochs: int = 8
    batch: int = 128
    learning_rate: float = 3e-3
    warmup_epochs: float = 1.0
    pen_copies: int = 3  # varied drawings of each training writer's digit
    pen_weight: int = 1  # how many times those drawings appear per epoch
    extra: list[str] = field(default_factory=list)  # examples zips (digitpad.examples)
    extra_weight: int = 3  # how many times each of their drawings appears per epoch
    seed: int = 7
    augment: dict = field(default_factory=lambda: asdict(augment.Strength()))

    @property
    def keras_path(self) -> Path:
        return Path(self.keras) if self.keras else Path("build") / f"{Path(self.out).name}.keras"


QUICK = dict(epochs=1, pen_copies=1, pen_weight=1)
QUICK_MNIST = 6000


def training_set(config: Config) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """MNIST train plus the training writers' pen digits, oversampled, and the examples
    zips' drawings; float32 [n,28,28,1], the labels, and how many images each part gave."""
    (x, y), _ = mnist.load(config.data)
    if config.quick:
        x, y = x[:QUICK_MNIST], y[:QUICK_MNIST]
    limit = QUICK_MNIST // 4 if config.quick else None
    px, py = pens.varied_set(config.pendigits, TRAIN_WRITERS, config.pen_copies, config.seed, limit)
    px = np.tile(px, (config.pen_weight, 1, 1))
    py = np.tile(py, config.pen_weight)
    ex, ey = datasets.extra_set(config.extra)
    ex = np.tile(ex, (config.extra_weight, 1, 1))
    ey = np.tile(ey, config.extra_weight)
    images = np.concatenate([x.astype(np.float32) / 255.0, px, ex])[..., None]
    labels = np.concatenate([y, py, ey]).astype(np.int32)
    return images, labels, {"mnist": len(x), "pen_digits": len(px), "extra": len(ex)}



def tuning_set(config: Config) -> tuple[np.ndarray, np.ndarray]:
    x, y = pens.browser_set(config.pendigits, TUNE_WRITERS)
    return x[..., None], y.astype(np.int32)


def batches(images, labels, config: Config) -> tf.data.Dataset:
    """Endless shuffled, augmented batches; batch k's distortions are seeded by (seed, k)."""
    strength = augment.Strength(**config.augment)
    seed = config.seed

    def distort(step, batch):
        x, y = batch
        return augment.augment(x, tf.stack([tf.constant(seed, tf.int64), step]), strength), y

    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(config.batch, drop_remainder=True).enumerate()
    return ds.map(distort, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(2)


class EpochTimer(tf_keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def train(config: Config) -> tuple[tf_keras.Model, dict]:
    """Fit a fresh model; returns it and a JSON-ready record of the run."""
    if config.quick:
        for key, value in QUICK.items():
            setattr(config, key, value)
    tf_keras.utils.set_random_seed(config.seed)
    started = time.perf_counter()
    images, labels, parts = training_set(config)
    tune_x, tune_y = tuning_set(config)
    data_seconds = time.perf_counter() - started
    print(f"training on {len(images)} images ({len(tune_x)} tuning digits), data ready in {data_seconds:.0f} s")

    steps = len(images) // config.batch
    total = steps * config.epochs
    warmup = int(steps * config.warmup_epochs) if config.epochs > 1 else 0
    schedule = tf_keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 10 if warmup else config.learning_rate,
        decay_steps=total - warmup,
        alpha=0.01,
        warmup_target=config.learning_rate if warmup else None,
        warmup_steps=warmup,
    )
    model = build()
    model.compile(
        optimizer=tf_keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    timer = EpochTimer()
    fit_started, cpu_started = time.perf_counter(), time.process_time()
    history = model.fit(
        batches(images, labels, config),
        steps_per_epoch=steps,
        epochs=config.epochs,
        validation_data=(tune_x, tune_y),
        validation_batch_size=512,
        callbacks=[timer],
        verbose=2 if config.quick else 1,
    )
    fit_seconds = time.perf_counter() - fit_started
    # CPU time too: wall time depends on what else the machine is doing.
    fit_cpu_seconds = time.process_time() - cpu_started

    keras_path = config.keras_path
    keras_path.parent.mkdir(parents=True, exist_ok=True)
    model.save(keras_path)
    record = {
        "config": asdict(config),
        "training_images": int(len(images)),
        "training_parts": parts,
        "tuning_images": int(len(tune_x)),
        "steps_per_epoch": steps,
        "data_seconds": round(data_seconds, 1),
        "fit_seconds": round(fit_seconds, 1),
        "fit_cpu_seconds": round(fit_cpu_seconds, 1),
        "epoch_seconds": [round(s, 1) for s in timer.seconds],
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        "parameters": int(model.count_params()),
        "keras_model": str(keras_path),
    }
    return model, record


def save_record(record: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "history.json").write_text(json.dumps(record, indent=2) + "\n")
