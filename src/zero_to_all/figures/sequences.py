"""Figures of Part 4, Sequences.

Values a snippet computes come from its own run (`snippet()`); the unrolled
RNN is a drawing and is drawn directly.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from . import PALETTE, figure, snippet

RNN = "snippets/sequences/rnn.py"
NAMES = "snippets/sequences/names_classifier.py"
MAKEMORE = "snippets/sequences/makemore.py"

INK = "#343a40"  # dark grey: reads on white and on the light card of the dark theme


def _arrow(ax, start, end, color=INK, style="-|>", **kwargs):
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle=style, mutation_scale=12, color=color, linewidth=1.4, shrinkA=0, shrinkB=0, **kwargs
        )
    )


def _box(ax, center, text, color, width=1.3, height=0.8, fontsize=11):
    x, y = center
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.06",
            facecolor=color,
            alpha=0.22,
            edgecolor=color,
            linewidth=1.6,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=INK)


# ---------------------------------------------------------------- recurrent networks


@figure("rnn/unrolled")
def unrolled():
    """The RNN as a loop, and the same loop unrolled over four time steps (a drawing)."""
    fig = Figure(figsize=(9.6, 3.5), layout="constrained")
    ax = fig.subplots()
    ax.set_xlim(-0.2, 13.2)
    ax.set_ylim(-0.35, 4.1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    cell_y, x_y, h_y = 1.9, 0.25, 3.55

    # folded: one cell with a loop
    _box(ax, (1.1, cell_y), "RNN", PALETTE[0])
    ax.text(1.1, x_y, "$x_t$", ha="center", va="center", fontsize=12, color=INK)
    ax.text(1.1, h_y, "$h_t$", ha="center", va="center", fontsize=12, color=INK)
    _arrow(ax, (1.1, x_y + 0.25), (1.1, cell_y - 0.47))
    _arrow(ax, (1.1, cell_y + 0.47), (1.1, h_y - 0.27))
    ax.add_patch(
        FancyArrowPatch(
            (1.8, cell_y + 0.25),
            (1.8, cell_y - 0.25),
            connectionstyle="arc3,rad=-1.9",
            arrowstyle="-|>",
            mutation_scale=12,
            color=PALETTE[1],
            linewidth=1.4,
        )
    )
    ax.text(2.55, cell_y, "$h_{t-1}$", ha="left", va="center", fontsize=11, color=PALETTE[1])
    ax.text(4.05, cell_y, "=", ha="center", va="center", fontsize=20, color=INK)

    # unrolled: the same cell (same weights) at t = 1..4
    xs = [5.8, 8.0, 10.2, 12.4]
    ax.text(4.75, cell_y + 0.55, "$h_0 = 0$", ha="center", va="bottom", fontsize=10, color=PALETTE[1])
    _arrow(ax, (4.55, cell_y), (xs[0] - 0.7, cell_y), color=PALETTE[1])
    for t, x in enumerate(xs, start=1):
        _box(ax, (x, cell_y), "RNN", PALETTE[0])
        ax.text(x, x_y, f"$x_{t}$", ha="center", va="center", fontsize=12, color=INK)
        ax.text(x, h_y, f"$h_{t}$", ha="center", va="center", fontsize=12, color=INK)
        _arrow(ax, (x, x_y + 0.25), (x, cell_y - 0.47))
        _arrow(ax, (x, cell_y + 0.47), (x, h_y - 0.27))
        if t < len(xs):
            _arrow(ax, (x + 0.7, cell_y), (xs[t] - 0.7, cell_y), color=PALETTE[1])
            ax.text((x + xs[t]) / 2, cell_y + 0.12, f"$h_{t}$", ha="center", va="bottom", fontsize=10, color=PALETTE[1])
    ax.text(
        9.1,
        -0.3,
        r"one set of weights $W_{ih}, W_{hh}, b_{ih}, b_{hh}$, used at every step",
        ha="center",
        va="center",
        fontsize=9.5,
        color=PALETTE[6],
    )
    return fig


@figure("rnn/gradient-distance", uses=[RNN])
def gradient_distance():
    ratios = snippet(RNN)["gradient_ratios"]
    fig = Figure(figsize=(7.2, 3.8), layout="constrained")
    ax = fig.subplots()
    styles = {
        "RNN": (PALETTE[3], "-"),
        "GRU": (PALETTE[2], "--"),
        "LSTM": (PALETTE[0], "-."),
        "LSTM, forget bias 2": (PALETTE[1], "-"),
    }
    for name, values in ratios.items():
        values = np.array(values)
        k = np.arange(len(values))
        keep = values > 0  # the plain RNN's gradient underflows to exactly 0 far back
        color, line = styles[name]
        ax.semilogy(
            k[keep],
            values[keep],
            color=color,
            linestyle=line,
            linewidth=1.8,
            label="plain RNN (tanh)" if name == "RNN" else name,
        )
    ax.set(
        xlabel="distance $T - t$ in time steps",
        xlim=(0, len(values) - 1),
        ylim=(1e-25, 5),
        ylabel=r"$\|\partial \mathcal{L} / \partial x_t\|$ relative to $t = T$",
        title="how far back the gradient of the last hidden state reaches (at initialisation)",
    )
    ax.legend(fontsize=9, loc="lower left")
    return fig


# ---------------------------------------------------------------- classifying names


@figure("names-classifier/confusion", uses=[NAMES])
def names_confusion():
    run = snippet(NAMES)
    confusion = run["confusion"].numpy().astype(float)
    languages = run["languages"]
    recall = confusion / confusion.sum(axis=1, keepdims=True)  # each row sums to 1
    fig = Figure(figsize=(8.0, 7.0), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(recall, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(languages)):
        for j in range(len(languages)):
            if recall[i, j] >= 0.05:
                ax.text(
                    j,
                    i,
                    f"{recall[i, j]:.0%}".replace("%", ""),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if recall[i, j] > 0.6 else INK,
                )
    rows = [f"{language} ({int(n)})" for language, n in zip(languages, confusion.sum(axis=1))]
    ax.set(
        xticks=range(len(languages)),
        yticks=range(len(languages)),
        xlabel="predicted language",
        ylabel="true language (test names)",
        title="share of each language's test names (%), by prediction",
    )
    ax.set_xticklabels(languages, rotation=60, ha="right", fontsize=8)
    ax.set_yticklabels(rows, fontsize=8)
    ax.grid(False)
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    fig.colorbar(image, ax=ax, shrink=0.6, label="share of the row")
    return fig


@figure("names-classifier/curves", uses=[NAMES])
def names_curves():
    history = snippet(NAMES)["history"]
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig = Figure(figsize=(9.6, 3.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(epochs, history["train_loss"], marker="o")
    left.set(xlabel="epoch", ylabel="cross-entropy (label smoothing 0.1)", xticks=epochs, title="training loss")
    right.plot(epochs, 100 * np.array(history["train_accuracy"]), marker="s", color=PALETTE[1])
    right.axhline(100 * snippet(NAMES)["majority"], color=PALETTE[6], linestyle="--", linewidth=1)
    right.text(1, 100 * snippet(NAMES)["majority"] + 1, "always Russian", fontsize=8, color=PALETTE[6])
    right.axhline(100 * snippet(NAMES)["test_accuracy"], color=PALETTE[2], linestyle=":", linewidth=1.2)
    right.text(1, 100 * snippet(NAMES)["test_accuracy"] + 1, "test names, after training", fontsize=8, color=PALETTE[2])
    right.set(
        xlabel="epoch",
        ylabel="accuracy (%)",
        xticks=epochs,
        ylim=(40, 100),
        title="accuracy on the training batches, while training",
    )
    return fig


# ---------------------------------------------------------------- makemore


@figure("makemore/bigram-counts", uses=[MAKEMORE])
def bigram_counts():
    run = snippet(MAKEMORE)
    N = run["N"].numpy()
    itos = run["itos"]
    fig = Figure(figsize=(9.6, 9.6), layout="constrained")
    ax = fig.subplots()
    ax.imshow(np.log1p(N), cmap="Blues")
    for i in range(27):
        for j in range(27):
            dark = np.log1p(N[i, j]) > 0.6 * np.log1p(N.max())
            color = "white" if dark else INK
            ax.text(j, i - 0.18, itos[i] + itos[j], ha="center", va="center", fontsize=6.5, color=color)
            ax.text(
                j,
                i + 0.22,
                str(N[i, j]),
                ha="center",
                va="center",
                fontsize=5.5,
                color=color if N[i, j] else PALETTE[3],
            )
    labels = [itos[i] for i in range(27)]
    ax.set(
        xticks=range(27),
        yticks=range(27),
        xlabel="next character $j$",
        ylabel="current character $i$",
        title="$N_{ij}$: how often $j$ follows $i$ in the 32,033 names (. = start or end)",
    )
    ax.set_xticklabels(labels)
    ax.set_yticklabels(labels)
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    ax.grid(False)
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    return fig


@figure("makemore/learning-curves", uses=[MAKEMORE])
def makemore_curves():
    run = snippet(MAKEMORE)
    sweep, curves, chosen = run["sweep"], np.array(run["curves"]), run["best_lr"]
    fig = Figure(figsize=(9.6, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.4])
    lrs = np.array(list(sweep))
    losses = np.array(list(sweep.values()))
    left.semilogx(lrs, losses, marker="o")
    left.scatter(
        [chosen],
        [sweep[chosen]],
        s=120,
        facecolors="none",
        edgecolors=PALETTE[1],
        linewidths=2,
        zorder=3,
        label=f"chosen: {chosen}",
    )
    left.set(
        xlabel="learning rate (constant)",
        ylabel="dev loss after 200 steps",
        title="choosing the learning rate",
        ylim=(min(losses) - 0.05, min(max(losses), 3.0) + 0.1),
    )
    left.legend(fontsize=8)
    steps, train, dev = curves[:, 0], curves[:, 1], curves[:, 2]
    right.plot(steps, train, marker="o", markersize=3, label="train (mean batch loss)")
    right.plot(steps, dev, marker="s", markersize=3, label="dev")
    right.axhline(run["bigram_dev"], color=PALETTE[6], linestyle="--", linewidth=1)
    right.text(
        steps[-1], run["bigram_dev"] - 0.02, "bigram model on dev", ha="right", va="top", fontsize=8, color=PALETTE[6]
    )
    right.axhline(2.15, color=PALETTE[3], linestyle=":", linewidth=1)
    right.text(steps[0], 2.16, "2.15", fontsize=8, color=PALETTE[3])
    right.set(
        xlabel="step (batch of 512)",
        ylabel="cross-entropy",
        title=f"the MLP, lr {chosen} with cosine decay",
        ylim=(1.8, 2.6),
    )
    right.legend(fontsize=8)
    return fig


@figure("makemore/embedding", uses=[MAKEMORE])
def makemore_embedding():
    run = snippet(MAKEMORE)
    points, labels = np.asarray(run["embedding_2d"]), run["token_labels"]
    fig = Figure(figsize=(5.6, 5.0), layout="constrained")
    ax = fig.subplots()
    vowels = set("aeiouy")
    for (x, y), label in zip(points, labels):
        color = PALETTE[1] if label in vowels else PALETTE[3] if label == "." else PALETTE[0]
        ax.scatter([x], [y], s=260, color=color, alpha=0.25, edgecolors="none")
        ax.text(x, y, label, ha="center", va="center", fontsize=11, color=INK)
    ax.set(
        xlabel="first principal direction",
        ylabel="second principal direction",
        title="the learned character vectors, projected to 2-D\n(orange: vowels and y; red: the start/end token)",
    )
    ax.set_aspect("equal", adjustable="datalim")
    return fig
