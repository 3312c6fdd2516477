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
            ax.text(x0 + j + 0.5, y0 - i - 0.5, fmt.format(values[i, j]), ha="center", va="center",
                    fontsize=10, color=INK)
    if highlight is not None:
        (i, j), size = highlight
        ax.add_patch(Rectangle((x0 + j, y0 - i - size), size, size, facecolor="none", edgecolor=color,
                               linewidth=3))
    if title:
        ax.text(x0 + cols / 2, y0 + 0.45, title, ha="center", va="bottom", fontsize=10, color=INK)


@figure("convolution/sliding")
def kernel_sliding():
    """A 3x3 kernel at two positions on a 5x5 image, and the output cell each position fills."""
    x = np.array([[0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1]], float)
    w = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], float)
    y = np.array([[(w * x[i:i + 3, j:j + 3]).sum() for j in range(3)] for i in range(3)])
    fig = Figure(figsize=(9.6, 5.6), layout="constrained")
    axes = fig.subplots(2, 1)
    for ax, (i, j), color in zip(axes, [(0, 0), (1, 2)], [PALETTE[1], PALETTE[2]]):
        ax.set_axis_off()
        ax.set_xlim(-0.2, 17.2)
        ax.set_ylim(-5.4, 1.4)
        ax.set_aspect("equal")
        tint = np.full(x.shape, None, dtype=object)
        tint[i:i + 3, j:j + 3] = color + "33"
        _grid(ax, x, 0, 0, "image $x$ (5×5)", fill=tint, highlight=((i, j), 3), color=color)
        ax.text(5.6, -2.5, "⊙", fontsize=20, ha="center", va="center", color=INK)
        _grid(ax, w, 6.3, -1, "kernel $w$ (3×3)", fill=np.full(w.shape, color + "33", dtype=object))
        ax.text(9.8, -2.5, "=", fontsize=20, ha="center", va="center", color=INK)
        done = np.full(y.shape, None, dtype=object)
        for a in range(3):
            for b in range(3):
                if (a, b) <= (i, j):
                    done[a, b] = "#e9ecef"
        done[i, j] = color + "55"
        shown = np.where([[(a, b) <= (i, j) for b in range(3)] for a in range(3)], y, np.nan)
        _grid(ax, shown, 10.6, -1, "output $y$ (3×3)", fill=done, highlight=((i, j), 1), color=color,
              fmt="{:.0f}")
        for t in ax.texts:
            if t.get_text() == "nan":
                t.set_text("")
        window = x[i:i + 3, j:j + 3]
        terms = " + ".join(f"({w[a, b]:.0f})({window[a, b]:.0f})" for a in range(3) for b in range(3)
                           if w[a, b] != 0)
        ax.text(14.2, -2.5, f"$y_{{{i}{j}}}$ = sum of\nkernel × window\n= {y[i, j]:.0f}",
                ha="left", va="center", fontsize=9.5, color=color)
        ax.text(0, -5.25, f"position ({i}, {j}): " + terms + f" = {y[i, j]:.0f}", fontsize=8.5, color=INK)
    return fig


@figure("convolution/feature-maps", uses=[CONVOLUTION])
def feature_maps():
    run = snippet(CONVOLUTION)
    digit = _np(run["digit_image"]).astype(float)
    kernels, maps = _np(run["kernels"]), _np(run["feature_maps"])
    n = len(kernels)
    fig = Figure(figsize=(10.4, 3.5), layout="constrained")
    grid = fig.add_gridspec(2, n + 2, width_ratios=[2.2, 0.25] + [1] * n)
    ax = fig.add_subplot(grid[:, 0])
    ax.imshow(digit, cmap="gray_r", interpolation="nearest")
    ax.set_title("test digit", fontsize=9)
    ax.set_axis_off()
    limit = np.abs(kernels).max()
    for k in range(n):
        top = fig.add_subplot(grid[0, k + 2])
        top.imshow(kernels[k], cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        top.set_title(f"kernel {k}", fontsize=8)
        bottom = fig.add_subplot(grid[1, k + 2])
        bottom.imshow(maps[k], cmap="magma", vmin=0, vmax=max(maps.max(), 1e-6), interpolation="nearest")
        for a in (top, bottom):
            a.set_xticks([])
            a.set_yticks([])
            a.grid(False)
    fig.text(0.2, 0.73, "5×5 kernels of conv1\n(red > 0, blue < 0)", fontsize=8, ha="right", va="center",
             color=INK)
    fig.text(0.2, 0.27, "ReLU(conv1(digit))\n24×24 each", fontsize=8, ha="right", va="center", color=INK)
    return fig
