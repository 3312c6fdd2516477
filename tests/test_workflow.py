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


def test_node_satisfies_the_lockfile():
    """Every job's Node major meets every locked package's `engines.node` floor."""
    import json

    floors = []
    for name, package in json.loads((ROOT / "package-lock.json").read_text())["packages"].items():
        m = re.fullmatch(r">=\s*(\d+)(?:\.(\d+))?(?:\.\d+)?", (package.get("engines") or {}).get("node", ">=0"))
        assert m, f"{name}: engines.node {package['engines']['node']!r} is not a plain floor; check it by hand"
        floors.append((int(m.group(1)), int(m.group(2) or 0), name))
    for job_name, job in load()["jobs"].items():
        for step in steps(job):
            if step.get("uses", "").startswith("actions/setup-node@"):
                wanted = [int(x) for x in str(step["with"]["node-version"]).split(".")[:2]]
                for floor_major, floor_minor, name in floors:
                    # a bare major ("22") installs that major's newest release
                    ok = wanted[0] > floor_major or (
                        wanted[0] == floor_major and (len(wanted) == 1 or wanted[1] >= floor_minor)
                    )
                    assert ok, f"{job_name}: Node {wanted} is below {name}'s engines floor {floor_major}.{floor_minor}"


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin"
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_make_and_ci_install_the_pins():
    """make installs with constraints.txt, CI installs torch at its pinned version,
    and the pins cover the course's runtime, the site's toolchain and the test tools."""
    pins = _pins()
    for package in ("torch", "torchvision", "numpy", "matplotlib", "mkdocs", "mkdocs-material", "pymdown-extensions"):
        assert package in pins, f"constraints.txt does not pin {package}"
    for package in ("pytest", "pytest-xdist", "pytest-codeblocks", "ruff", "playwright", "mkdocs-jupyter"):
        assert package in pins, f"constraints.txt does not pin {package}"
    assert not [p for p in pins if p.startswith("nvidia-")], "CUDA runtime wheels are the installer's choice"
    makefile = (ROOT / "Makefile").read_text()
    assert "CONSTRAINTS ?= constraints.txt" in makefile and "-c $(CONSTRAINTS)" in makefile
    for name in ("test", "portability"):
        install = next(s["run"] for s in steps(load()["jobs"][name]) if "make setup" in s.get("run", ""))
        assert "constraints.txt" in install and "CONSTRAINTS=" not in install, name


def test_declared_floors_are_the_tested_versions():
    """pyproject's floors for torch and torchvision are the pinned (tested) releases:
    no untested floor is claimed (the upgrade job tests the newest)."""
    import tomllib

    pins = _pins()
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in deps:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([\d.]+)", dep)
        assert m, f"pyproject.toml: {dep!r} has no plain floor"
        name, floor = m.group(1).lower(), m.group(2)
        pinned = pins[name].split("+")[0]
        assert pinned.split(".")[: len(floor.split("."))] == floor.split("."), (
            f"{name}: the floor {floor} is not the tested release {pinned} (constraints.txt)"
        )


def test_the_upgrade_job_tests_the_newest_releases_and_proposes_pins():
    data = load()
    assert data["on"]["schedule"], "a scheduled run tries the newest releases"
    job = data["jobs"]["upgrade"]
    assert job["if"] == "github.event_name == 'schedule'"
    runs = [s.get("run", "") for s in steps(job)]
    install = next(r for r in runs if "make setup" in r)
    assert "CONSTRAINTS=" in install and "--upgrade" in install
    order = [next(i for i, r in enumerate(runs) if cmd in r) for cmd in ("make test", "make constraints")]
    assert order == sorted(order)
    pr = next(s for s in steps(job) if s.get("uses", "").startswith("peter-evans/create-pull-request@"))
    assert pr["with"]["add-paths"] == "constraints.txt"
