"""Running the snippets that figures plot, one process per core, longest first.

A build needs the run of every snippet a shown figure plots. `run_all` runs the
missing ones to completion (a strict `mkdocs build`: every figure is drawn from
a finished run, or the build fails naming the snippet). While `mkdocs serve`
serves, `Background` runs them behind the server instead: the site is up as
soon as its pages are built, a figure whose run is not ready is a placeholder,
and each finished run touches a file the server watches, so the page reloads
with its figure.

Progress is one line per snippet (its name and seconds); the snippets' own
printout goes nowhere (`runs.quiet_worker`).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from . import CACHE, ROOT, atomic_write, runs

READY = CACHE / "serve" / "runs"  # `mkdocs serve` watches this folder (hooks/figures_and_math.py)


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def missing(paths) -> list[str]:
    """The snippets among `paths` whose current source has no cached run, longest first."""
    todo = {p for p in paths if not runs.has_run(p)}
    return sorted(todo, key=lambda p: (-runs.expected_seconds(p), p))


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=runs.quiet_worker)


def _failure(path: str, exc: BaseException) -> str:
    text = str(exc) or "".join(traceback.format_exception_only(type(exc), exc))
    return f"{path} failed to run:\n{text}"


def run_all(paths) -> list[str]:
    """Run every missing snippet to completion, in parallel. Returns the failures
    (an empty list when every run is cached)."""
    todo = missing(paths)
    if not todo:
        return []
    workers = max(1, min(len(todo), os.cpu_count() or 1))
    say(f"figures: running {len(todo)} snippet(s) their figures plot, {workers} at a time")
    failures = []
    with _pool(workers) as pool:
        futures = {path: pool.submit(runs.ensure_run, path) for path in todo}
        for path, future in futures.items():
            try:
                _, seconds = future.result()
            except Exception as exc:  # noqa: BLE001 - reported by name, the build then fails
                failures.append(_failure(path, exc))
                say(f"  {path}: FAILED")
            else:
                say(f"  {path}: {seconds:.1f} s")
    return failures


class Background:
    """Snippet runs behind `mkdocs serve`, kept across rebuilds (this module stays
    imported while the hook modules are reloaded)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pool: ProcessPoolExecutor | None = None
        self.pending: dict[tuple[str, str], Future] = {}  # (path, source key) -> its run
        self.started: dict[tuple[str, str], float] = {}
        self.failed: dict[tuple[str, str], str] = {}

    @staticmethod
    def _key(path: str) -> tuple[str, str]:
        return path, runs.source_key((ROOT / path).read_text())

    @staticmethod
    def estimate(path: str) -> str:
        seconds = runs.expected_seconds(path)
        return f"about {seconds:.0f} s" if seconds >= 1 else "under a second"

    def state(self, path: str) -> tuple[str, str]:
        """("ready" | "running" | "failed", detail) for a snippet's current source."""
        key = self._key(path)
        if key in self.failed:
            return "failed", self.failed[key]
        if runs.has_run(path):
            return "ready", ""
        return "running", self.estimate(path)

    def submit(self, paths) -> None:
        """Start the runs that are neither cached, nor running, nor failed for this source."""
        with self.lock:
            for path in missing(paths):
                key = self._key(path)
                if key in self.pending or key in self.failed:
                    continue
                if self.pool is None:
                    self.pool = _pool(max(1, os.cpu_count() or 1))
                say(f"figures: running {path} in the background ({self.estimate(path)})")
                self.started[key] = time.perf_counter()
                future = self.pool.submit(runs.ensure_run, path)
                self.pending[key] = future
                future.add_done_callback(lambda f, key=key: self._done(key, f))

    def _done(self, key: tuple[str, str], future: Future) -> None:
        path = key[0]
        with self.lock:
            self.pending.pop(key, None)
            waited = time.perf_counter() - self.started.pop(key, time.perf_counter())
            exc = future.exception()
            if exc is not None:
                self.failed[key] = _failure(path, exc)
                say(f"figures: {path} FAILED; its figures show the error:\n{self.failed[key]}")
            else:
                say(f"figures: {path} ran in {future.result()[1]:.1f} s (ready {waited:.0f} s after it was queued)")
        atomic_write(READY / (path.replace("/", "__") + ".done"), f"{time.time()}\n")

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


BACKGROUND = Background()


def placeholder_svg(name: str, lines: list[str], error: bool = False) -> bytes:
    """A figure-sized SVG that says why the figure is not drawn yet."""
    import html

    colour = "#c2255c" if error else "#868e96"
    text = "".join(
        f'<text x="16" y="{40 + 22 * i}" font-family="sans-serif" font-size="{15 if i == 0 else 12}" '
        f'fill="{colour}">{html.escape(line[:110])}</text>'
        for i, line in enumerate(lines[:12])
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">'
        f"<title>{html.escape(name)}: {html.escape(lines[0])}</title>"
        f'<rect x="1" y="1" width="638" height="358" fill="none" stroke="{colour}" stroke-dasharray="6 4"/>'
        f"{text}</svg>"
    ).encode()


def watched_folder() -> Path:
    READY.mkdir(parents=True, exist_ok=True)
    return READY
