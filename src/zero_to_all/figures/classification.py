"""Figures of Part 2, Classification.

Values a snippet computes come from its own run (`snippet()`); pure math
(the sigmoid, softmax regions, activation functions) is drawn directly.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from . import PALETTE, figure, snippet

# ---------------------------------------------------------------- logistic regression, multiple inputs, softmax

LOGISTIC = "snippets/classification/logistic_regression.py"
MULTIPLE_INPUTS = "snippets/classification/multiple_inputs.py"
SOFTMAX = "snippets/classification/softmax.py"


def _np(value):
    """A snippet value (tensor, list or number) as a NumPy array."""
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@figure("logistic-regression/sigmoid")
def sigmoid_curve():
    z = np.linspace(-8, 8, 401)
    s = _sigmoid(z)
    fig = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(z, s, label=r"$\sigma(z) = 1 / (1 + e^{-z})$")
    ax.plot(z, s * (1 - s), color=PALETTE[1], label=r"$\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$")
    ax.axhline(0.5, color=PALETTE[6], linestyle="--", linewidth=1)
    ax.axhline(1.0, color=PALETTE[6], linestyle=":", linewidth=1)
    ax.axvline(0.0, color=PALETTE[6], linestyle=":", linewidth=1)
    ax.set(xlabel="$z = xw + b$ (the logit)", ylabel="value", xlim=(-8, 8), ylim=(-0.02, 1.05))
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.legend(loc="center right", fontsize=9)
    return fig


@figure("logistic-regression/bce-cases")
def bce_cases():
    p = np.linspace(0.005, 0.995, 400)
    fig = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(p, -np.log(p), label=r"$y = 1$: $\ -\log \hat y$")
    ax.plot(p, -np.log(1 - p), color=PALETTE[1], label=r"$y = 0$: $\ -\log(1 - \hat y)$")
    ax.annotate(
        "confident and wrong:\nthe loss grows without bound",
        (0.03, -np.log(0.03)),
        xytext=(0.12, 4.5),
        fontsize=9,
        arrowprops={"arrowstyle": "->", "color": PALETTE[6]},
    )
    ax.set(
        xlabel=r"predicted probability $\hat y$ of class 1", ylabel="loss of one example", xlim=(0, 1), ylim=(0, 5.3)
    )
    ax.legend(loc="center", bbox_to_anchor=(0.5, 0.5), fontsize=9)
    return fig


@figure("logistic-regression/pass-probability", uses=[LOGISTIC])
def pass_probability():
    run = snippet(LOGISTIC)
    w, b = run["w_pass"], run["b_pass"]
    x = _np(run["x_data"]).ravel()
    y = _np(run["y_data"]).ravel()
    hours = np.linspace(0, 10, 401)
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.plot(hours, _sigmoid(w * hours + b), label=rf"$\hat y = \sigma({w:.2f}\,x {b:+.2f})$")
    ax.axhline(0.5, color=PALETTE[6], linestyle="--", linewidth=1, label="0.5: pass above, fail below")
    boundary = -b / w
    ax.axvline(boundary, color=PALETTE[6], linestyle=":", linewidth=1)
    ax.annotate(
        f"boundary\nx = {boundary:.2f} h",
        (boundary, 0.5),
        xytext=(boundary + 0.6, 0.25),
        fontsize=9,
        arrowprops={"arrowstyle": "->", "color": PALETTE[6]},
    )
    ax.scatter(x[y == 0], y[y == 0], color=PALETTE[1], zorder=3, label="failed (y = 0)")
    ax.scatter(x[y == 1], y[y == 1], color=PALETTE[2], zorder=3, label="passed (y = 1)")
    ax.set(xlabel="hours studied $x$", ylabel="P(pass)", xlim=(0, 10), ylim=(-0.05, 1.05))
    ax.legend(loc="center right", fontsize=8)
    return fig


@figure("logistic-regression/decision-boundary", uses=[LOGISTIC])
def decision_boundary():
    run = snippet(LOGISTIC)
    x = _np(run["x_noisy"]).ravel()
    y = _np(run["y_noisy"]).ravel()
    w, b = run["w_noisy"], run["b_noisy"]
    rng = np.random.default_rng(0)  # vertical jitter, only so the dots do not overlap
    jitter = rng.uniform(-0.04, 0.04, size=x.shape)
    grid = np.linspace(-10, 12, 441)
    fig = Figure(figsize=(7.2, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.scatter(x[y == 0], y[y == 0] + jitter[y == 0], s=10, alpha=0.6, color=PALETTE[1], label="class 0")
    ax.scatter(x[y == 1], y[y == 1] + jitter[y == 1], s=10, alpha=0.6, color=PALETTE[2], label="class 1")
    ax.plot(grid, _sigmoid(w * grid + b), color=PALETTE[0], label=rf"fitted $\sigma({w:.2f}\,x {b:+.2f})$")
    ax.plot(
        grid, _sigmoid(2 * grid - 2), color=PALETTE[6], linestyle="--", label=r"true $P(y = 1 \mid x) = \sigma(2x - 2)$"
    )
    ax.axvline(-b / w, color=PALETTE[0], linestyle=":", linewidth=1.2)
    ax.axvline(1.0, color=PALETTE[6], linestyle=":", linewidth=1.2)
    ax.text(-b / w + 0.25, 0.3, f"fitted\nboundary\n{-b / w:.2f}", fontsize=8, color=PALETTE[0])
    ax.text(1.0 - 0.25, 0.75, "true\nboundary\n1", fontsize=8, color=PALETTE[6], ha="right")
    ax.set(xlabel="$x$", ylabel="class / probability of class 1", xlim=(-10, 12), ylim=(-0.1, 1.1))
    ax.legend(loc="center left", fontsize=8, bbox_to_anchor=(0.0, 0.68))
    return fig


@figure("multiple-inputs/loss-curves", uses=[MULTIPLE_INPUTS])
def diabetes_loss_curves():
    run = snippet(MULTIPLE_INPUTS)
    curves = run["loss_curves"]
    shown = ["8-1 (logistic regression)", "8-6-4-1, sigmoid", "8-64-64-1 (wide and deep)"]
    fig = Figure(figsize=(7.2, 3.6), layout="constrained")
    ax = fig.subplots()
    for color, name in zip(PALETTE, shown):
        train_losses, test_losses = curves[name]
        epochs = np.arange(1, len(train_losses) + 1)
        ax.plot(epochs, train_losses, color=color, label=f"{name}: train")
        ax.plot(epochs, test_losses, color=color, linestyle="--", label=f"{name}: test")
    ax.set(
        xlabel="epoch (one full-batch Adam step each)",
        ylabel="binary cross-entropy",
        xlim=(0, len(epochs)),
        ylim=(0, None),
    )
    ax.legend(fontsize=8, ncol=1, loc="upper left")
    return fig


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@figure("softmax/argmax-regions")
def argmax_regions():
    x = np.linspace(-6, 6, 601)
    z = np.stack([-x, np.ones_like(x), x - 1], axis=1)  # (601, 3)
    p = _softmax(z)
    names = [r"$z_0 = -x$", r"$z_1 = 1$", r"$z_2 = x - 1$"]
    regions = [(-6, -1), (-1, 2), (2, 6)]  # where each logit is the largest
    fig = Figure(figsize=(7.2, 5.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1.1, 1])
    for k, (lo, hi) in enumerate(regions):
        for ax in (top, bottom):
            ax.axvspan(lo, hi, color=PALETTE[k], alpha=0.08, linewidth=0)
        top.text((lo + hi) / 2, 6.3, f"class {k} wins", ha="center", fontsize=9, color=PALETTE[k])
        top.plot(x, z[:, k], color=PALETTE[k], label=names[k])
        bottom.plot(x, p[:, k], color=PALETTE[k], label=f"$P(y = {k})$")
    for x0 in (-5, 1, 4):
        zs = np.array([-x0, 1, x0 - 1])
        top.scatter([x0] * 3, zs, color=[PALETTE[k] for k in range(3)], zorder=3, s=18)
        top.axvline(x0, color=PALETTE[6], linestyle=":", linewidth=1)
        bottom.axvline(x0, color=PALETTE[6], linestyle=":", linewidth=1)
    for b in (-1, 2):
        top.axvline(b, color=PALETTE[6], linewidth=0.8)
        bottom.axvline(b, color=PALETTE[6], linewidth=0.8)
    top.set(ylabel="logit $z_i$", ylim=(-7.5, 7.5))
    top.legend(fontsize=8, loc="lower right")
    bottom.set(
        xlabel="$x$ (dotted: the table's x = -5, 1, 4)", ylabel="softmax probability", xlim=(-6, 6), ylim=(0, 1.02)
    )
    bottom.legend(fontsize=8, loc="center right")
    return fig


@figure("softmax/good-vs-bad", uses=[SOFTMAX])
def good_vs_bad():
    run = snippet(SOFTMAX)
    targets = _np(run["Y"])
    rows = {"good logits Y_pred1": _np(run["probs_good"]), "bad logits Y_pred2": _np(run["probs_bad"])}
    fig = Figure(figsize=(7.6, 4.4), layout="constrained")
    axes = fig.subplots(2, len(targets), sharey=True)
    for r, (title, probs) in enumerate(rows.items()):
        for n, target in enumerate(targets):
            ax = axes[r, n]
            colors = [PALETTE[2] if k == target else PALETTE[6] for k in range(probs.shape[1])]
            ax.bar(range(probs.shape[1]), probs[n], color=colors)
            ax.set_xticks(range(probs.shape[1]))
            ax.set_ylim(0, 1)
            ax.grid(axis="x", visible=False)
            ax.set_title(
                f"sample {n}: true class {target}\n$-\\log p_{{{target}}} = {-np.log(probs[n, target]):.2f}$",
                fontsize=9,
            )
            if n == 0:
                ax.set_ylabel(f"{title}\nprobability", fontsize=9)
            if r == 1:
                ax.set_xlabel("class", fontsize=9)
    return fig


# ---------------------------------------------------------------- datasets and loaders, MNIST MLP, MLP from scratch

DATASETS = "snippets/classification/datasets_and_loaders.py"
FOUNDATIONS = "snippets/classification/mlp_foundations.py"
MNIST_MLP = "snippets/classification/mnist_mlp.py"
FROM_SCRATCH = "snippets/classification/mlp_from_scratch.py"

INK = "#343a40"  # dark grey: reads on white and on the light card of the dark theme


def _digit_grid(images, titles, colors=None, columns=8, size=1.05):
    """A grid of 28x28 digits (dark ink on white) with a title above each."""
    images = np.asarray(images, dtype=float)
    rows = int(np.ceil(len(images) / columns))
    fig = Figure(figsize=(columns * size, rows * size * 1.18), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= len(images):
            continue
        ax.imshow(images[i], cmap="gray_r", vmin=images[i].min(), vmax=images[i].max(), interpolation="nearest")
        ax.set_title(titles[i], fontsize=9, color=(colors[i] if colors else INK), pad=2)
    return fig


# --- datasets and loaders ---------------------------------------------------------------


@figure("datasets-and-loaders/mnist-grid", uses=[DATASETS])
def mnist_grid():
    run = snippet(DATASETS)
    images, labels = run["first_images"].numpy(), run["first_labels"]
    return _digit_grid(images, [f"label {label}" for label in labels])


@figure("datasets-and-loaders/batch-losses", uses=[DATASETS])
def batch_losses():
    run = snippet(DATASETS)
    losses = np.array(run["batch_losses"])
    per_epoch = len(losses) // 100  # 100 epochs of 24 iterations
    epochs = losses.reshape(100, per_epoch)
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    iteration = np.arange(1, len(losses) + 1)
    ax.plot(
        iteration / per_epoch,
        losses,
        color=PALETTE[0],
        linewidth=0.5,
        alpha=0.45,
        label="loss of each batch (one update)",
    )
    ax.plot(
        np.arange(1, 101),
        epochs.mean(axis=1),
        color=PALETTE[1],
        linewidth=2,
        label="mean over the 24 batches of an epoch",
    )
    ax.set(
        xlabel="epoch",
        ylabel="binary cross-entropy",
        xlim=(0, 100),
        title="diabetes, batch size 32: 24 updates per epoch",
    )
    ax.legend(fontsize=8)
    return fig


# --- MNIST with an MLP ------------------------------------------------------------------


@figure("mnist-mlp/curves", uses=[MNIST_MLP])
def mnist_curves():
    history = snippet(MNIST_MLP)["history"]
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig = Figure(figsize=(9.6, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(epochs, history["train_loss"], marker="o", label="training (mean over the epoch)")
    left.plot(epochs, history["test_loss"], marker="s", label="test (after the epoch)")
    left.set(xlabel="epoch", ylabel="cross-entropy loss", xticks=epochs, ylim=(0, None), title="loss")
    right.plot(epochs, 100 * np.array(history["train_accuracy"]), marker="o", label="training")
    right.plot(epochs, 100 * np.array(history["test_accuracy"]), marker="s", label="test")
    right.set(xlabel="epoch", ylabel="accuracy (%)", xticks=epochs, title="accuracy")
    for ax in (left, right):
        ax.legend(fontsize=8)
    return fig


@figure("mnist-mlp/init-signal", uses=[MNIST_MLP])
def mnist_init_signal():
    signal = snippet(MNIST_MLP)["deep_signal"]  # init name -> E[h^2] after each hidden layer
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    for (name, values), color, marker in zip(signal.items(), PALETTE, "osD"):
        layers = np.arange(1, len(values) + 1)
        ax.semilogy(layers, values, color=color, marker=marker, label=name)
    ax.set(
        xlabel="hidden layer (128 ReLU units each)",
        ylabel=r"$\mathbb{E}[h^2]$ of its output",
        xticks=np.arange(2, 21, 2),
        title="twenty-layer MLP at initialisation, 1,000 MNIST images",
    )
    ax.legend(fontsize=8, loc="lower left")
    return fig


@figure("mnist-mlp/confusion", uses=[MNIST_MLP])
def mnist_confusion():
    confusion = snippet(MNIST_MLP)["confusion"].numpy()
    fig = Figure(figsize=(6.0, 5.2), layout="constrained")
    ax = fig.subplots()
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for i in range(10):
        for j in range(10):
            count = confusion[i, j]
            if count:
                on_diagonal = i == j
                ax.text(
                    j,
                    i,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=7 if on_diagonal else 8,
                    color="white" if on_diagonal else (PALETTE[3] if count >= 10 else INK),
                    fontweight="bold" if count >= 10 and not on_diagonal else "normal",
                )
    ax.set(
        xticks=range(10),
        yticks=range(10),
        xlabel="predicted digit",
        ylabel="true digit",
        title="test set: counts (errors of 10 or more in bold)",
    )
    ax.grid(False)
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    return fig


@figure("mnist-mlp/mistakes", uses=[MNIST_MLP])
def mnist_mistakes():
    run = snippet(MNIST_MLP)
    images = run["wrong_images"].numpy()
    titles = [f"pred {p} · true {t}" for p, t in zip(run["wrong_predicted"], run["wrong_true"])]
    return _digit_grid(images, titles, colors=[PALETTE[3]] * len(titles), size=1.15)


# --- from the perceptron to the MLP ------------------------------------------------------


@figure("mlp-foundations/neuron")
def neuron():
    """A biological neuron next to the perceptron that imitates it (a drawing, no data)."""
    fig = Figure(figsize=(9.6, 3.6), layout="constrained")
    bio, art = fig.subplots(1, 2)
    for ax in (bio, art):
        ax.set_xlim(0, 10)
        ax.set_ylim(-0.6, 6)
        ax.set_aspect("equal")
        ax.set_axis_off()

    # Left: dendrites -> soma -> axon -> terminals
    rng = np.random.default_rng(3)
    soma = (3.4, 3.0)
    for angle in np.linspace(125, 235, 5):
        a = np.radians(angle)
        start = np.array(soma) + 0.55 * np.array([np.cos(a), np.sin(a)])
        end = np.array(soma) + 2.2 * np.array([np.cos(a), np.sin(a)])
        bio.plot(*zip(start, end), color=PALETTE[0], linewidth=2.2, solid_capstyle="round")
        for turn in (-25, 25):  # a fork at the tip of every dendrite
            b = a + np.radians(turn + rng.uniform(-8, 8))
            tip = end + 0.7 * np.array([np.cos(b), np.sin(b)])
            bio.plot(*zip(end, tip), color=PALETTE[0], linewidth=1.4, solid_capstyle="round")
    bio.add_patch(Circle(soma, 0.6, facecolor=PALETTE[0], alpha=0.25, edgecolor=PALETTE[0], linewidth=2))
    bio.add_patch(Circle(soma, 0.2, facecolor=PALETTE[0], edgecolor="none"))
    bio.plot([3.9, 8.3], [3.0, 3.0], color=PALETTE[1], linewidth=3, solid_capstyle="round")
    for dy in (-0.6, 0.0, 0.6):
        bio.plot([8.3, 9.1], [3.0, 3.0 + dy], color=PALETTE[1], linewidth=1.6)
        bio.add_patch(Circle((9.15, 3.0 + dy), 0.12, color=PALETTE[1]))
    labels = [
        ((1.5, -0.1), "dendrites:\ninputs from other cells", "center"),
        ((3.9, 4.3), "cell body:\nadds them up", "left"),
        ((6.1, 2.3), "axon: fires a spike if the\nsum passes a threshold", "center"),
        ((9.15, 4.3), "synapses:\nconnection\nstrengths", "center"),
    ]
    for (x, y), text, align in labels:
        bio.text(x, y, text, ha=align, va="center", fontsize=8.5, color=INK)
    bio.set_title("a biological neuron (simplified)", fontsize=10)

    # Right: inputs x_i -- w_i --> sum + b -> phi -> y_hat
    ys = [5.0, 3.0, 1.0]
    node = (5.2, 3.0)
    for i, y in enumerate(ys, start=1):
        art.add_patch(Circle((1.0, y), 0.42, facecolor="none", edgecolor=PALETTE[0], linewidth=1.6))
        art.text(1.0, y, f"$x_{i}$", ha="center", va="center", fontsize=11, color=INK)
        art.add_patch(
            FancyArrowPatch(
                (1.45, y),
                (node[0] - 0.62, node[1] + 0.25 * (2 - i)),
                arrowstyle="-|>",
                mutation_scale=12,
                color=PALETTE[6],
                linewidth=1.3,
            )
        )
        art.text(3.0, (y + node[1]) / 2 + 0.28, f"$w_{i}$", ha="center", fontsize=11, color=PALETTE[1])
    art.add_patch(Circle(node, 0.6, facecolor=PALETTE[0], alpha=0.18, edgecolor=PALETTE[0], linewidth=1.6))
    art.text(*node, r"$\Sigma$", ha="center", va="center", fontsize=15, color=INK)
    art.text(node[0], node[1] - 1.0, r"$z = w^\top x + b$", ha="center", fontsize=10, color=INK)
    art.add_patch(
        FancyBboxPatch(
            (6.55, 2.5),
            1.1,
            1.0,
            boxstyle="round,pad=0.05",
            facecolor=PALETTE[1],
            alpha=0.18,
            edgecolor=PALETTE[1],
            linewidth=1.6,
        )
    )
    art.text(7.1, 3.0, r"$\varphi$", ha="center", va="center", fontsize=14, color=INK)
    art.add_patch(
        FancyArrowPatch((5.85, 3.0), (6.5, 3.0), arrowstyle="-|>", mutation_scale=12, color=PALETTE[6], linewidth=1.3)
    )
    art.add_patch(
        FancyArrowPatch((7.72, 3.0), (8.8, 3.0), arrowstyle="-|>", mutation_scale=12, color=PALETTE[6], linewidth=1.3)
    )
    art.text(9.25, 3.0, r"$\hat y$", ha="center", va="center", fontsize=13, color=INK)
    art.text(7.1, 1.7, "activation:\nstep, sigmoid, ReLU", ha="center", va="center", fontsize=8.5, color=INK)
    art.text(3.0, 0.15, "weights = synapse strengths", ha="center", fontsize=8.5, color=PALETTE[1])
    art.set_title(r"the perceptron: $\hat y = \varphi(w^\top x + b)$", fontsize=10)
    return fig


@figure("mlp-foundations/decision-boundaries", uses=[FOUNDATIONS])
def decision_boundaries():
    run = snippet(FOUNDATIONS)
    points, classes = run["points"].numpy(), run["classes"].numpy().ravel()
    steps = run["grid_steps"].numpy()
    fig = Figure(figsize=(9.6, 4.4), layout="constrained")
    axes = fig.subplots(1, 2)
    panels = [
        (run["p_logistic"], "logistic regression: a straight boundary"),
        (run["p_mlp"], "MLP, 16 hidden ReLU units: a closed boundary"),
    ]
    for ax, (probability, title) in zip(axes, panels):
        p = probability.numpy().T  # rows: y, columns: x
        fill = ax.contourf(steps, steps, p, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.35)
        ax.contour(steps, steps, p, levels=[0.5], colors=INK, linewidths=2)
        for label, color, marker in ((1, PALETTE[0], "o"), (0, PALETTE[3], "^")):
            chosen = classes == label
            ax.scatter(
                points[chosen, 0],
                points[chosen, 1],
                s=10,
                color=color,
                marker=marker,
                label=f"class {label}",
                edgecolors="none",
            )
        ax.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6), aspect="equal", title=title, xlabel="$x_1$", ylabel="$x_2$")
        ax.grid(False)
    axes[0].legend(fontsize=8, loc="upper right")
    bar = fig.colorbar(fill, ax=axes, shrink=0.85, ticks=np.linspace(0, 1, 6))
    bar.set_label("predicted probability of class 1 (inner ring)")
    bar.outline.set_visible(False)
    return fig


@figure("mlp-foundations/activations")
def activation_functions():
    """ReLU, sigmoid, tanh, softplus, GELU and their derivatives (pure math)."""
    from math import erf, pi, sqrt

    z = np.linspace(-4, 4, 801)
    sigmoid = 1 / (1 + np.exp(-z))
    Phi = 0.5 * (1 + np.vectorize(erf)(z / sqrt(2)))
    phi = np.exp(-(z**2) / 2) / sqrt(2 * pi)
    curves = {
        "ReLU": (np.maximum(z, 0), (z > 0).astype(float)),
        "sigmoid": (sigmoid, sigmoid * (1 - sigmoid)),
        "tanh": (np.tanh(z), 1 - np.tanh(z) ** 2),
        "softplus": (np.log1p(np.exp(z)), sigmoid),
        "GELU": (z * Phi, Phi + z * phi),
    }
    fig = Figure(figsize=(9.6, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    for (name, (f, df)), color in zip(curves.items(), PALETTE):
        left.plot(z, f, color=color, label=name, linewidth=1.8)
        right.plot(z, df, color=color, label=name, linewidth=1.8)
    left.set(xlabel="$z$", ylabel=r"$\varphi(z)$", ylim=(-1.3, 3.0), title="activation")
    right.set(xlabel="$z$", ylabel=r"$\varphi'(z)$", ylim=(-0.2, 1.25), title="its derivative")
    left.legend(fontsize=8, loc="upper left")
    return fig


@figure("mlp-foundations/universal-approximation", uses=[FOUNDATIONS])
def universal_approximation():
    run = snippet(FOUNDATIONS)
    x, y = run["x_1d"].numpy().ravel(), run["y_1d"].numpy().ravel()
    fits = run["uat_fits"]
    fig = Figure(figsize=(9.6, 3.0), layout="constrained")
    axes = fig.subplots(1, len(fits), sharey=True)
    for ax, (hidden, fit), color in zip(axes, fits.items(), PALETTE[1:]):
        ax.plot(x, y, color=PALETTE[6], linewidth=4, alpha=0.5, label="target")
        ax.plot(x, fit.numpy().ravel(), color=color, linewidth=1.8, label="network")
        ax.set(title=f"{hidden} hidden sigmoid units", xlabel="$x$", ylim=(-1.4, 1.4))
    axes[0].set_ylabel("$y$")
    axes[0].legend(fontsize=8, loc="lower left")
    return fig


# --- an MLP from scratch -----------------------------------------------------------------


@figure("mlp-from-scratch/numpy-loss", uses=[FROM_SCRATCH])
def numpy_loss():
    losses = np.array(snippet(FROM_SCRATCH)["numpy_losses"])
    fig = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(np.arange(len(losses)), losses, color=PALETTE[0])
    ax.set(
        xlabel="epoch (one full-batch update)",
        ylabel=r"$\mathcal{L}$ (with the L2 term)",
        ylim=(0, None),
        title="two-layer MLP in NumPy, hand-written backprop",
    )
    return fig
