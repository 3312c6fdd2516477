"""`make test`: the whole suite in stages, each consuming the finished output of the
one before, so no result depends on timing or on what ran earlier.

1. lint: `ruff check` and `ruff format --check`;
2. pages: every page's code, once, across the cores, the longest pages first,
   with the lint, harness, notebook and workflow tests (pytest `-m "not site"`);
   this writes the run cache and the pages' stamps;
3. build: one strict `mkdocs build` from those runs, into .cache/suite/site;
4. site: the checks of that built site, spread across the cores (pytest
   `-m site`): every page in the browser (in shards), search, instant
   navigation and themes, links and anchors, the security policy, the built
   files; and
5. a second clean build in a fresh process that redraws every figure, compared
   byte for byte with stage 3's (figures' determinism, once). It runs inside
   stage 4's pytest session, beside the browser checks: it reads only stage 3's
   finished output.

Stages run one after another; a failing stage stops the chain, saying which
stage failed (pytest and mkdocs name the page, block and cause above). Pytest
options select part of it: `make test PYTEST_ARGS="-k linear"` runs the
selected tests of stages 2 and 4, and builds the site (stage 3) only when a
selected test reads it. Stage times go to .cache/suite/times.json (`make bench`
prints them) and the last line sums the stages' counts.

    python -m zero_to_all.suite [--workers N] [pytest options...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import CACHE, ROOT

SUITE = CACHE / "suite"
BIN = Path(sys.executable).parent
LINTED = ["src", "tests", "snippets", "bench"]


class StageFailed(SystemExit):
    pass


def say(text: str) -> None:
    print(text, flush=True)


class Suite:
    def __init__(self, workers: str, pytest_args: list[str]):
        self.workers = workers
        self.args = pytest_args
        self.times: dict[str, float] = {}
        self.counts = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
        SUITE.mkdir(parents=True, exist_ok=True)

    def run(self, stage: str, cmd: list[str], env: dict | None = None, ok=(0,)) -> int:
        say(f"\n=== make test, stage {stage}: {' '.join(cmd[:4])}{' …' if len(cmd) > 4 else ''}")
        started = time.perf_counter()
        rc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}).returncode
        self.times[stage] = self.times.get(stage, 0.0) + time.perf_counter() - started
        if rc not in ok:
            self.finish()
            raise StageFailed(
                f"\nmake test stopped at stage {stage} (exit {rc}); the stages after it did not run. "
                "The cause is named above."
            )
        return rc

    def pytest(self, stage: str, marker: str, env: dict | None = None) -> int:
        counts = SUITE / f"{stage}.counts.json"
        counts.unlink(missing_ok=True)
        cmd = [str(BIN / "pytest"), "-n", self.workers, "--dist", "loadgroup", "--no-loadscope-reorder"]
        cmd += ["--durations=15", "-m", marker, *self.args]
        rc = self.run(stage, cmd, {**(env or {}), "ZTA_SUITE_COUNTS": str(counts)}, ok=(0, 5))
        if counts.exists():
            for key, value in json.loads(counts.read_text()).items():
                self.counts[key] += value
        return rc

    def selects_site_tests(self) -> bool:
        """Does the pytest selection include a test of the built site?"""
        if not self.args:
            return True
        cmd = [str(BIN / "pytest"), "--collect-only", "-q", "-m", "site", *self.args]
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        return result.returncode == 0

    def build(self, site: Path, url: str) -> None:
        shutil.rmtree(site, ignore_errors=True)
        cmd = [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(site)]
        self.run("3-build", cmd, {"ZTA_SITE_URL": url, "NO_MKDOCS_2_WARNING": "1"})

    def finish(self) -> None:
        (SUITE / "times.json").write_text(json.dumps({k: round(v, 1) for k, v in self.times.items()}, indent=1))
        say("\nmake test, stage times: " + ", ".join(f"{k} {v:.0f} s" for k, v in self.times.items()))
        c = self.counts
        line = f"{c['passed']} passed, {c['failed'] + c['error']} failed"
        say(f"suite: {line}" + (f", {c['skipped']} skipped" if c["skipped"] else ""))


def record_durations() -> None:
    """tests/durations.json's snippet seconds from this machine's last passing runs."""
    from . import runs

    data = runs.durations()
    data["snippets"] = {path: round(r["seconds"], 1) for path, r in sorted(runs.verified().items())}
    runs.DURATIONS.write_text(json.dumps(data, indent=1) + "\n")
    say(f"wrote {len(data['snippets'])} snippet durations to {runs.DURATIONS.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make test, in stages", add_help=True)
    parser.add_argument("--workers", default="auto", help="pytest-xdist workers (default: one per core)")
    parser.add_argument("--record-durations", action="store_true", help="update tests/durations.json and stop")
    ours, pytest_args = parser.parse_known_args(argv)
    if ours.record_durations:
        record_durations()
        return 0
    suite = Suite(ours.workers, pytest_args)
    suite.run("1-lint", [str(BIN / "ruff"), "check", *LINTED])
    suite.run("1-lint", [str(BIN / "ruff"), "format", "--check", *LINTED])
    suite.pytest("2-pages", "not site")
    if not suite.selects_site_tests():
        say("\n=== make test: no selected test reads the built site; stages 3-5 (build, site checks) skipped")
    else:
        from .sitecheck import free_port, serve

        port = free_port()
        site = SUITE / "site"
        suite.build(site, f"http://127.0.0.1:{port}/")
        with serve(site, port) as url:
            env = {"ZTA_SUITE_SITE": str(site), "ZTA_SUITE_URL": url}
            if not suite.args:
                env["ZTA_SUITE_WHOLE"] = "1"  # every page's tests ran before this build
            suite.pytest("4-site", "site", env)
    suite.finish()
    return 0 if any(suite.counts.values()) else 5  # pytest's "no tests ran"


if __name__ == "__main__":
    sys.exit(main())
