"""The GitHub workflow cannot run here; keep it correct by reading it."""

from __future__ import annotations

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


def test_deploy_publishes_site_from_main_only_after_tests():
    data = load()
    job = data["jobs"]["deploy"]
    assert job["needs"] == "test"
    assert "refs/heads/main" in job["if"] and "push" in job["if"]
    assert job["permissions"] == {"contents": "write", "pages": "write", "id-token": "write"}
    publish = next(s for s in steps(job) if "refs/heads/notebooks" in s.get("run", ""))
    assert "site/downloads" in publish["run"]  # the branch holds the download variant of each notebook
    uses = [s.get("uses", "") for s in steps(job)]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert uses[-1].startswith("actions/deploy-pages@")
    upload = next(s for s in steps(job) if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "site"
    assert any("make build" in s.get("run", "") for s in steps(job))
    assert data["permissions"] == {"contents": "read"}  # least privilege outside deploy


def test_every_action_is_pinned_to_a_major_version():
    for name, job in load()["jobs"].items():
        for step in steps(job):
            if "uses" in step:
                action, _, version = step["uses"].partition("@")
                assert version.startswith("v") and version[1:].split(".")[0].isdigit(), (name, step["uses"])
