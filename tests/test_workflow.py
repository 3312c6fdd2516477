"""The GitHub workflow cannot run here; keep it correct by reading it."""

from __future__ import annotations

import re

import yaml

from zero_to_all import ROOT

WORKFLOW = ROOT / ".github/workflows/docs.yml"


def load() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads a bare `on:` as True
    return data


def steps(job: dict) -> list[dict]:
    return job["steps"]


def test_triggers():
    on = load()["on"]
    assert on["push"]["branches"] == ["main"]
    assert "pull_request" in on


def test_the_test_job_runs_the_readme_command():
    job = load()["jobs"]["test"]
    runs = [s.get("run", "") for s in steps(job)]
    assert any(r.strip() == "make test" for r in runs)
    assert "make test" in (ROOT / "README.md").read_text()
    assert (ROOT / ".ci/run").read_text().strip().endswith("make test")
    # the datasets are cached and fetched only on a miss
    cache = next(s for s in steps(job) if s.get("uses", "").startswith("actions/cache@"))
    fetch = next(s for s in steps(job) if "zero_to_all.data" in s.get("run", ""))
    assert fetch["if"] == f"steps.{cache['id']}.outputs.cache-hit != 'true'"
    assert any(s.get("with", {}).get("cache") == "pip" for s in steps(job))


MAIN_PUSH = "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def test_the_published_site_is_built_from_the_tested_run():
    """The test job builds the site after `make test`, in the same job (so the stamps
    read its .cache/verified.json and the figures its cached runs), and uploads it;
    the deploy job publishes that artifact and builds nothing."""
    data = load()
    test = steps(data["jobs"]["test"])
    runs = [s.get("run", "").strip() for s in test]
    build = runs.index("make build")
    assert runs.index("make test") < build
    upload = next(i for i, s in enumerate(test) if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert build < upload and test[upload]["with"]["path"] == "site"
    notebooks = next(s for s in test if s.get("with", {}).get("name") == "notebooks")
    assert notebooks["with"]["path"].rstrip("/") == "site/downloads"
    for step in (test[build], test[upload], notebooks):
        assert step["if"] == MAIN_PUSH

    deploy = data["jobs"]["deploy"]
    assert set(deploy["needs"]) == {"test", "portability"}
    assert deploy["if"] == MAIN_PUSH
    assert deploy["permissions"] == {"contents": "write", "pages": "write", "id-token": "write"}
    for step in steps(deploy):
        assert not re.search(r"make (build|test)|mkdocs|pip install", step.get("run", "")), step
    download = next(s for s in steps(deploy) if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"]["name"] == "notebooks"
    publish = next(s for s in steps(deploy) if "refs/heads/notebooks" in s.get("run", ""))
    assert "$RUNNER_TEMP/notebooks" in publish["run"]
    assert steps(deploy)[-1]["uses"].startswith("actions/deploy-pages@")
    assert data["permissions"] == {"contents": "read"}  # least privilege outside deploy


def test_portability_runs_every_profile():
    job = load()["jobs"]["portability"]
    assert any(s.get("run", "").strip() == "make test-portability" for s in steps(job))
    assert "test-portability:" in (ROOT / "Makefile").read_text()


def test_every_action_is_pinned_to_a_major_version():
    for name, job in load()["jobs"].items():
        for step in steps(job):
            if "uses" in step:
                action, _, version = step["uses"].partition("@")
                assert version.startswith("v") and version[1:].split(".")[0].isdigit(), (name, step["uses"])
