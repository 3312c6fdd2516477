"""Figures of Part 5, In practice (first half): checkpoints, deployment, several processes.

Every figure plots what its snippet computed, read from the snippet's own run (`snippet()`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import PALETTE, figure, snippet

CHECKPOINTS = "snippets/practice/checkpoints.py"
DEPLOYMENT = "snippets/practice/deployment.py"
DISTRIBUTED = "snippets/practice/distributed.py"
INK = "#343a40"  # dark grey: reads on white and on the light card of the dark theme


def _smooth(values, width=8):
    """Moving average over `width` batches (the curves of single batches are noisy)."""
    values = np.asarray(values, dtype=float)
    kernel = np.ones(width) / width
    return np.convolve(values, kernel, mode="valid"), np.arange(width - 1, len(values)) + 1


@figure("checkpoints/resume", uses=[CHECKPOINTS])
def resume_curves():
    run = snippet(CHECKPOINTS)
    uninterrupted, crashed, resumed = run["losses_a"], run["losses_crashed"], run["losses_b"]
    per_epoch = len(uninterrupted) // 6
    fig = Figure(figsize=(7.2, 3.6), layout="constrained")
    ax = fig.subplots()
    y, x = _smooth(uninterrupted)
    ax.plot(x / per_epoch, y, color=PALETTE[0], linewidth=6, alpha=0.35, label="uninterrupted run, 6 epochs")
    y, x = _smooth(crashed)
    ax.plot(
        x / per_epoch,
        y,
        color=PALETTE[1],
        linewidth=1.4,
        linestyle="--",
        label="crashed run: epochs 1-3 (epoch 3 lost)",
    )
    y, x = _smooth(resumed)
    after = x > 2 * per_epoch  # the resumed process trained from the epoch-2 checkpoint on
    ax.plot(x[after] / per_epoch, y[after], color=PALETTE[2], linewidth=1.4, label="resumed from epoch 2")
    ax.axvline(2, color=PALETTE[6], linestyle=":", linewidth=1)
    ax.axvline(3, color=PALETTE[6], linestyle=":", linewidth=1)
    top = max(uninterrupted[:per_epoch])
    ax.text(2.04, 0.8, "checkpoint\nsaved", fontsize=8, color=INK, transform=ax.get_xaxis_transform())
    ax.text(3.04, 0.8, "crash", fontsize=8, color=INK, transform=ax.get_xaxis_transform())
    ax.set(xlabel="epoch", ylabel="training loss (mean of 8 batches)", xlim=(0, 6), ylim=(0, min(top, 2.4)))
    ax.legend(loc="upper right", fontsize=8)
    return fig


@figure("deployment/answers", uses=[DEPLOYMENT])
def service_answers():
    run = snippet(DEPLOYMENT)
    images = [*run["digits"].numpy(), run["doubtful_image"].numpy()]
    answers = [*run["answers"], run["doubtful_answer"]]
    truths = [*run["test_labels"][:4].tolist(), int(run["test_labels"][run["doubtful"]])]
    fig = Figure(figsize=(9.6, 3.4), layout="constrained")
    grid = fig.add_gridspec(2, len(images), height_ratios=[1, 1.15])
    for column, (image, answer, truth) in enumerate(zip(images, answers, truths)):
        top = fig.add_subplot(grid[0, column])
        top.imshow(image, cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
        top.set_axis_off()
        label = "the most doubtful test image" if column == len(images) - 1 else f"test image {column}"
        top.set_title(f"{label}\ntrue {truth}", fontsize=8, color=INK)
        bottom = fig.add_subplot(grid[1, column])
        probabilities = np.asarray(answer["probabilities"])
        colors = [PALETTE[2] if d == answer["digit"] else PALETTE[6] for d in range(10)]
        bottom.bar(range(10), probabilities, color=colors)
        bottom.set(xticks=range(10), ylim=(0, 1.05), yticks=[0, 0.5, 1] if column == 0 else [])
        bottom.tick_params(labelsize=7)
        bottom.set_xlabel(f'"digit": {answer["digit"]}', fontsize=8)
        if column == 0:
            bottom.set_ylabel('"probabilities"', fontsize=8)
    return fig


@figure("deployment/speed", uses=[DEPLOYMENT])
def speed():
    run = snippet(DEPLOYMENT)
    bench = run["bench"]
    runtimes = ["eager", "torch.export", "onnxruntime"]
    fig = Figure(figsize=(7.2, 2.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, batch_size in zip(axes, (1, 256)):
        rates = [bench[f"{name}, batch {batch_size}"]["images_per_s"] for name in runtimes]
        bars = ax.barh(range(3), rates, color=PALETTE[:3])
        ax.bar_label(bars, [f"{r:,.0f}" for r in rates], fontsize=8, padding=3, color=INK)
        ax.set(title=f"batch {batch_size}", xlabel="images per second (one thread)", xlim=(0, max(rates) * 1.3))
        ax.title.set_fontsize(9)
    axes[0].set_yticks(range(3), runtimes)
    axes[0].invert_yaxis()
    return fig


@figure("distributed/loss-curves", uses=[DISTRIBUTED])
def ddp_loss_curves():
    run = snippet(DISTRIBUTED)
    ddp, single = np.asarray(run["ddp_losses"]), np.asarray(run["single_losses"])
    steps = np.arange(1, len(ddp) + 1)
    fig = Figure(figsize=(7.2, 4.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    top.plot(steps, single, color=PALETTE[0], linewidth=6, alpha=0.35, label="1 process, batch 64")
    top.plot(steps, ddp, color=PALETTE[1], linewidth=1.4, label="DDP: 2 processes, batch 32 each")
    top.set(ylabel="training loss")
    top.legend(loc="upper right", fontsize=8)
    difference = np.abs(ddp - single)
    shown = np.where(difference > 0, difference, np.nan)  # exact zeros have no place on a log scale
    bottom.semilogy(steps, shown, marker="o", markersize=2.5, linestyle="none", color=PALETTE[3])
    bottom.set(xlabel="step", ylabel="|difference|", ylim=(1e-18, 1e-12))
    bottom.axvline(len(ddp) / 2 + 0.5, color=PALETTE[6], linestyle=":", linewidth=1)
    top.axvline(len(ddp) / 2 + 0.5, color=PALETTE[6], linestyle=":", linewidth=1)
    top.text(len(ddp) / 2 + 1, 0.92, "epoch 2", fontsize=8, color=INK, transform=top.get_xaxis_transform())
    bottom.text(0.99, 0.06, "no dot: exactly equal", fontsize=8, color=INK, ha="right", transform=bottom.transAxes)
    return fig
