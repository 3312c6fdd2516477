"""Figures of Part 3, Convolutional networks.

Values a snippet computes (trained kernels, feature maps, timings, gradient
norms) come from its own run (`snippet()`); drawings of the idea (a kernel
sliding over an image, an Inception module, a residual block) are drawn directly.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from . import PALETTE, figure, snippet

CONVOLUTION = "snippets/cnn/convolution.py"
FAST = "snippets/cnn/fast_training.py"
ADVANCED = "snippets/cnn/advanced_cnns.py"

INK = "#343a40"  # dark grey: reads on white and on the light card of the dark theme
PAPER = "#ffffff"


def _np(value):
    """A snippet value (tensor, list or number) as a NumPy array."""
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


# ---------------------------------------------------------------- convolution and the first CNN


def _grid(ax, values, x0, y0, title=None, fill=None, highlight=None, color=PALETTE[0], fmt="{:.0f}"):
    """Draw a matrix of numbers as a grid of unit cells with its top-left corner at (x0, y0)."""
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            face = PAPER
            if fill is not None and fill[i, j]:
                face = fill[i, j]
            ax.add_patch(Rectangle((x0 + j, y0 - i - 1), 1, 1, facecolor=face, edgecolor=INK, linewidth=0.8))
            ax.text(
                x0 + j + 0.5, y0 - i - 0.5, fmt.format(values[i, j]), ha="center", va="center", fontsize=10, color=INK
            )
    if highlight is not None:
        (i, j), size = highlight
        ax.add_patch(Rectangle((x0 + j, y0 - i - size), size, size, facecolor="none", edgecolor=color, linewidth=3))
    if title:
        ax.text(x0 + cols / 2, y0 + 0.45, title, ha="center", va="bottom", fontsize=10, color=INK)


@figure("convolution/sliding")
def kernel_sliding():
    """A 3x3 kernel at two positions on a 5x5 image, and the output cell each position fills."""
    x = np.array([[0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1]], float)
    w = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], float)
    y = np.array([[(w * x[i : i + 3, j : j + 3]).sum() for j in range(3)] for i in range(3)])
    fig = Figure(figsize=(9.6, 5.6), layout="constrained")
    axes = fig.subplots(2, 1)
    for ax, (i, j), color in zip(axes, [(0, 0), (1, 2)], [PALETTE[1], PALETTE[2]]):
        ax.set_axis_off()
        ax.set_xlim(-0.2, 17.2)
        ax.set_ylim(-5.9, 1.4)
        ax.set_aspect("equal")
        tint = np.full(x.shape, None, dtype=object)
        tint[i : i + 3, j : j + 3] = color + "33"
        _grid(ax, x, 0, 0, "image $x$ (5×5)", fill=tint, highlight=((i, j), 3), color=color)
        ax.text(5.6, -2.5, "⊙", fontsize=20, ha="center", va="center", color=INK)
        ax.text(7.8, -4.5, "⊙: multiply element-wise, add up", fontsize=8, ha="center", va="center", color=PALETTE[6])
        _grid(ax, w, 6.3, -1, "kernel $w$ (3×3)", fill=np.full(w.shape, color + "33", dtype=object))
        ax.text(9.8, -2.5, "=", fontsize=20, ha="center", va="center", color=INK)
        done = np.full(y.shape, None, dtype=object)
        for a in range(3):
            for b in range(3):
                if (a, b) <= (i, j):
                    done[a, b] = "#e9ecef"
        done[i, j] = color + "55"
        shown = np.where([[(a, b) <= (i, j) for b in range(3)] for a in range(3)], y, np.nan)
        _grid(ax, shown, 10.6, -1, "output $y$ (3×3)", fill=done, highlight=((i, j), 1), color=color, fmt="{:.0f}")
        for t in ax.texts:
            if t.get_text() == "nan":
                t.set_text("")
        window = x[i : i + 3, j : j + 3]
        terms = " + ".join(f"({w[a, b]:.0f})({window[a, b]:.0f})" for a in range(3) for b in range(3) if w[a, b] != 0)
        ax.text(
            14.2,
            -2.5,
            f"$y_{{{i}{j}}}$ = sum of\nkernel × window\n= {y[i, j]:.0f}",
            ha="left",
            va="center",
            fontsize=9.5,
            color=color,
        )
        ax.text(0, -5.75, f"position ({i}, {j}): " + terms + f" = {y[i, j]:.0f}", fontsize=8.5, color=INK)
    return fig


@figure("convolution/feature-maps", uses=[CONVOLUTION])
def feature_maps():
    run = snippet(CONVOLUTION)
    digit = _np(run["digit_image"]).astype(float)
    kernels, maps = _np(run["kernels"]), _np(run["feature_maps"])
    n = len(kernels)
    fig = Figure(figsize=(10.4, 2.9))  # a fixed grid: constrained layout placed the images differently
    grid = {"left": 0.01, "right": 0.995, "top": 0.9, "bottom": 0.12, "wspace": 0.15, "hspace": 0.3}
    axes = fig.subplots(2, n + 1, gridspec_kw={"width_ratios": [1.3] + [1] * n, **grid})  # from one render to the next
    limit = np.abs(kernels).max()
    top = max(maps.max(), 1e-6)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for side in ax.spines.values():
            side.set_visible(True)
            side.set_color(PALETTE[6])
            side.set_linewidth(0.6)
    axes[0, 0].set_axis_off()
    axes[0, 0].text(
        1.0,
        0.5,
        "5×5 kernels\nof conv1\n(red > 0,\nblue < 0)",
        ha="right",
        va="center",
        fontsize=8.5,
        color=INK,
        transform=axes[0, 0].transAxes,
    )
    axes[1, 0].imshow(digit, cmap="gray_r", interpolation="nearest")
    axes[1, 0].set_title("input digit", fontsize=8.5)
    for k in range(n):
        axes[0, k + 1].imshow(kernels[k], cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        axes[0, k + 1].set_title(f"kernel {k}", fontsize=8)
        axes[1, k + 1].imshow(maps[k], cmap="magma", vmin=0, vmax=top, interpolation="nearest")
    fig.text(
        0.56,
        0.02,
        "bottom row: ReLU(conv1(digit)), the map each kernel above makes of the digit",
        ha="center",
        fontsize=8.5,
        color=INK,
    )
    return fig


# ---------------------------------------------------------------- fast training on a CPU


@figure("fast-training/where-the-time-goes", uses=[FAST])
def where_the_time_goes():
    run = snippet(FAST)
    times, speedups = run["times"], run["speedups"]
    labels, seconds = list(times), np.array(list(times.values()))
    steps = [labels[0]] + [f"+ {label}" for label in labels[1:]]
    fig = Figure(figsize=(8.4, 3.3), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(labels))[::-1]
    colors = [PALETTE[6]] + [PALETTE[0]] * (len(labels) - 1)
    ax.barh(y, seconds, color=colors, height=0.6)
    for yi, s, label in zip(y, seconds, labels):
        ax.text(
            s + seconds.max() * 0.01, yi, f"{s:.1f} s  ({speedups[label]:.1f}×)", va="center", fontsize=9, color=INK
        )
    ax.set_yticks(y, steps, fontsize=9)
    ax.set_xlim(0, seconds.max() * 1.25)
    ax.set_xlabel("seconds per epoch of 60,000 images, median of 5 rounds (each row adds one change to the row above)")
    ax.grid(axis="y", visible=False)
    return fig


# ---------------------------------------------------------------- advanced CNNs


@figure("advanced-cnns/gradient-norms", uses=[ADVANCED])
def gradient_norms():
    norms = snippet(ADVANCED)["gradient_norms_by_model"]
    fig = Figure(figsize=(7.6, 3.8), layout="constrained")
    ax = fig.subplots()
    styles = {
        "plain, sigmoid": (PALETTE[3], "v"),
        "plain, ReLU": (PALETTE[1], "o"),
        "plain, ReLU + BN": (PALETTE[4], "s"),
        "residual, BN": (PALETTE[2], "D"),
    }
    for name, values in norms.items():
        color, marker = styles.get(name, (PALETTE[0], "o"))
        layers = np.arange(1, len(values) + 1)
        ax.semilogy(layers, values, marker=marker, markersize=4, color=color, label=name)
    ax.set(
        xlabel="conv layer (1 = next to the input)",
        ylabel="‖∂L/∂W‖ of the layer's weights",
        title="gradient norm per layer of a 21-conv-layer CNN at initialisation, one batch of 64 digits",
    )
    ax.title.set_fontsize(9.5)
    ax.set_xticks([1, 5, 10, 15, 21])
    ax.legend(fontsize=8, loc="lower right")
    return fig


def _box(ax, x, y, w, h, text, color, fontsize=8.5):
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=color + "26",
            edgecolor=color,
            linewidth=1.4,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=INK)


def _arrow(ax, start, end, color=PALETTE[6]):
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=10, color=color, linewidth=1.2, shrinkA=0, shrinkB=0
        )
    )


@figure("advanced-cnns/inception-module")
def inception_module():
    """The course's Inception module: four branches, concatenated along channels (a drawing)."""
    fig = Figure(figsize=(8.4, 4.4), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6.2)
    _box(ax, 5, 5.7, 3.2, 0.55, "input: $C_{in}$ × H × W", PALETTE[6])
    columns = [
        (1.4, [("1×1 conv, 16", PALETTE[0])], "16"),
        (3.9, [("1×1 conv, 16", PALETTE[0]), ("5×5 conv, 24\npadding 2", PALETTE[1])], "24"),
        (
            6.4,
            [
                ("1×1 conv, 16", PALETTE[0]),
                ("3×3 conv, 24\npadding 1", PALETTE[2]),
                ("3×3 conv, 24\npadding 1", PALETTE[2]),
            ],
            "24",
        ),
        (8.8, [("3×3 avg-pool\nstride 1, padding 1", PALETTE[6]), ("1×1 conv, 24", PALETTE[0])], "24"),
    ]
    for x, boxes, channels in columns:
        _arrow(ax, (5, 5.4), (x, 4.95))
        y = 4.6
        for k, (text, color) in enumerate(boxes):
            _box(ax, x, y, 2.0, 0.62, text, color)
            if k + 1 < len(boxes):
                _arrow(ax, (x, y - 0.31), (x, y - 0.69))
            y -= 1.0
        _arrow(ax, (x, y + 0.69), (x, 0.91))
        ax.text(x + 0.1, (y + 0.69 + 0.91) / 2, f"{channels} × H × W", fontsize=8, color=PALETTE[6], va="center")
    _box(ax, 5, 0.6, 9.0, 0.62, "concatenate along channels: 16 + 24 + 24 + 24 = 88 × H × W", PALETTE[4])
    return fig


@figure("advanced-cnns/residual-block")
def residual_block():
    """A residual block next to a plain block (a drawing)."""
    fig = Figure(figsize=(8.0, 4.0), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, residual in zip(axes, (False, True)):
        ax.set_axis_off()
        ax.set_xlim(0, 5)
        ax.set_ylim(0, 7)
        ax.text(2.2, 6.7, "$x$", ha="center", fontsize=11, color=INK)
        steps = [
            ("3×3 conv", PALETTE[0]),
            ("batch norm", PALETTE[4]),
            ("ReLU", PALETTE[2]),
            ("3×3 conv", PALETTE[0]),
            ("batch norm", PALETTE[4]),
        ]
        y = 6.0
        _arrow(ax, (2.2, 6.55), (2.2, y + 0.25))
        for k, (text, color) in enumerate(steps):
            _box(ax, 2.2, y, 2.0, 0.5, text, color)
            if k + 1 < len(steps):
                _arrow(ax, (2.2, y - 0.25), (2.2, y - 0.6))
            y -= 0.85
        # after the last box: (+) then ReLU
        plus_y = y + 0.85 - 0.75
        if residual:
            ax.add_patch(
                FancyBboxPatch(
                    (2.2 - 0.22, plus_y - 0.22),
                    0.44,
                    0.44,
                    boxstyle="circle,pad=0",
                    facecolor=PAPER,
                    edgecolor=INK,
                    linewidth=1.2,
                )
            )
            ax.text(2.2, plus_y, "+", ha="center", va="center", fontsize=13, color=INK)
            _arrow(ax, (2.2, plus_y + 0.5), (2.2, plus_y + 0.22))
            ax.plot([2.2, 4.2, 4.2], [6.45, 6.45, plus_y], color=PALETTE[1], linewidth=1.8)
            _arrow(ax, (4.2, plus_y), (2.42, plus_y), color=PALETTE[1])
            ax.text(4.3, 3.6, "identity\n(skip)", fontsize=9, color=PALETTE[1], va="center")
            relu_y = plus_y - 0.75
            _arrow(ax, (2.2, plus_y - 0.22), (2.2, relu_y + 0.25))
            ax.set_title("residual block: ReLU($x + F(x)$)", fontsize=10)
        else:
            relu_y = plus_y
            _arrow(ax, (2.2, plus_y + 0.5), (2.2, relu_y + 0.25))
            ax.set_title("plain block: ReLU($F(x)$)", fontsize=10)
        _box(ax, 2.2, relu_y, 2.0, 0.5, "ReLU", PALETTE[2])
        ax.plot([0.95, 0.85, 0.85, 0.95], [6.25, 6.25, 2.35, 2.35], color=INK, linewidth=1)
        ax.text(0.75, 4.3, "$F(x)$", fontsize=11, color=INK, va="center", ha="right")
    return fig
