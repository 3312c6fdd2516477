"""MkDocs hook: figures and the math engine are added to the build, never to docs/.

on_files:
1. find the figures the pages show (a page showing an unregistered one fails
   the build, naming the page and the figure);
2. run, in parallel, the snippets whose values those figures plot and whose
   runs are not cached yet (`snippet_pool`): a build waits for them and fails
   naming the snippet that raised; `mkdocs serve` runs them in the background
   and serves at once, a figure whose run is not ready is a placeholder that
   says when it will be drawn (or shows the snippet's error), and each finished
   run triggers a rebuild through a watched folder;
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

from zero_to_all import ROOT, snippet_pool
from zero_to_all import figures as fig
from zero_to_all.sources import figure_refs

log = logging.getLogger("mkdocs.hooks.zero_to_all")

KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
KATEX_FILES = ["katex.min.js", "katex.min.css", "contrib/auto-render.min.js"]


_serving = False


def on_startup(command: str, dirty: bool) -> None:
    global _serving
    _serving = command == "serve"


def on_serve(server, config: MkDocsConfig, builder):
    """A finished background run writes into this folder: the server rebuilds."""
    server.watch(str(snippet_pool.watched_folder()))
    return server


def on_shutdown() -> None:
    snippet_pool.BACKGROUND.shutdown()


@event_priority(100)  # before mkdocs-jupyter turns the generated notebooks into pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    started = time.perf_counter()
    fig.load(reload=True)
    shown = figures_shown(files)
    specs = [fig.REGISTRY[name] for name in shown]
    wanted = {path for spec in specs if not fig.cached_svg(spec).exists() for path in spec.uses}
    if _serving:
        snippet_pool.BACKGROUND.submit(wanted)
    else:
        failures = snippet_pool.run_all(wanted)
        if failures:
            raise PluginError("a snippet a figure plots failed to run:\n" + "\n\n".join(failures))
    drawn, waiting = add_figures(files, config, shown)
    log.info(
        "figures: %d shown, %d drawn, %d from cache%s (%.1f s)",
        len(shown),
        drawn,
        len(shown) - drawn - waiting,
        f", {waiting} waiting for their snippet" if waiting else "",
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


def not_ready(spec: fig.FigureSpec) -> list[str] | None:
    """While serving: the placeholder's lines for a figure whose snippet run is not
    finished (or failed), None when it can be drawn now."""
    if not _serving:
        return None
    for path in spec.uses:
        state, detail = snippet_pool.BACKGROUND.state(path)
        if state == "failed":
            return [f"Not drawn: {path} failed (the rest of the site is up)", *detail.splitlines()[1:]]
        if state == "running":
            return [f"Drawn when {path} finishes ({detail})", "This page reloads by itself then."]
    return None


def add_figures(files: Files, config: MkDocsConfig, shown: dict[str, str]) -> tuple[int, int]:
    """Add every shown figure's SVG to the build; returns how many were drawn now
    and how many are placeholders waiting for their snippet (only while serving)."""
    drawn = waiting = 0
    for name in sorted(shown):
        spec = fig.REGISTRY[name]
        was_cached = fig.cached_svg(spec).exists()
        lines = None if was_cached else not_ready(spec)
        if lines is not None:
            waiting += 1
            data = snippet_pool.placeholder_svg(name, lines, error=lines[0].startswith("Not drawn"))
            files.append(File.generated(config, f"figures/{name}.svg", content=data))
            continue
        try:
            data = fig.svg(spec)
        except fig.FigureError as exc:
            message = f"{exc}\n(figure defined in {spec.source_file.relative_to(ROOT)}, shown on docs/{shown[name]})"
            if not _serving:
                raise PluginError(message) from exc
            snippet_pool.say(f"figures: {message}")  # the site stays up; the figure shows the error
            lines = ["Not drawn: the figure failed", *message.splitlines()]
            data = snippet_pool.placeholder_svg(name, lines, error=True)
            waiting += 1
        else:
            drawn += not was_cached
        files.append(File.generated(config, f"figures/{name}.svg", content=data))
    return drawn, waiting


def add_katex(files: Files, config: MkDocsConfig) -> None:
    missing = [p for p in KATEX_FILES if not (KATEX_DIST / p).is_file()]
    if missing:
        raise PluginError(
            f"KaTeX is not installed ({KATEX_DIST / missing[0]} is missing): run `npm ci` "
            "in the repository root (`make build`, `make serve` and `make test` do it for you)."
        )
    for path in KATEX_FILES + sorted(p.relative_to(KATEX_DIST).as_posix() for p in (KATEX_DIST / "fonts").iterdir()):
        files.append(File.generated(config, f"assets/katex/{path}", abs_src_path=str(KATEX_DIST / path)))
