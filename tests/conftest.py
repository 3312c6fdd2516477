"""Shared test setup: one torch thread pool per xdist worker, the `--update-outputs` flag."""

from __future__ import annotations

import os

import pytest


def _threads_per_worker() -> int:
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return max(1, (os.cpu_count() or 1) // workers)


# Before torch is imported anywhere: workers must not oversubscribe the cores.
os.environ.setdefault("OMP_NUM_THREADS", str(_threads_per_worker()))
os.environ.setdefault("MKL_NUM_THREADS", str(_threads_per_worker()))
os.environ.setdefault("MPLBACKEND", "Agg")

import torch  # noqa: E402

torch.set_num_threads(_threads_per_worker())


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
