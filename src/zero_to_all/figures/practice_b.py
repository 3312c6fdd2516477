"""Figures of Part 5, In practice (second half): speed and devices, common
errors, reading older code.

Measured values (a profile, timings, loss histories, softmax outputs) come from
the snippets' own runs (`snippet()`); the floating-point formats are drawn
directly.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from . import PALETTE, figure, snippet

SPEED = "snippets/practice/speed.py"
ERRORS = "snippets/practice/common_errors.py"
OLDER = "snippets/practice/older_code.py"

INK = "#343a40"  # dark grey: reads on white and on the light card of the dark theme


def _np(value):
    """A snippet value (tensor, list or number) as a NumPy array."""
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


# ---------------------------------------------------------------- speed and devices


@figure("speed/profile", uses=[SPEED])
def profile_top_operators():
    run = snippet(SPEED)
    names = [name for name, _ in run["top_ops"]][::-1]
    ms = [value for _, value in run["top_ops"]][::-1]
    total = run["step_ms"]
    fig = Figure(figsize=(7.2, 3.6), layout="constrained")
    ax = fig.subplots()
    colors = [PALETTE[1] if "conv" in name else PALETTE[0] for name in names]
    bars = ax.barh(range(len(names)), ms, color=colors)
    for bar, value in zip(bars, ms):
        ax.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f" {value:.2f} ms ({value / total:.0%})",
            va="center",
            fontsize=8,
            color=INK,
        )
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlim(0, max(ms) * 1.35)
    ax.set(
        xlabel="self CPU time per training step (ms)",
        title=f"the slowest operators of one step ({total:.1f} ms in all); convolutions in orange",
    )
    ax.title.set_fontsize(9)
    ax.grid(axis="y", visible=False)
    return fig


@figure("speed/measurements", uses=[SPEED])
def speed_measurements():
    run = snippet(SPEED)
    steps = {
        "CNN, float32": run["cnn_fp32_ms"],
        "CNN, bfloat16 autocast": run["cnn_bf16_ms"],
        "MLP, float32": run["mlp_fp32_ms"],
        "MLP, bfloat16 autocast": run["mlp_bf16_ms"],
        "MLP, torch.compile": run["compiled_step_ms"],
    }
    rates = {f"num_workers={w}": rate for w, rate in run["loader_rates"].items()}
    fig = Figure(figsize=(8.0, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.6, 1])
    names = list(steps)[::-1]
    colors = [PALETTE[0] if "float32" in n else PALETTE[2] if "bfloat16" in n else PALETTE[4] for n in names]
    bars = left.barh(range(len(names)), [steps[n] for n in names], color=colors)
    for bar in bars:
        left.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f" {bar.get_width():.1f}",
            va="center",
            fontsize=8,
            color=INK,
        )
    left.set_yticks(range(len(names)), names, fontsize=8)
    left.set_xlim(0, max(steps.values()) * 1.2)
    left.set(xlabel="ms per training step (shorter is faster)")
    left.grid(axis="y", visible=False)
    names = list(rates)
    bars = right.bar(range(len(names)), [rates[n] for n in names], color=[PALETTE[6], PALETTE[5]])
    for bar in bars:
        right.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height(),
            f"{bar.get_height():,.0f}",
            ha="center",
            va="bottom",
            fontsize=8,
            color=INK,
        )
    right.set_xticks(range(len(names)), names, fontsize=8)
    right.set_ylim(0, max(rates.values()) * 1.2)
    right.set(ylabel="MNIST images per second")
    right.grid(axis="x", visible=False)
    return fig


@figure("speed/formats")
def float_formats():
    """The bit layout of float32, bfloat16 and float16 (a drawing, no data)."""
    formats = [("float32", 8, 23), ("bfloat16", 8, 7), ("float16", 5, 10)]
    fig = Figure(figsize=(8.4, 2.6), layout="constrained")
    ax = fig.subplots()
    for row, (name, exponent, mantissa) in enumerate(formats):
        y = len(formats) - 1 - row
        parts = [("sign", 1, PALETTE[3]), ("exponent", exponent, PALETTE[0]), ("mantissa", mantissa, PALETTE[2])]
        x = 0
        for label, bits, color in parts:
            for b in range(bits):
                ax.add_patch(
                    Rectangle((x + b, y), 1, 0.7, facecolor=color, edgecolor="white", linewidth=0.8, alpha=0.85)
                )
            ax.text(
                x + bits / 2,
                y + 0.35,
                f"{bits}" if bits < 3 else f"{label} {bits}",
                ha="center",
                va="center",
                fontsize=8,
                color="white",
                fontweight="bold",
            )
            x += bits
        eps = 2.0**-mantissa
        largest = (2 - 2.0**-mantissa) * 2.0 ** (2 ** (exponent - 1) - 1)
        ax.text(-0.6, y + 0.35, name, ha="right", va="center", fontsize=9, color=INK)
        ax.text(
            33,
            y + 0.35,
            f"eps $2^{{-{mantissa}}}$ = {eps:.2g},  max {largest:.3g}",
            ha="left",
            va="center",
            fontsize=8,
            color=INK,
        )
    ax.set_xlim(-7, 52)
    ax.set_ylim(-0.2, len(formats))
    ax.axis("off")
    return fig


# ---------------------------------------------------------------- common errors


@figure("common-errors/silent", uses=[ERRORS])
def silent_errors():
    histories = snippet(ERRORS)["histories"]
    fig = Figure(figsize=(7.2, 3.6), layout="constrained")
    ax = fig.subplots()
    window = 10
    for color, (name, losses) in zip(PALETTE, histories.items()):
        losses = np.asarray(losses)
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        steps = np.arange(window, len(losses) + 1)
        ax.plot(np.arange(1, len(losses) + 1), losses, color=color, alpha=0.2, linewidth=0.8)
        ax.plot(steps, smooth, color=color, label=name)
    floor = math.log(1 + 9 / math.e)
    ax.axhline(floor, color=PALETTE[6], linestyle="--", linewidth=1, label=r"floor with softmax first, $\log(1 + 9/e)$")
    ax.set(
        xlabel="batch (100 images each, 2 epochs; thick: mean of 10 batches)",
        ylabel="cross-entropy of the batch",
        xlim=(0, len(losses)),
        ylim=(0, 5),
    )
    ax.legend(fontsize=8, loc="upper right")
    return fig


# ---------------------------------------------------------------- reading older code


@figure("older-code/implicit-dim", uses=[OLDER])
def implicit_dim():
    run = snippet(OLDER)
    panels = [
        ("F.softmax(x): the guess, dim=0 (time)", _np(run["guessed_first"])),
        ("F.softmax(x, dim=2): over the classes", _np(run["correct_first"])),
    ]
    fig = Figure(figsize=(8.0, 3.6), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, (title, p) in zip(axes, panels):
        steps, classes = p.shape
        ax.imshow(p, cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for t in range(steps):
            for k in range(classes):
                ax.text(
                    k,
                    t,
                    f"{p[t, k]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if p[t, k] > 0.55 else INK,
                )
            ax.text(
                classes - 0.3,
                t,
                f"Σ {p[t].sum():.2f}",
                ha="left",
                va="center",
                fontsize=7,
                color=PALETTE[1] if not math.isclose(p[t].sum(), 1, abs_tol=1e-3) else PALETTE[2],
            )
        for k in range(classes):
            ax.text(
                k,
                steps - 0.3,
                f"Σ {p[:, k].sum():.2f}",
                ha="center",
                va="top",
                fontsize=7,
                color=PALETTE[1] if not math.isclose(p[:, k].sum(), 1, abs_tol=1e-3) else PALETTE[2],
            )
        ax.set_xticks(range(classes))
        ax.set_yticks(range(steps))
        ax.set_xlim(-0.5, classes + 0.4)
        ax.set_ylim(steps + 0.3, -0.5)
        ax.set(xlabel="class", ylabel="time step")
        ax.set_title(title, fontsize=9)
        ax.grid(False)
        ax.tick_params(length=0)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
    return fig
