"""`make bench`: measure what the project promises, print a markdown table and
write it to bench/results.md. Measured, never asserted: the targets are printed
beside each figure for comparison.

    .venv/bin/python bench/run.py [--only PART ...] [--skip-suite] [--skip-portability]

Measures (PART in brackets): a fully cold strict build (empty figure and
snippet-run caches), a cold build with the snippet runs cached (as after
`make test`), a warm rebuild, a rebuild after editing one figure module and the
build's peak memory [build]; `make test`'s suite and its stage times, with every
page run and again with nothing changed [suite]; `CI=true bash .ci/run` on two
clean clones of HEAD, median and stage times [clone, only when asked for:
`--only clone`]; `make test-portability`, the page tests under three CPU kernel profiles
[portability]; the ten slowest snippets [snippets]; the bytes a page transfers,
largest and median, math engine included [pages]; and the recipes the chapters
call fast, each raced against the well-known recipe it beats, with the ratio
[recipes, see bench/recipes.py].
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from zero_to_all import CACHE  # noqa: E402
from zero_to_all.runs import cpu_description, latest  # noqa: E402
from zero_to_all.sitecheck import browser_check, free_port, serve  # noqa: E402

PY = sys.executable
FIGURE_MODULE = ROOT / "src/zero_to_all/figures/basics.py"
FIGURE_FUNCTION = "def cost_vs_w():"  # the figure the "one figure edited" rebuild touches

_MEASURE = """
import resource, subprocess, sys, time, json
start = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
print(json.dumps({"rc": result.returncode, "seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "tail": (result.stdout + result.stderr)[-3000:]}))
"""


def measure(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> dict:
    """Run cmd; wall time and peak resident memory of it and its children."""
    out = subprocess.run(
        [PY, "-c", _MEASURE, *cmd],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
    )
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{result['tail']}")
    return result


def build(site: Path, env: dict | None = None) -> dict:
    return measure([PY, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], env)


def machine() -> str:
    import torch

    cpu = cpu_description()  # the CPU and the kernels torch chose on it
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, torch {torch.__version__}"
    )


Row = tuple[str, str, str]
PARTS = ["build", "suite", "portability", "snippets", "pages", "recipes"]
EXTRA = ["clone"]  # only when asked for: two clean-clone CI runs, about 15 minutes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-suite", action="store_true", help="do not time the test suite")
    parser.add_argument("--skip-portability", action="store_true", help="do not time make test-portability")
    parser.add_argument("--only", nargs="+", choices=PARTS + EXTRA, default=PARTS, help="measure only these parts")
    args = parser.parse_args()
    parts = set(args.only)
    if args.skip_suite:
        parts.discard("suite")
    if args.skip_portability:
        parts.discard("portability")
    rows: list[Row] = []
    work = Path(tempfile.mkdtemp(prefix="zta-bench-"))
    saved = work / "cache-backup"
    if CACHE.exists():
        shutil.copytree(CACHE, saved)
    try:
        if "build" in parts:
            rows += builds(work)
        if "suite" in parts:
            rows += suite_rows()
        if "clone" in parts:
            rows += clean_clone_rows(work)

        # the page tests under every CPU kernel profile
        if "portability" in parts:
            portability = measure([PY, "-m", "zero_to_all.portability"])
            rows.append(
                (
                    "make test-portability (page tests under 3 CPU kernel profiles)",
                    f"{portability['seconds'] / 60:.1f} min",
                    "—",
                )
            )

        # slowest snippets, from the runs the suite cached
        runs = [] if "snippets" in parts else None
        for snippet in sorted((ROOT / "snippets").rglob("*.py")) if runs is not None else []:
            run = latest(snippet.relative_to(ROOT).as_posix())
            if run:
                runs.append((run.seconds, run.path))
        for seconds, path in sorted(runs or [], reverse=True)[:10]:
            text = (ROOT / path).read_text()
            trains = "datasets.MNIST(" in text or 'root="data"' in text or '"data/' in text
            budget = "≤ 90 s (trains on a dataset)" if trains else "≤ 10 s"
            rows.append((f"snippet {path} (in the suite, one thread)", f"{seconds:.2f} s", budget))

        # page weight, as a first visit transfers it (fresh browser context per page)
        if "pages" in parts:
            rows += page_weight(work)
        if "recipes" in parts:
            rows += recipes()
    finally:
        shutil.rmtree(CACHE, ignore_errors=True)
        if saved.exists():
            shutil.copytree(saved, CACHE)
        shutil.rmtree(work, ignore_errors=True)

    table = [
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.",
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
    ]
    text = "\n".join(table) + "\n"
    print(text)
    (ROOT / "bench").mkdir(exist_ok=True)
    (ROOT / "bench/results.md").write_text(text)


def builds(work: Path) -> list[Row]:
    # fully cold: no figure cache, no snippet-run cache
    shutil.rmtree(CACHE, ignore_errors=True)
    cold = build(work / "cold")
    # cold figures, cached snippet runs (what `make build` meets after `make test`)
    shutil.rmtree(CACHE / "figures", ignore_errors=True)
    semi = build(work / "semi")
    warm = build(work / "warm")
    # one figure's source edited
    original = FIGURE_MODULE.read_text()
    assert FIGURE_FUNCTION in original
    try:
        FIGURE_MODULE.write_text(original.replace(FIGURE_FUNCTION, FIGURE_FUNCTION + "\n    # bench: touched", 1))
        touched = build(work / "touched")
    finally:
        FIGURE_MODULE.write_text(original)
    peak = max(r["peak_mb"] for r in (cold, semi, warm, touched))
    return [
        ("cold build, empty caches (figures train their snippets)", f"{cold['seconds']:.1f} s", "≤ 60 s"),
        ("cold build, snippet runs cached (after make test)", f"{semi['seconds']:.1f} s", "≤ 60 s"),
        ("warm rebuild (nothing changed)", f"{warm['seconds']:.1f} s", "≤ 10 s"),
        ("rebuild after editing one figure's function", f"{touched['seconds']:.1f} s", "≤ 10 s (warm)"),
        ("peak memory of a build (max RSS)", f"{peak:.0f} MB", "—"),
    ]


def stage_times(root: Path) -> str:
    times = json.loads((root / ".cache/suite/times.json").read_text())
    return ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in times.items())


def suite_rows() -> list[Row]:
    """`make test`'s stages (lint, pages, build, site): with every page run, and again
    with nothing changed (passes reused)."""
    rows = []
    for label, env, target in (
        ("every page run (ZTA_RERUN=1)", {"ZTA_RERUN": "1"}, "—"),
        ("nothing changed since", {}, "≤ 3 min"),
    ):
        result = measure([PY, "-m", "zero_to_all.suite"], env)
        rows.append((f"make test (suite part), {label}", f"{result['seconds'] / 60:.1f} min", target))
        rows.append((f"  its stages, {label}", stage_times(ROOT), "—"))
    return rows


def clean_clone_rows(work: Path) -> list[Row]:
    """`CI=true bash .ci/run` on two clean clones of HEAD (../shared beside them, pip
    and npm packages from this machine's caches), as CI runs it."""
    seconds, stages = [], []
    for n in range(2):
        top = work / f"clone{n}"
        top.mkdir()
        subprocess.run(["git", "clone", "-q", str(ROOT), str(top / "repo")], check=True)
        (top / "shared").symlink_to(ROOT.parent / "shared")
        result = measure(["bash", ".ci/run"], {"CI": "true"}, cwd=top / "repo")
        seconds.append(result["seconds"])
        stages.append(stage_times(top / "repo"))
    return [
        (
            "clean clone, `CI=true bash .ci/run` in all (setup included), median of 2",
            f"{statistics.median(seconds) / 60:.1f} min ({', '.join(f'{s / 60:.1f}' for s in seconds)})",
            "≤ 8 min",
        ),
        ("  its stages (first run; second run)", "; ".join(stages), "—"),
    ]


def page_weight(work: Path) -> list[Row]:
    """Bytes a first visit transfers (a fresh browser context per page)."""
    port = free_port()
    site = work / "served"
    build(site, {"ZTA_SITE_URL": f"http://127.0.0.1:{port}/"})
    with serve(site, port) as url:
        report = browser_check(site, url=url)
    sizes = {p: b for p, b in report.bytes_per_page.items() if not p.startswith("(")}
    largest = max(sizes, key=sizes.get)
    median = statistics.median(sizes.values())
    return [
        (f"largest page transfer ({largest})", f"{sizes[largest] / 1e6:.2f} MB", "≤ 1 MB"),
        (f"median page transfer ({len(sizes)} pages)", f"{median / 1e6:.2f} MB", "≤ 1 MB"),
    ]


def recipe(job: str) -> dict:
    """One job of bench/recipes.py, in its own process."""
    out = subprocess.run([PY, str(ROOT / "bench/recipes.py"), job], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"bench/recipes.py {job} failed:\n{(out.stdout + out.stderr)[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def recipes() -> list[Row]:
    """The recipes the chapters call fast, each beside the recipe it beats."""
    rows: list[Row] = []
    race = recipe("mnist-race")
    course = race["course"]["runs"]
    seconds = statistics.median(r["seconds"] for r in course)
    accuracies = sorted(r["accuracy"] for r in course)
    one_epoch = sum(r["epochs"] == 1 for r in course)
    rows.append(
        (
            f"MNIST, course recipe (fast-training page), 2 threads, {len(course)} seeds, "
            "to 99.0 % validation accuracy, then tested",
            f"{seconds:.1f} s (median); {one_epoch}/{len(course)} seeds in one epoch; test accuracy median "
            f"{statistics.median(accuracies):.2%}, {accuracies[0]:.2%}–{accuracies[-1]:.2%}",
            "≤ 15 s, median test ≥ 99.0 %",
        )
    )
    epochs = race["examples"]["epochs"]
    last = epochs[-1]
    reference = "to 99.0 %" if last["val_accuracy"] >= 0.99 else "never reached 99.0 %"
    rows.append(
        (
            "MNIST, pytorch/examples recipe (Adadelta, StepLR, DataLoader), 2 threads, "
            "to 99.0 % validation accuracy, then tested",
            f"{last['seconds']:.1f} s, {len(epochs)} epochs {reference} (validation "
            + ", ".join(f"{e['val_accuracy']:.2%}" for e in epochs)
            + f"); test accuracy {race['examples']['accuracy']:.2%}",
            "—",
        )
    )
    rows.append(("MNIST to 99.0 %: pytorch/examples time / course time", f"{last['seconds'] / seconds:.1f}×", "≥ 20×"))

    split = recipe("threads")
    rows.append(
        (
            "MNIST, course recipe (seed 0): 1 thread vs 2 threads",
            f"{split['1']:.1f} s vs {split['2']:.1f} s ({split['1'] / split['2']:.2f}×)",
            "≤ 2×, by Amdahl's law",
        )
    )

    resnet = recipe("resnet")
    rows.append(
        (
            f"MNIST, small ResNet (advanced-CNNs page), course recipe, {resnet['epochs']} epochs, 2 threads",
            f"{resnet['accuracy']:.2%} in {resnet['seconds']:.1f} s",
            "≥ 99.3 %",
        )
    )

    compiled = recipe("compile")
    eager, fused = compiled["eager"], compiled["torch.compile"]
    rows.append(
        (
            "compact CNN training step, batch 256, 1 thread: eager vs torch.compile",
            f"{eager['step_ms']:.0f} ms vs {fused['step_ms']:.0f} ms per step "
            f"({eager['step_ms'] / fused['step_ms']:.2f}×); first compiled step {fused['first_step_s']:.0f} s",
            "compile pays off only if > 1×",
        )
    )

    served = recipe("deployment")["bench"]
    for name in ("eager", "torch.export", "onnxruntime"):
        for batch in (1, 256):
            r = served[f"{name}, batch {batch}"]
            rows.append(
                (
                    f"deployment CNN, {name}, batch {batch}, 1 thread",
                    f"{r['latency_ms']:.2f} ms, {r['images_per_s']:,.0f} images/s",
                    "—",
                )
            )
    return rows


if __name__ == "__main__":
    main()
