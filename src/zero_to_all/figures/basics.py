"""Figures of Part 1, Basics. Values a snippet computes come from its own run."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

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
    shading = ax.contourf(w, b, np.clip(grid, 1e-3, None), levels=np.geomspace(1e-3, grid.max(), 16),
                          norm=LogNorm(), cmap="viridis_r", alpha=0.8)
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
        left.plot(ws, cost(ws), marker="o", markersize=3, color=color, linewidth=1,
                  label=f"lr = {lr} ({labels.get(lr, '')})")
        right.semilogy(range(len(runs[lr])), cost(np.array(runs[lr])), color=color, marker=".",
                       label=f"lr = {lr}")
    left.set(xlabel="$w$", ylabel="cost", title="the first 7 steps on the cost curve",
             xlim=(-0.5, 4.5), ylim=(0, 25))
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
    ax.semilogy(np.arange(len(batch)) * n, batch, marker="o", markersize=3,
                label=f"batch ({n} samples per update)")
    sgd = np.array(run["sgd_costs"])
    ax.semilogy(np.arange(len(sgd)), sgd, marker=".", label="SGD (1 sample per update)")
    mini = np.array(run["minibatch_costs"])
    # the batches of one epoch hold 2 then 1 samples
    seen = np.concatenate([[0], np.cumsum(([2, 1] * len(mini))[: len(mini) - 1])])
    ax.semilogy(seen, mini, marker=".", label="mini-batch (2 samples per update)")
    ax.set(xlabel="samples processed", ylabel="cost (log scale)", xlim=(0, 30))
    ax.legend(fontsize=8)
    return fig
