"""The model card's figures: confusion matrices, training curves, worst mistakes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402
import numpy as np  # noqa: E402


def confusion(sets: dict[str, tuple[np.ndarray, np.ndarray]], path: Path) -> None:
    """One confusion matrix per set: rows are true digits, columns the predictions."""
    fig, axes = plt.subplots(1, len(sets), figsize=(6.2 * len(sets), 5.6))
    for ax, (title, (truth, guess)) in zip(np.atleast_1d(axes), sets.items()):
        counts = np.zeros((10, 10), dtype=int)
        np.add.at(counts, (truth, guess), 1)
        errors = counts.copy()
        np.fill_diagonal(errors, 0)
        # Colour by errors only, so a few mistakes stand out next to the big diagonal.
        ax.imshow(errors, cmap="Reds", vmin=0, vmax=max(errors.max(), 1))
        for t in range(10):
            for g in range(10):
                if counts[t, g]:
                    diagonal = t == g
                    dark = errors[t, g] > errors.max() / 2
                    ax.text(g, t, counts[t, g], ha="center", va="center", fontsize=8,
                            color="#1a5e1a" if diagonal else "white" if dark else "black",
                            fontweight="bold" if diagonal else "normal")
        accuracy = np.trace(counts) / counts.sum()
        ax.set_title(f"{title}: {100 * accuracy:.2f}% of {counts.sum()}")
        ax.set_xlabel("predicted digit")
        ax.set_ylabel("true digit")
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def curves(record: dict, path: Path) -> None:
    """Loss and accuracy per epoch, on augmented training batches and on tuning writers."""
    h = record["history"]
    epochs = np.arange(1, len(h["loss"]) + 1)
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 4))
    style = dict(marker="o", markersize=3)
    loss_ax.plot(epochs, h["loss"], label="training (augmented)", **style)
    loss_ax.plot(epochs, h["val_loss"], label="tuning pen writers", **style)
    loss_ax.set_yscale("log")
    loss_ax.set_title("loss (cross-entropy)")
    acc_ax.plot(epochs, 100 * (1 - np.array(h["accuracy"])), label="training (augmented)", **style)
    acc_ax.plot(epochs, 100 * (1 - np.array(h["val_accuracy"])), label="tuning pen writers", **style)
    acc_ax.set_title("error rate (%)")
    # Linear near zero: the tuning writers' error can reach exactly 0.
    acc_ax.set_yscale("symlog", linthresh=0.1, linscale=0.5)
    acc_ax.set_ylim(bottom=0)
    for ax in (loss_ax, acc_ax):
        ax.yaxis.set_major_locator(ticker.SymmetricalLogLocator(base=10, linthresh=0.1, subs=(1, 2, 5))
                                   if ax is acc_ax else ticker.LogLocator(subs=(1, 2, 5)))
        ax.yaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs if len(epochs) <= 20 else epochs[::2])
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def mistakes(sets: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], path: Path, per_set: int = 16) -> None:
    """The most confident wrong answers of each set, with truth, guess and confidence."""
    cols = 8
    rows_per_set = -(-per_set // cols)
    fig, axes = plt.subplots(rows_per_set * len(sets), cols, figsize=(cols * 1.3, rows_per_set * len(sets) * 1.55))
    axes = np.atleast_2d(axes)
    for s, (name, (images, truth, probs)) in enumerate(sets.items()):
        guess = probs.argmax(1)
        wrong = np.flatnonzero(guess != truth)
        worst = wrong[np.argsort(-probs[wrong, guess[wrong]])][:per_set]
        cells = axes[s * rows_per_set : (s + 1) * rows_per_set].ravel()
        for ax in cells:
            ax.axis("off")
        for ax, i in zip(cells, worst):
            ax.imshow(images[i].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(f"{truth[i]}→{guess[i]} {100 * probs[i, guess[i]]:.0f}%", fontsize=9)
        cells[0].text(0, 1.5, f"{name}: {len(wrong)} of {len(truth)} wrong; the most confident"
                      " mistakes (true→read, confidence)",
                      transform=cells[0].transAxes, fontsize=10, fontweight="bold")
    fig.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.02, hspace=0.75)
    fig.savefig(path, dpi=90)
    plt.close(fig)
