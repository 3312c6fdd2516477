"""Figures drawn at build time.

A figure is a function in `figures/<part>.py` that returns a matplotlib
`Figure`, registered under the name pages use:

    @figure("gradient-descent/loss-curve", uses=["snippets/basics/gradient_descent.py"])
    def loss_curve():
        run = snippet("snippets/basics/gradient_descent.py")
        ...

and a page shows it as `![alt](../figures/gradient-descent/loss-curve.svg)`.
A figure that plots what a snippet computed lists that snippet in `uses` and
reads the values with `snippet()` (one source of truth: the snippet's own run,
shared with the tests through the run cache). Rendering is deterministic (fixed
SVG hash salt, no date, seeded data) and cached by a hash of the figure's own
function (plus the module's shared helpers), this file, the snippets it uses
and the values of the runs it plots (so a figure of timings follows its run).
"""

from __future__ import annotations

import contextvars
import hashlib
import importlib
import io
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import CACHE, ROOT, atomic_write, cache_file, cached_versions

FIGURE_CACHE = CACHE / "figures"
_current: contextvars.ContextVar[FigureSpec | None] = contextvars.ContextVar("figure", default=None)

# Colours that read on white and on Material's dark "slate" background alike.
PALETTE = ["#1f77b4", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599", "#868e96"]
STYLE = {
    "svg.hashsalt": "pytorch-zero-to-all",
    "svg.fonttype": "path",
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "font.size": 10,
    "axes.prop_cycle": None,  # set below (needs cycler)
    "axes.grid": True,
    "grid.alpha": 0.35,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.transparent": True,
    "path.simplify": True,
}


class FigureError(RuntimeError):
    pass


@dataclass
class FigureSpec:
    name: str
    func: Callable
    module: str
    uses: tuple[str, ...]

    @property
    def source_file(self) -> Path:
        return Path(importlib.import_module(self.module).__file__)


REGISTRY: dict[str, FigureSpec] = {}


def figure(name: str, *, uses: list[str] | tuple[str, ...] = ()):
    """Register a figure function under `name` (served at figures/<name>.svg)."""

    def register(func):
        if name in REGISTRY and REGISTRY[name].module != func.__module__:
            raise FigureError(f"figure {name!r} is registered twice: in {REGISTRY[name].module} and {func.__module__}")
        for path in uses:
            if not (ROOT / path).is_file():
                raise FigureError(f"figure {name!r} uses {path!r}, which does not exist")
        REGISTRY[name] = FigureSpec(name, func, func.__module__, tuple(uses))
        return func

    return register


def load(reload: bool = False) -> dict[str, FigureSpec]:
    """Import every figure module (re-import with `reload`, for `mkdocs serve`)."""
    if reload:
        REGISTRY.clear()
    package = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(package)]), key=lambda i: i.name):
        module_name = f"{__name__}.{info.name}"
        module = importlib.import_module(module_name)
        if reload:
            importlib.reload(module)
    return REGISTRY


def snippet(path: str) -> dict:
    """The plain values (numbers, lists, arrays, tensors) a snippet defined when it
    ran top to bottom: from the run cache if its source is unchanged, else by
    running it now. Only snippets listed in the figure's `uses` may be read."""
    spec = _current.get()
    if spec is not None and path not in spec.uses:
        raise FigureError(
            f"figure {spec.name!r} reads {path!r} but does not list it in uses=[...]; "
            "add it so the figure's cache key covers that snippet"
        )
    from ..runs import run_snippet

    run, _ = run_snippet(path)
    return SnippetValues(path, run.values, getattr(run, "dropped", {}))


class SnippetValues(dict):
    """A snippet's values; a missing name says why it is missing."""

    def __init__(self, path: str, values: dict, dropped: dict):
        super().__init__(values)
        self.path, self.dropped = path, dropped

    def __missing__(self, name):
        why = self.dropped.get(name)
        raise KeyError(
            f"{name!r} from {self.path}: "
            + (
                f"not kept from its run: {why}; keep a smaller value (a slice, .clone(), a list)"
                if why
                else "the snippet defines no plain value (number, list, dict, array, tensor) of that name at its end"
            )
        )


def _own_source(spec: FigureSpec) -> str:
    """The figure's module without the other figure functions: editing one figure
    redraws that figure only; editing a shared helper or constant redraws all."""
    import ast

    source = spec.source_file.read_text()
    lines = source.splitlines()
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.FunctionDef)
            and node.name != spec.func.__name__
            and any(isinstance(d, ast.Call) and getattr(d.func, "id", "") == "figure" for d in node.decorator_list)
        ):
            start = min(d.lineno for d in node.decorator_list)
            lines[start - 1 : node.end_lineno] = [None] * (node.end_lineno - start + 1)
    return "\n".join(line for line in lines if line is not None)


def cache_key(spec: FigureSpec) -> str:
    import matplotlib

    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update(_own_source(spec).encode())
    from ..runs import values_digest

    for path in spec.uses:
        h.update((ROOT / path).read_bytes())
        h.update(values_digest(path).encode())  # the run it plots, not only the code
    h.update(spec.name.encode())
    h.update(matplotlib.__version__.encode())
    return h.hexdigest()[:16]


def style() -> dict:
    from cycler import cycler

    return {**STYLE, "axes.prop_cycle": cycler(color=PALETTE)}


def render(spec: FigureSpec) -> bytes:
    """Draw the figure now and return deterministic SVG bytes."""
    import matplotlib
    from matplotlib.figure import Figure

    token = _current.set(spec)
    try:
        with matplotlib.rc_context(style()):
            fig = spec.func()
            if not isinstance(fig, Figure):
                raise FigureError(
                    f"figure {spec.name!r} ({spec.module}.{spec.func.__name__}) returned "
                    f"{type(fig).__name__}, not a matplotlib Figure"
                )
            buf = io.BytesIO()
            fig.savefig(buf, format="svg", metadata={"Date": None}, transparent=True)
    except FigureError:
        raise
    except Exception as exc:
        raise FigureError(
            f"figure {spec.name!r} ({spec.module}.{spec.func.__name__}) failed: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        _current.reset(token)
    return buf.getvalue()


def cached_svg(spec: FigureSpec) -> Path:
    """Where the figure's SVG for its current sources is (or will be) cached."""
    return cache_file(FIGURE_CACHE, spec.name, cache_key(spec), ".svg")


def svg(spec: FigureSpec) -> bytes:
    """The figure's SVG, from the cache when its sources are unchanged
    (ZTA_FIGURE_CACHE=off redraws it, e.g. to prove two builds are identical)."""
    cached = cached_svg(spec)
    if cached.exists() and os.environ.get("ZTA_FIGURE_CACHE") != "off":
        return cached.read_bytes()
    data = render(spec)
    for old in cached_versions(FIGURE_CACHE, spec.name, ".svg"):
        old.unlink(missing_ok=True)
    atomic_write(cached, data)
    return data
