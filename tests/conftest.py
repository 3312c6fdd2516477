"""Shared test setup: one torch thread per xdist worker, the `--update-outputs` flag
and its summary."""

from __future__ import annotations

import json
import os

import pytest

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


BUILD_TIMEOUT = 1800  # s: a build waits for the page tests' runs before it draws


@pytest.hookimpl(trylast=True)  # after -k / -m deselection
def pytest_collection_modifyitems(session, config, items):
    """The build's tests go last, and its figures wait for the page tests' runs.

    The page tests run each snippet once and cache the run; a build in the same
    suite draws its figures from those runs (`ZTA_AWAIT_RUNS`) instead of running
    the snippets again. It waits only for snippets whose every block is selected
    (the others it runs itself), and runs after the page tests in a single process.
    Tests that draw figures share the xdist group "build" for that reason.
    """
    selected: dict[str, set[int]] = {}
    chains: dict[str, set[int]] = {}
    for item in items:
        block = getattr(item, "callspec", None) and item.callspec.params.get("block")
        if block is not None and block.snippet:
            selected.setdefault(block.snippet, set()).add(block.index)
            siblings = item.callspec.params["siblings"]
            chains[block.snippet] = {b.index for b in siblings if b.snippet == block.snippet}
    complete = sorted(s for s, indices in selected.items() if indices == chains[s])
    os.environ["ZTA_AWAIT_RUNS"] = ",".join(complete)
    builds = [i for i in items if any(m.args == ("build",) for m in i.iter_markers("xdist_group"))]
    for item in builds:
        item.add_marker(pytest.mark.timeout(BUILD_TIMEOUT))  # waiting for the page tests included
    items[:] = [i for i in items if i not in builds] + builds


def pytest_runtest_logreport(report):
    """Collect what --update-outputs rewrote (from every xdist worker)."""
    for name, value in getattr(report, "user_properties", []):
        if name == "rewrote":
            snippet, lines = json.loads(value)
            _REWRITTEN[snippet] = lines


def pytest_terminal_summary(terminalreporter, config):
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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The real site, built strict once per worker for a local server on `port`
    (site_url points there, so instant navigation works in the browser test).
    Tests using it share the xdist group "build" so one worker builds it once."""
    from zero_to_all.sitecheck import free_port, mkdocs_build

    port = free_port()
    site = tmp_path_factory.mktemp("site")
    result = mkdocs_build(site, ZTA_SITE_URL=f"http://127.0.0.1:{port}/")
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    return site, port
