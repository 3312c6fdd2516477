"""Shared test setup: one torch thread pool per xdist worker, the `--update-outputs` flag."""

from __future__ import annotations

import os

import pytest


# One torch thread everywhere in the tests: xdist workers do not oversubscribe the
# cores, and a trained model gives the same numbers whatever the worker count
# (reductions in another thread order change the last digits).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import torch  # noqa: E402

torch.set_num_threads(1)


def pytest_addoption(parser):
    parser.addoption(
        "--update-outputs",
        action="store_true",
        help="rewrite the `#>` output lines of each snippet from a real run",
    )


@pytest.fixture
def update_outputs(request) -> bool:
    return request.config.getoption("--update-outputs")


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
