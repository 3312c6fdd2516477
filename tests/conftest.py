"""Shared test setup: one torch thread per xdist worker, the `--update-outputs` flag
and its summary."""

from __future__ import annotations

import json
import os

import pytest

from zero_to_all import ROOT

# One torch thread everywhere in the tests: xdist workers do not oversubscribe the
# cores, and a trained model gives the same numbers whatever the worker count
# (reductions in another thread order change the last digits).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import torch

torch.set_num_threads(1)

_REWRITTEN: dict[str, list[int]] = {}


def pytest_addoption(parser):
    parser.addoption(
        "--update-outputs",
        action="store_true",
        help="rewrite the `#>` output lines of each snippet from the page blocks' run",
    )


@pytest.fixture
def update_outputs(request) -> bool:
    return request.config.getoption("--update-outputs")


def pytest_itemcollected(item):
    """Tests that read the built site are marked `site` (before -m selects by it):
    `make test` runs them in a later stage, on the site its build stage wrote
    (zero_to_all.suite)."""
    if "built_site" in getattr(item, "fixturenames", ()):
        item.add_marker(pytest.mark.site)


@pytest.hookimpl(trylast=True)  # after -k / -m deselection
def pytest_collection_modifyitems(session, config, items):
    """The pages, and the slowest other tests, run longest first (tests/durations.json).

    A page's blocks share an xdist group and run in order on one worker; run with
    `--no-loadscope-reorder`, xdist hands the groups out in this order, so the
    longest pages start first and the two workers finish together.
    """
    from zero_to_all.runs import durations, expected_seconds

    slow_tests = durations().get("tests", {})
    seconds: dict[str, float] = {}
    for item in items:
        block = getattr(item, "callspec", None) and item.callspec.params.get("block")
        if block is not None and block.page not in seconds:
            shown = {b.snippet for b in item.callspec.params["siblings"] if b.snippet and b.base.samefile(ROOT)}
            seconds[block.page] = sum(expected_seconds(s) for s in shown)

    def longest_first(indexed):
        i, item = indexed
        block = getattr(item, "callspec", None) and item.callspec.params.get("block")
        if block is not None:
            return (-seconds[block.page], block.page, i)
        return (-slow_tests.get(f"{item.path.name}::{item.originalname}", 0.0), "", i)

    items[:] = [item for _, item in sorted(enumerate(items), key=longest_first)]


_REUSED: dict[str, int] = {}  # page -> blocks that reused an earlier pass


def pytest_runtest_logreport(report):
    """Collect what --update-outputs rewrote and which pages reused a pass (from
    every xdist worker)."""
    if report.when != "call":
        return
    for name, value in getattr(report, "user_properties", []):
        if name == "rewrote":
            snippet, lines = json.loads(value)
            _REWRITTEN[snippet] = lines
        elif name == "reused":
            _REUSED[value] = _REUSED.get(value, 0) + 1


def pytest_terminal_summary(terminalreporter, config):
    if _REUSED:
        terminalreporter.write_line(
            f"{sum(_REUSED.values())} blocks of {len(_REUSED)} page(s) passed before with the same code, "
            "harness, versions, CPU and kernel settings, and were not run again (ZTA_RERUN=1 runs them)"
        )
    if not config.getoption("--update-outputs"):
        return
    write = terminalreporter.write_line
    terminalreporter.section("update-outputs")
    if not _REWRITTEN:
        write("no '#>' block changed: every snippet printed what its page shows")
        return
    for snippet, lines in sorted(_REWRITTEN.items()):
        write(
            f"{snippet}: rewrote {len(lines)} '#>' block(s), under the statements at line(s) "
            + ", ".join(map(str, lines))
        )
    write(f"{sum(map(len, _REWRITTEN.values()))} block(s) in {len(_REWRITTEN)} snippet(s); review them with `git diff`")


def pytest_sessionfinish(session, exitstatus):
    """For `make test`'s summary (zero_to_all.suite): what this stage counted."""
    target = os.environ.get("ZTA_SUITE_COUNTS")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not target or reporter is None or hasattr(session.config, "workerinput"):
        return
    counts = {key: len(reporter.stats.get(key, [])) for key in ("passed", "failed", "skipped", "error")}
    with open(target, "w") as fh:
        json.dump(counts, fh)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """(site directory, URL it is served on): the real site, built strict, with
    site_url pointing at that local server (instant navigation needs it).

    Under `make test` it is the site the build stage wrote, served by the suite
    (ZTA_SUITE_SITE, ZTA_SUITE_URL): every test of the site stage checks that
    one build. Run alone (`pytest tests/test_site.py`), each worker builds and
    serves its own."""
    from pathlib import Path

    from zero_to_all.sitecheck import free_port, mkdocs_build, serve

    if os.environ.get("ZTA_SUITE_SITE"):
        yield Path(os.environ["ZTA_SUITE_SITE"]), os.environ["ZTA_SUITE_URL"]
        return
    port = free_port()
    site = tmp_path_factory.mktemp("site")
    result = mkdocs_build(site, ZTA_SITE_URL=f"http://127.0.0.1:{port}/")
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    with serve(site, port) as url:
        yield site, url
