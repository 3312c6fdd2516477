"""Figures of Part 1, Basics.

Values a snippet computes come from its own run (`snippet()`); pure math
(activation functions, loss surfaces, the example graphs) is drawn directly.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from . import PALETTE, figure, snippet

LINEAR_MODEL = "snippets/basics/linear_model.py"
GRADIENT_DESCENT = "snippets/basics/gradient_descent.py"


@figure("linear-model/cost-vs-w", uses=[LINEAR_MODEL])
def cost_vs_w():
    run = snippet(LINEAR_MODEL)
    w, mse = np.array(run["w_list"]), np.array(run["mse_list"])
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.plot(w, mse, marker="o", markersize=3)
    best = int(np.argmin(mse))
    ax.annotate(
        f"minimum: w = {w[best]:.1f}",
        (w[best], mse[best]),
        xytext=(w[best] + 0.4, 6),
        arrowprops={"arrowstyle": "->", "color": PALETTE[6]},
    )
    ax.set(xlabel="weight $w$", ylabel=r"cost $\mathcal{L}(w)$ (MSE)", xlim=(0, 4), ylim=(0, None))
    return fig


@figure("linear-model/cost-surface", uses=[LINEAR_MODEL])
def cost_surface():
    run = snippet(LINEAR_MODEL)
    w, b = np.array(run["w_list"]), np.array(run["b_list"])
    grid = np.array(run["cost_grid"])  # rows: b, columns: w
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    levels = [0.05, 0.25, 1, 4, 16]  # each contour 4x the cost of the one inside it
    shading = ax.contourf(
        w,
        b,
        np.clip(grid, 1e-3, None),
        levels=np.geomspace(1e-3, grid.max(), 16),
        norm=LogNorm(),
        cmap="viridis_r",
        alpha=0.8,
    )
    lines = ax.contour(w, b, grid, levels=levels, colors="k", linewidths=0.6)
    ax.clabel(lines, fmt="%g", fontsize=8)
    ax.plot([run["w_best"]], [run["b_best"]], marker="*", markersize=14, color=PALETTE[1])
    ax.set(xlabel="weight $w$", ylabel="bias $b$", title=r"MSE of $\hat y = xw + b$ (contours 0.05 to 16)")
    ax.grid(False)
    bar = fig.colorbar(shading, ax=ax, label="MSE (log scale)")
    bar.set_ticks([1e-2, 1e-1, 1, 10])
    return fig


@figure("gradient-descent/loss-curve", uses=[GRADIENT_DESCENT])
def loss_curve():
    run = snippet(GRADIENT_DESCENT)
    history = np.array(run["history"])
    fig = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.semilogy(range(len(history)), history, marker="o", markersize=4)
    ax.set(xlabel="epoch", ylabel="cost (log scale)", title="batch gradient descent")
    return fig


@figure("gradient-descent/learning-rates", uses=[GRADIENT_DESCENT])
def learning_rates():
    run = snippet(GRADIENT_DESCENT)
    runs = run["lr_runs"]
    x, y = np.array(run["x_data"]), np.array(run["y_data"])

    def cost(w):
        return ((np.multiply.outer(w, x) - y) ** 2).mean(axis=-1)

    fig = Figure(figsize=(9.6, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    grid = np.linspace(-0.5, 4.5, 200)
    left.plot(grid, cost(grid), color=PALETTE[6], linewidth=1)
    labels = {0.005: "too small", 0.05: "good", 0.22: "too large"}
    for color, (lr, ws) in zip(PALETTE, runs.items()):
        ws = np.array(ws[:8])
        left.plot(
            ws, cost(ws), marker="o", markersize=3, color=color, linewidth=1, label=f"lr = {lr} ({labels.get(lr, '')})"
        )
        right.semilogy(range(len(runs[lr])), cost(np.array(runs[lr])), color=color, marker=".", label=f"lr = {lr}")
    left.set(xlabel="$w$", ylabel="cost", title="the first 7 steps on the cost curve", xlim=(-0.5, 4.5), ylim=(0, 25))
    left.legend(fontsize=8)
    right.set(xlabel="epoch", ylabel="cost (log scale)", title="cost per epoch")
    right.legend(fontsize=8)
    return fig


@figure("gradient-descent/sgd-vs-batch", uses=[GRADIENT_DESCENT])
def sgd_vs_batch():
    run = snippet(GRADIENT_DESCENT)
    n = len(run["x_data"])
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    batch = np.array(run["history"])
    ax.semilogy(np.arange(len(batch)) * n, batch, marker="o", markersize=3, label=f"batch ({n} samples per update)")
    sgd = np.array(run["sgd_costs"])
    ax.semilogy(np.arange(len(sgd)), sgd, marker=".", label="SGD (1 sample per update)")
    mini = np.array(run["minibatch_costs"])
    # the batches of one epoch hold 2 then 1 samples
    seen = np.concatenate([[0], np.cumsum(([2, 1] * len(mini))[: len(mini) - 1])])
    ax.semilogy(seen, mini, marker=".", label="mini-batch (2 samples per update)")
    ax.set(xlabel="samples processed", ylabel="cost (log scale)", xlim=(0, 30))
    ax.legend(fontsize=8)
    return fig


@figure("gradient-descent/local-minima", uses=[GRADIENT_DESCENT])
def local_minima():
    run = snippet(GRADIENT_DESCENT)
    x, y = np.array(run["x_data"]), np.array(run["y_sin"])

    def cost(w):
        return ((np.sin(np.multiply.outer(w, x)) - y) ** 2).mean(axis=-1)

    fig = Figure(figsize=(9.6, 3.8), layout="constrained")
    ax = fig.subplots()
    grid = np.linspace(-1, 5, 600)
    ax.plot(grid, cost(grid), color=PALETTE[6], linewidth=1.2, label=r"cost of $\hat y = \sin(wx)$")
    ends = sorted({round(path[-1], 2) for path in run["sin_paths"].values()})
    colour_of = {end: PALETTE[i % len(PALETTE)] for i, end in enumerate(ends)}
    for w0, path in run["sin_paths"].items():
        path = np.array(path)
        colour = colour_of[round(path[-1], 2)]
        ax.plot(path[:30], cost(path[:30]), color=colour, marker=".", markersize=3, linewidth=0.8)
        ax.plot([w0], [cost(np.array([w0]))[0]], marker="o", color=colour, markersize=6, markerfacecolor="none")
    for end in ends:
        ax.plot([end], [cost(np.array([end]))[0]], marker="*", color=colour_of[end], markersize=14)
        ax.annotate(
            f"w = {end:.2f}\ncost {cost(np.array([end]))[0]:.2f}",
            (end, cost(np.array([end]))[0]),
            xytext=(0, -14),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=8,
            color=colour_of[end],
        )
    ax.set(
        xlabel="weight $w$",
        ylabel=r"cost $\mathcal{L}(w)$",
        xlim=(-1, 5),
        ylim=(-0.75, 2.4),
        title="gradient descent from 10 starts (circles) ends in the minimum (star) of its valley",
    )
    ax.legend(fontsize=8, loc="upper left")
    return fig


# ---------------------------------------------------------------- tensors, backpropagation, autograd

TENSORS = "snippets/basics/tensors.py"
BACKPROPAGATION = "snippets/basics/backpropagation.py"
AUTOGRAD = "snippets/basics/autograd.py"

INK = "#343a40"  # dark grey: readable on white and on the light card of the dark theme
FORWARD, BACKWARD = PALETTE[0], PALETTE[1]


def _bare(ax, xlim, ylim):
    ax.set(xlim=xlim, ylim=ylim, aspect="equal")
    ax.axis("off")


def _grid(ax, values, x0, y0, real, color, cell=1.0):
    """Draw a matrix of numbers with its top-left corner at (x0, y0); cells where
    `real` is False are broadcast copies (hatched, grey numbers)."""
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            x, y = x0 + j * cell, y0 - (i + 1) * cell
            is_real = bool(real[i, j])
            ax.add_patch(
                Rectangle(
                    (x, y),
                    cell,
                    cell,
                    facecolor=color if is_real else "none",
                    alpha=0.35 if is_real else 1.0,
                    edgecolor=INK if is_real else "#ced4da",
                    linewidth=0.8,
                    hatch=None if is_real else "///",
                )
            )
            if not is_real:  # the outline again, fully opaque, over the hatch
                ax.add_patch(Rectangle((x, y), cell, cell, fill=False, edgecolor=INK, linewidth=0.8))
            ax.text(
                x + cell / 2,
                y + cell / 2,
                f"{values[i, j]:g}",
                ha="center",
                va="center",
                fontsize=11,
                color=INK if is_real else PALETTE[6],
                fontweight="bold" if is_real else "normal",
            )


@figure("tensors/broadcasting", uses=[TENSORS])
def broadcasting():
    run = snippet(TENSORS)
    col = run["col"].numpy()  # (3, 1)
    row = run["row"].numpy()  # (4,)
    total = run["grid_sum"].numpy()  # (3, 4)
    rows, cols = total.shape
    fig = Figure(figsize=(9.6, 3.4), layout="constrained")
    ax = fig.subplots()
    _bare(ax, (-0.3, 16.2), (-1.9, 4.4))

    real_col = np.zeros((rows, cols), bool)
    real_col[:, 0] = True
    real_row = np.zeros((rows, cols), bool)
    real_row[0, :] = True
    _grid(ax, np.broadcast_to(col, (rows, cols)), 0, 3, real_col, PALETTE[0])
    _grid(ax, np.broadcast_to(row, (rows, cols)), 5.5, 3, real_row, PALETTE[1])
    _grid(ax, total, 11, 3, np.ones((rows, cols), bool), PALETTE[2])
    ax.text(4.75, 1.5, "+", fontsize=20, ha="center", va="center", color=INK)
    ax.text(10.25, 1.5, "=", fontsize=20, ha="center", va="center", color=INK)
    titles = [
        (2, "col: (3, 1)  stretched to (3, 4)"),
        (7.5, "row: (4,) = (1, 4)  stretched to (3, 4)"),
        (13, "col + row: (3, 4)"),
    ]
    for x, text in titles:
        ax.text(x, 3.35, text, ha="center", va="bottom", fontsize=10, color=INK)
    ax.text(
        8,
        -0.6,
        "align the shapes on the right:   col 3 × 1   ·   row (1) × 4   →   3 × 4\n"
        "each pair of sizes must be equal, or one of them 1 (that one is repeated)",
        ha="center",
        va="top",
        fontsize=9.5,
        color=INK,
        linespacing=1.6,
    )
    return fig


@figure("tensors/strides", uses=[TENSORS])
def strides():
    run = snippet(TENSORS)
    X = run["X"].numpy()  # (3, 4), values 0..11 stored row by row
    views = [
        ("X", X, "shape (3, 4), stride (4, 1): contiguous"),
        ("X.T", X.T, "shape (4, 3), stride (1, 4): not contiguous"),
    ]
    fig = Figure(figsize=(9.6, 5.6), layout="constrained")
    axes = fig.subplots(2, 1)
    for ax, (name, tensor, caption) in zip(axes, views):
        _bare(ax, (-0.3, 19.5), (-1.6, 4.6))
        # the tensor as printed: each of its rows in one colour
        for i, values in enumerate(tensor):
            for j, v in enumerate(values):
                ax.add_patch(
                    Rectangle(
                        (j * 0.9, 3.6 - (i + 1) * 0.9),
                        0.9,
                        0.9,
                        facecolor=PALETTE[i],
                        alpha=0.35,
                        edgecolor=INK,
                        linewidth=0.8,
                    )
                )
                ax.text(j * 0.9 + 0.45, 3.6 - (i + 0.5) * 0.9, f"{v}", ha="center", va="center", fontsize=10, color=INK)
        ax.text(0, 3.9, f"{name}  ({caption})", fontsize=10, color=INK, va="bottom")
        # the memory block: 12 numbers in a row, coloured by the row of `tensor` they belong to
        owner = {int(v): i for i, values in enumerate(tensor) for v in values}
        for k in range(X.size):
            ax.add_patch(
                Rectangle(
                    (5.4 + k * 1.15, 0.6),
                    1.15,
                    1.15,
                    facecolor=PALETTE[owner[k]],
                    alpha=0.35,
                    edgecolor=INK,
                    linewidth=0.8,
                )
            )
            ax.text(5.4 + k * 1.15 + 0.575, 1.175, f"{k}", ha="center", va="center", fontsize=10, color=INK)
        ax.text(5.4, 2.0, "memory (shared by both): one flat block", fontsize=9, color=PALETTE[6], va="bottom")
        # arrows: the order in which reading `tensor` row by row visits memory
        order = [int(v) for v in tensor[0]]
        for a, b in zip(order, order[1:]):
            xa, xb = 5.4 + a * 1.15 + 0.575, 5.4 + b * 1.15 + 0.575
            ax.annotate(
                "",
                xy=(xb, 0.55),
                xytext=(xa, 0.55),
                arrowprops={"arrowstyle": "->", "color": INK, "linewidth": 1, "connectionstyle": "arc3,rad=0.45"},
            )
        step = order[1] - order[0]
        ax.text(
            5.4,
            -1.25,
            f"reading row 0 of {name}: each next element is {step} step{'s' if step > 1 else ''} further in memory",
            fontsize=9,
            color=INK,
        )
    return fig


@figure("backpropagation/activations")
def activations():
    z = np.linspace(-4, 4, 401)
    sigmoid = 1 / (1 + np.exp(-z))
    curves = [
        (
            "sigmoid",
            r"$\sigma(z) = \frac{1}{1 + e^{-z}}$",
            sigmoid,
            r"$\sigma(z)\,(1 - \sigma(z))$",
            sigmoid * (1 - sigmoid),
        ),
        ("ReLU", r"$\max(0, z)$", np.maximum(0, z), r"$1$ if $z > 0$ else $0$", (z > 0).astype(float)),
        ("softplus", r"$\log(1 + e^{z})$", np.log1p(np.exp(z)), r"$\sigma(z)$", sigmoid),
    ]
    fig = Figure(figsize=(9.6, 3.2), layout="constrained")
    for ax, (name, f_label, f, d_label, d) in zip(fig.subplots(1, 3), curves):
        ax.plot(z, f, color=FORWARD, linewidth=2, label=f_label)
        if name == "ReLU":  # the derivative jumps at 0: draw the two pieces apart
            ax.plot(z[z < 0], d[z < 0], color=BACKWARD, linewidth=2, linestyle="--", label=d_label)
            ax.plot(z[z > 0], d[z > 0], color=BACKWARD, linewidth=2, linestyle="--")
        else:
            ax.plot(z, d, color=BACKWARD, linewidth=2, linestyle="--", label=d_label)
        ax.set(
            title=name,
            xlabel="$z$",
            ylabel=f"{name}$(z)$ and its derivative",
            xlim=(-4, 4),
            ylim=(-0.08, 1.25) if name == "sigmoid" else (-0.3, 4.2),
        )
        ax.axhline(0, color=PALETTE[6], linewidth=0.6)
        ax.axvline(0, color=PALETTE[6], linewidth=0.6)
        ax.legend(loc="upper left", fontsize=9, title="function / derivative", title_fontsize=8)
    return fig


def _op(ax, xy, symbol, radius=0.42):
    ax.add_patch(Circle(xy, radius, facecolor="none", edgecolor=INK, linewidth=1.4))
    ax.text(*xy, symbol, ha="center", va="center", fontsize=15, color=INK)


def _edge(ax, start, end, above=None, below=None, shrink_start=0, shrink_end=15):
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": "-|>",
            "color": INK,
            "linewidth": 1.2,
            "shrinkA": shrink_start,
            "shrinkB": shrink_end,
        },
    )
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    if above:
        ax.text(mid[0], mid[1] + 0.16, above, ha="center", va="bottom", fontsize=10.5, color=FORWARD)
    if below:
        ax.text(mid[0], mid[1] - 0.16, below, ha="center", va="top", fontsize=10.5, color=BACKWARD)


def _leaf(ax, xy, value, grad=None):
    """An input of the graph: its value (blue) and, if we want it, its gradient (orange)."""
    x, y = xy
    ax.add_patch(
        FancyBboxPatch(
            (x - 1.0, y - 0.45),
            2.0,
            0.9,
            boxstyle="round,pad=0.04,rounding_size=0.12",
            facecolor="none",
            edgecolor=INK,
            linewidth=1,
        )
    )
    ax.text(x, y + (0.17 if grad else 0), value, ha="center", va="center", fontsize=10.5, color=FORWARD)
    if grad:
        ax.text(x, y - 0.2, grad, ha="center", va="center", fontsize=10.5, color=BACKWARD)


@figure("backpropagation/graph", uses=[BACKPROPAGATION])
def graph():
    run = snippet(BACKPROPAGATION)
    v, g = run["graph_values"], run["graph_grads"]
    d = r"\partial\mathcal{L}/\partial "
    fig = Figure(figsize=(9.6, 3.6), layout="constrained")
    ax = fig.subplots()
    _bare(ax, (-0.7, 13.2), (-1.3, 4.1))
    mul, add, sub, sq, out = (2.9, 2.4), (5.6, 2.4), (8.3, 2.4), (10.8, 2.4), (13.1, 2.4)
    for xy, symbol in [(mul, r"$\times$"), (add, "$+$"), (sub, "$-$"), (sq, r"$(\cdot)^2$")]:
        _op(ax, xy, symbol)
    leaves = [
        ((0.4, 3.5), mul, f"$x = {v['x']:g}$", None),
        ((0.4, 1.2), mul, f"$w = {v['w']:g}$", f"${d}w = {g['w']:g}$"),
        ((3.9, 0.4), add, f"$b = {v['b']:g}$", f"${d}b = {g['b']:g}$"),
        ((6.8, 0.4), sub, f"$y = {v['y']:g}$", None),
    ]
    for (x, y), target, value, grad in leaves:
        _leaf(ax, (x, y), value, grad)
        start = (x + 1.0, y) if target is mul else (x, y + 0.45)  # right side, or top
        _edge(ax, start, target, shrink_start=0, shrink_end=17)
    _edge(ax, mul, add, f"$u = {v['u']:g}$", f"${d}u = {g['u']:g}$", 17, 17)
    _edge(ax, add, sub, f"$\\hat y = {v['y_hat']:g}$", f"${d}\\hat y = {g['y_hat']:g}$", 17, 17)
    _edge(ax, sub, sq, f"$s = {v['s']:g}$", f"${d}s = {g['s']:g}$", 17, 17)
    _edge(ax, sq, out, f"$\\mathcal{{L}} = {v['loss']:g}$", f"${d}\\mathcal{{L}} = {g['loss']:g}$", 17, 0)
    local = [
        (mul, r"$\partial u/\partial w = x$"),
        (add, r"$\partial \hat y/\partial u = \partial \hat y/\partial b = 1$"),
        (sub, r"$\partial s/\partial \hat y = 1$"),
        (sq, r"$\partial \mathcal{L}/\partial s = 2s$"),
    ]
    for (x, y), text in local:
        ax.text(x, y + 0.55, text, ha="center", va="bottom", fontsize=9, color=PALETTE[6])
    ax.text(
        -0.6,
        -0.65,
        "blue: the values the forward pass computed and stored, left to right\n"
        "orange: the gradients the backward pass multiplied together, right to left\n"
        "grey: each node's local derivative",
        va="top",
        fontsize=8.5,
        color=INK,
        linespacing=1.5,
    )
    return fig


@figure("backpropagation/zero-grad", uses=[BACKPROPAGATION])
def zero_grad():
    run = snippet(BACKPROPAGATION)
    with_zero = np.array(run["w_history"])
    without = np.array(run["no_zero_w_history"])
    per_epoch = len(run["x_data"])
    fig = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    steps = np.arange(len(with_zero))
    ax.plot(steps, with_zero, marker=".", color=PALETTE[2], label="w.grad.zero_() after each update")
    ax.plot(steps, without, marker=".", color=PALETTE[3], label="never zeroed: gradients pile up")
    ax.axhline(2.0, color=PALETTE[6], linewidth=1, linestyle=":")
    ax.text(len(steps) - 1, 2.05, "$w = 2$", ha="right", va="bottom", color=PALETTE[6], fontsize=9)
    ax.set(xlabel=f"update (one per sample, {per_epoch} per epoch)", ylabel="$w$", ylim=(0.8, 3.6))
    ax.legend(fontsize=8, loc="upper left", ncols=2)
    return fig


def _box(ax, xy, lines, color, width=2.3, height=1.0):
    x, y = xy
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.05,rounding_size=0.15",
            facecolor=color,
            alpha=0.25,
            edgecolor=INK,
            linewidth=1,
        )
    )
    ax.text(x, y, "\n".join(lines), ha="center", va="center", fontsize=9.5, color=INK, linespacing=1.5)


@figure("autograd/graph", uses=[AUTOGRAD])
def autograd_graph():
    # The example of the page: a = a2 = 5, b = a * 5, c = b / 2 + a2 * 5, with the numbers of its run.
    v = snippet(AUTOGRAD)["graph_numbers"]
    fig = Figure(figsize=(9.6, 3.2), layout="constrained")
    ax = fig.subplots()
    _bare(ax, (-1.4, 14.0), (-1.3, 3.6))
    leaf, inner = PALETTE[2], PALETTE[0]
    nodes = {
        "a": ((0, 2.8), [f"a = {v['a']:g}   (leaf)", f"a.grad = {v['a.grad']:g}"], leaf),
        "a2": ((0, 0.6), [f"a2 = {v['a2']:g}   (leaf)", f"a2.grad = {v['a2.grad']:g}"], leaf),
        "b": ((4.2, 2.8), [f"b = a * 5 = {v['b']:g}", "grad_fn: MulBackward0"], inner),
        "half": ((8.4, 2.8), [f"b / 2 = {v['b'] / 2:g}", "grad_fn: DivBackward0"], inner),
        "five": ((8.4, 0.6), [f"a2 * 5 = {v['a2'] * 5:g}", "grad_fn: MulBackward0"], inner),
        "c": ((12.6, 1.7), [f"c = {v['c']:g}", "grad_fn: AddBackward0"], inner),
    }
    for xy, lines, color in nodes.values():
        _box(ax, xy, lines, color, width=2.6)
    edges = [
        ("a", "b", r"$\partial b/\partial a = 5$"),
        ("b", "half", r"$\frac{\partial (b/2)}{\partial b} = \frac{1}{2}$"),
        ("half", "c", "$1$"),
        ("a2", "five", r"$\partial (a_2 \cdot 5)/\partial a_2 = 5$"),
        ("five", "c", "$1$"),
    ]
    for src, dst, local in edges:
        (x0, y0), (x1, y1) = nodes[src][0], nodes[dst][0]
        start, end = (x0 + 1.35, y0), (x1 - 1.35, y1)
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": INK, "linewidth": 1.1})
        ax.text(
            (start[0] + end[0]) / 2 - (0.25 if dst == "c" else 0),
            (start[1] + end[1]) / 2 + 0.12,
            local,
            ha="center",
            va="bottom",
            fontsize=10,
            color=BACKWARD,
        )
    ax.text(0, 2.2, r"$= 1 \cdot \frac{1}{2} \cdot 5$", ha="center", va="top", fontsize=10, color=BACKWARD)
    ax.text(
        4.2,
        2.2,
        "b.grad stays None: used on the way\nto a, then freed (b.retain_grad()\nbefore backward keeps it: 0.5)",
        ha="center",
        va="top",
        fontsize=8.5,
        color=PALETTE[6],
        linespacing=1.4,
    )
    ax.text(
        -1.4,
        -0.35,
        "green: leaves (created by you with requires_grad=True): backward() fills their .grad\n"
        "blue: results of operations: each remembers the grad_fn that computes its local derivatives",
        fontsize=8.5,
        color=INK,
        va="top",
        linespacing=1.5,
    )
    return fig


# ---------------------------------------------------------------- linear regression, optimizers

LINEAR_REGRESSION = "snippets/basics/linear_regression.py"
MSE_AND_CONDITIONING = "snippets/basics/mse_and_conditioning.py"
OPTIMIZERS = "snippets/basics/optimizers.py"


def _np(values) -> np.ndarray:
    """A tensor or list from a snippet's run as a float numpy array."""
    if hasattr(values, "numpy"):
        return values.detach().cpu().numpy().astype(float)
    return np.asarray(values, dtype=float)


# ---------------------------------------------------------------- linear regression, MSE and conditioning


@figure("linear-regression/fits-per-epoch", uses=[LINEAR_REGRESSION])
def fits_per_epoch():
    run = snippet(LINEAR_REGRESSION)
    x, y = _np(run["x"]).ravel(), _np(run["y"]).ravel()
    shown = [0, 1, 2, 3, 5, 10, 20, 50]
    colours = colormaps["viridis_r"](np.linspace(0.15, 1.0, len(shown)))
    fig = Figure(figsize=(9.6, 3.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    grid = np.array([0.0, 3.0])
    for ax, key, title in (
        (axes[0], "full_batch_history", "full batch: 1 update per epoch"),
        (axes[1], "mini_batch_history", "mini-batches of 10: 10 updates per epoch"),
    ):
        history = run[key]
        ax.scatter(x, y, s=8, color=PALETTE[6], alpha=0.6, label="data")
        for colour, epoch in zip(colours, shown):
            w, b = history[epoch]
            ax.plot(grid, w * grid + b, color=colour, linewidth=1.4, label=f"epoch {epoch}")
        ax.plot(grid, 3 * grid + 2, color="k", linestyle="--", linewidth=1, label="true line 3x + 2")
        ax.set(title=title, xlabel="$x$", xlim=(0, 3))
    axes[0].set_ylabel("$y$")
    axes[1].legend(fontsize=7, loc="upper left", ncol=2)
    return fig


@figure("mse-and-conditioning/polynomial-features", uses=[MSE_AND_CONDITIONING])
def polynomial_features():
    run = snippet(MSE_AND_CONDITIONING)
    x, y = _np(run["x_poly"]).ravel(), _np(run["y_poly"]).ravel()
    w1, w2, w3, b = run["cubic_coefficients"]
    slope, intercept = run["line_coefficients"]
    grid = np.linspace(-2, 2, 200)
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.scatter(x, y, s=8, color=PALETTE[6], alpha=0.7, label="data: $0.5x^3 - 2x + 1$ + noise")
    ax.plot(grid, slope * grid + intercept, color=PALETTE[1], label=r"features $(x)$: a line")
    ax.plot(
        grid,
        w1 * grid + w2 * grid**2 + w3 * grid**3 + b,
        color=PALETTE[0],
        linewidth=2,
        label=r"features $(x, x^2, x^3)$: a cubic",
    )
    ax.set(xlabel="$x$", ylabel="$y$", xlim=(-2, 2), title="the same nn.Linear, different features")
    ax.legend(fontsize=8)
    return fig


@figure("mse-and-conditioning/loss-powers", uses=[MSE_AND_CONDITIONING])
def loss_powers():
    run = snippet(MSE_AND_CONDITIONING)
    x, y = _np(run["x"]).ravel(), _np(run["y_outliers"]).ravel()
    glitches = _np(run["glitches"]).astype(int)
    fig = Figure(figsize=(9.6, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.5]})
    errors = np.linspace(-3, 3, 200)
    colours = {1: PALETTE[2], 2: PALETTE[0], 4: PALETTE[3]}
    for m, colour in colours.items():
        left.plot(errors, np.abs(errors) ** m, color=colour, label=f"$m = {m}$")
    left.set(xlabel=r"error $y - \hat y$", ylabel=r"$|y - \hat y|^m$", ylim=(0, 9), title="the price of one error")
    left.legend(fontsize=8)
    normal = np.setdiff1d(np.arange(len(x)), glitches)
    right.scatter(x[normal], y[normal], s=8, color=PALETTE[6], alpha=0.6, label="data")
    right.scatter(x[glitches], y[glitches], s=30, marker="x", color="k", label="5 outliers")
    grid = np.array([0.0, 3.0])
    for m, colour in colours.items():
        w, b = run["power_fits"][m]
        right.plot(grid, w * grid + b, color=colour, linewidth=1.8, label=f"$m = {m}$: w = {w:.2f}, b = {b:.2f}")
    right.plot(grid, 3 * grid + 2, color="k", linestyle="--", linewidth=1, label="true line")
    right.set(xlabel="$x$", ylabel="$y$", xlim=(0, 3), title="fits minimising mean $|y - \\hat y|^m$")
    right.legend(fontsize=7, loc="upper left")
    return fig


@figure("mse-and-conditioning/slope-vs-bias", uses=[MSE_AND_CONDITIONING])
def slope_vs_bias():
    run = snippet(MSE_AND_CONDITIONING)
    x, y = _np(run["x"]).ravel(), _np(run["y"]).ravel()
    history = np.array(run["full_batch_history"])  # (epochs + 1, 2): w, b
    w_star, b_star = run["w_star"], run["b_star"]
    fig = Figure(figsize=(9.6, 3.9), layout="constrained")
    left, right = fig.subplots(1, 2)
    ws, bs = np.linspace(-0.5, 4.5, 200), np.linspace(-1, 4, 200)
    W, B = np.meshgrid(ws, bs)
    mse = ((W[..., None] * x + B[..., None] - y) ** 2).mean(axis=-1)
    left.contour(
        W,
        B,
        mse,
        levels=np.geomspace(mse.min() * 1.05, mse.max(), 14),
        colors=PALETTE[6],
        linewidths=0.6,
        norm=LogNorm(),
    )
    left.plot(
        history[:, 0],
        history[:, 1],
        marker="o",
        markersize=3,
        color=PALETTE[0],
        linewidth=1,
        label="full-batch GD, lr = 0.1",
    )
    left.plot(
        [w_star],
        [b_star],
        marker="*",
        markersize=13,
        color=PALETTE[1],
        linestyle="none",
        label="least squares $(w^*, b^*)$",
    )
    left.set(xlabel="slope $w$", ylabel="bias $b$", title="50 epochs from (0, 0) on the MSE contours")
    left.legend(fontsize=8, loc="upper right")
    epochs = np.arange(len(history))
    right.semilogy(epochs, np.abs(history[:, 0] - w_star), color=PALETTE[0], label=r"$|w - w^*|$")
    right.semilogy(epochs, np.abs(history[:, 1] - b_star), color=PALETTE[1], label=r"$|b - b^*|$")
    slow = 1 - run["lr"] * float(run["eigenvalues"][0])
    right.semilogy(
        epochs[5:],
        1.2 * np.abs(history[5, 1] - b_star) * slow ** (epochs[5:] - 5),
        color="k",
        linestyle=":",
        linewidth=1,
        label=f"slope of ${slow:.3f}^t$",
    )
    right.set(xlabel="epoch", ylabel="distance to the answer", title="fast slope, slow bias")
    right.legend(fontsize=8)
    return fig


@figure("mse-and-conditioning/divergence", uses=[MSE_AND_CONDITIONING])
def divergence():
    run = snippet(MSE_AND_CONDITIONING)
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.subplots()
    for colour, (label, losses) in zip(PALETTE, run["divergence_runs"].items()):
        losses = np.array(losses, dtype=float)
        finite = np.isfinite(losses)
        epochs = np.arange(len(losses))
        ax.semilogy(epochs[finite], losses[finite], color=colour, marker=".", label=label)
        if not finite.all():
            ax.axvline(run["first_inf"], color=colour, linestyle=":", linewidth=1)
            ax.annotate(
                f"loss = inf from epoch {run['first_inf']},\nnan from epoch {run['first_nan']}",
                (run["first_inf"], 1e30),
                xytext=(run["first_inf"] + 2, 1e30),
                fontsize=8,
                color=colour,
            )
    ax.axhline(float(np.finfo(np.float32).max), color=PALETTE[6], linewidth=0.8, linestyle="--")
    ax.annotate("largest float32, 3.4e38", (1, 3.4e38), xytext=(1, 4e39), fontsize=8, color=PALETTE[6])
    ax.set(
        xlabel="epoch",
        ylabel="MSE loss (log scale)",
        ylim=(1e-1, 1e42),
        title="below, above and far above the largest stable learning rate",
    )
    ax.legend(fontsize=8, loc="center right")
    return fig


# ---------------------------------------------------------------- optimizers


def _quadratic(x, y):
    return 0.5 * (x**2 + 20 * y**2)


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


PROBLEMS = {  # name: (function, x range, y range, minimum)
    "quadratic": (_quadratic, (-4.5, 1.5), (-1.2, 1.4), (0.0, 0.0)),
    "rosenbrock": (_rosenbrock, (-1.6, 1.4), (-0.4, 1.8), (1.0, 1.0)),
}


@figure("optimizers/trajectories", uses=[OPTIMIZERS])
def trajectories():
    run = snippet(OPTIMIZERS)
    fig = Figure(figsize=(9.6, 7.4), layout="constrained")
    axes = fig.subplots(2, 2, gridspec_kw={"height_ratios": [1.25, 1]})
    titles = {
        "quadratic": r"$\frac{1}{2}(x^2 + 20y^2)$: 60 steps",
        "rosenbrock": r"Rosenbrock $(1-x)^2 + 100(y-x^2)^2$: 1000 steps",
    }
    for column, (problem, (f, xr, yr, minimum)) in enumerate(PROBLEMS.items()):
        top, bottom = axes[0, column], axes[1, column]
        X, Y = np.meshgrid(np.linspace(*xr, 300), np.linspace(*yr, 300))
        Z = f(X, Y)
        top.contour(
            X,
            Y,
            Z,
            levels=np.geomspace(max(Z.min(), 1e-2), Z.max(), 16),
            colors=PALETTE[6],
            linewidths=0.5,
            norm=LogNorm(),
        )
        for colour, (name, path) in zip(PALETTE, run["paths"][problem].items()):
            path = _np(path)
            top.plot(
                path[:, 0],
                path[:, 1],
                color=colour,
                linewidth=2.6 if (name, problem) == ("gradient descent", "rosenbrock") else 1.2,
                marker="." if len(path) < 100 else None,
                markersize=3,
                label=name,
            )
            top.plot(path[-1, 0], path[-1, 1], marker="o", color=colour, markersize=5)
            values = np.maximum(f(path[:, 0], path[:, 1]), 1e-16)
            bottom.semilogy(np.arange(len(path)), values, color=colour, linewidth=1.2, label=name)
        top.plot(
            *run[f"{problem}_start"].tolist(), marker="s", color="k", markersize=5, linestyle="none", label="start"
        )
        top.plot(*minimum, marker="*", color="k", markersize=11, linestyle="none", label="minimum")
        top.set(xlim=xr, ylim=yr, xlabel="$x$", ylabel="$y$", title=titles[problem])
        top.grid(False)
        bottom.set(xlabel="step", ylabel="$f$ (log scale)", ylim=(1e-12, None))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=len(labels), fontsize=8)
    return fig


@figure("optimizers/schedules", uses=[OPTIMIZERS])
def schedules():
    run = snippet(OPTIMIZERS)
    fig = Figure(figsize=(9.6, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    for colour, (name, (lrs, momenta)) in zip(PALETTE, run["schedules"].items()):
        left.plot(np.arange(len(lrs)), lrs, color=colour, linewidth=1.6, label=name)
        if name.startswith("OneCycle"):
            right.plot(np.arange(len(momenta)), momenta, color=colour, linewidth=1.6, label=name)
    left.set(xlabel="step", ylabel="learning rate", title="learning rate set before each step")
    left.legend(fontsize=8)
    right.set(xlabel="step", ylabel="momentum", title="OneCycleLR also cycles momentum")
    return fig


@figure("optimizers/bias-correction")
def bias_correction():
    """Adam's step for a constant gradient g = 1, with and without bias correction (pure math)."""
    beta1, beta2 = 0.9, 0.999
    t = np.arange(1, 5001)
    m, v = 1 - beta1**t, 1 - beta2**t  # the moments after t steps of g = 1, started at 0
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.semilogx(t, m / np.sqrt(v), color=PALETTE[3], label=r"without: $m_t / \sqrt{v_t}$")
    ax.semilogx(
        t,
        (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t)),
        color=PALETTE[0],
        linewidth=2,
        label=r"with: $\hat m_t / \sqrt{\hat v_t}$",
    )
    peak = int(np.argmax(m / np.sqrt(v)))
    ax.annotate(
        f"{(m / np.sqrt(v))[peak]:.1f} times too large at step {t[peak]}",
        (t[peak], (m / np.sqrt(v))[peak]),
        xytext=(60, 5.6),
        fontsize=8,
        arrowprops={"arrowstyle": "->", "color": PALETTE[6]},
    )
    ax.set(
        xlabel="step $t$ (log scale)",
        ylabel=r"step length in units of $\alpha$",
        ylim=(0, 7.5),
        title=r"Adam with a constant gradient, $\beta_1 = 0.9$, $\beta_2 = 0.999$",
    )
    ax.legend(fontsize=8, loc="center right")
    return fig
