"""MkDocs hook: figures and the math engine are added to the build, never to docs/.

on_files:
1. find the figures the pages show (a page showing an unregistered one fails
   the build, naming the page and the figure);
2. run, in parallel, the snippets whose values those figures plot and whose
   runs are not cached yet;
3. draw each figure (or take it from its cache) as `figures/<name>.svg`;
4. add KaTeX, installed by `npm ci`, under `assets/katex/`.
"""

from __future__ import annotations

import logging
import time

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

from zero_to_all import ROOT
from zero_to_all import figures as fig
from zero_to_all.sources import figure_refs

log = logging.getLogger("mkdocs.hooks.zero_to_all")

KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
KATEX_FILES = ["katex.min.js", "katex.min.css", "contrib/auto-render.min.js"]


@event_priority(100)  # before mkdocs-jupyter turns the generated notebooks into pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    started = time.perf_counter()
    fig.load(reload=True)
    shown = figures_shown(files)
    run_snippets_in_parallel([fig.REGISTRY[name] for name in shown])
    drawn = add_figures(files, config, shown)
    log.info(
        "figures: %d shown, %d drawn, %d from cache (%.1f s)",
        len(shown),
        drawn,
        len(shown) - drawn,
        time.perf_counter() - started,
    )
    add_katex(files, config)
    return files


def figures_shown(files: Files) -> dict[str, str]:
    """{figure name: first page showing it}; fails on a figure nobody registered."""
    registry = fig.REGISTRY
    shown: dict[str, str] = {}
    for page in files.documentation_pages():
        for name in figure_refs(page.content_string):
            if name not in registry:
                near = sorted(n for n in registry if n.split("/")[0] == name.split("/")[0])
                raise PluginError(
                    f"docs/{page.src_uri} shows figure '{name}', which is not registered. "
                    f'Register it with @figure("{name}") in src/zero_to_all/figures/<part>.py'
                    + (f" (figures with that prefix: {', '.join(near)})" if near else "")
                )
            shown.setdefault(name, page.src_uri)
    return shown


def run_snippets_in_parallel(specs: list[fig.FigureSpec]) -> None:
    """Figures to draw whose snippet has no cached run: run those snippets first,
    one process per core, so a cold build waits for the slowest, not the sum."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    from zero_to_all import runs

    wanted = {path for spec in specs if not fig.cached_svg(spec).exists() for path in spec.uses}
    # inside `make test` the page tests cache the runs they make: the figures wait for those
    todo = sorted(path for path in wanted if runs.cached(path) is None and not runs.awaited(path))
    if len(todo) < 2:
        return  # nothing to gain; the figure runs it itself
    started = time.perf_counter()
    workers = min(len(todo), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            list(pool.map(runs.ensure_run, todo))
        except Exception as exc:
            raise PluginError(f"a snippet a figure plots failed to run:\n{exc}") from exc
    log.info("figures: ran %d snippets on %d processes (%.1f s)", len(todo), workers, time.perf_counter() - started)


def add_figures(files: Files, config: MkDocsConfig, shown: dict[str, str]) -> int:
    """Add every shown figure's SVG to the build; returns how many were drawn now."""
    drawn = 0
    for name in sorted(shown):
        spec = fig.REGISTRY[name]
        was_cached = fig.cached_svg(spec).exists()
        try:
            data = fig.svg(spec)
        except fig.FigureError as exc:
            raise PluginError(
                f"{exc}\n(figure defined in {spec.source_file.relative_to(ROOT)}, shown on docs/{shown[name]})"
            ) from exc
        drawn += not was_cached
        files.append(File.generated(config, f"figures/{name}.svg", content=data))
    return drawn


def add_katex(files: Files, config: MkDocsConfig) -> None:
    missing = [p for p in KATEX_FILES if not (KATEX_DIST / p).is_file()]
    if missing:
        raise PluginError(
            f"KaTeX is not installed ({KATEX_DIST / missing[0]} is missing): run `npm ci` "
            "in the repository root (`make build`, `make serve` and `make test` do it for you)."
        )
    for path in KATEX_FILES + sorted(p.relative_to(KATEX_DIST).as_posix() for p in (KATEX_DIST / "fonts").iterdir()):
        files.append(File.generated(config, f"assets/katex/{path}", abs_src_path=str(KATEX_DIST / path)))
