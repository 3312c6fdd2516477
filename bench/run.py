"""`make bench`: measure what the project promises, print a markdown table and
write it to bench/results.md. Measured, never asserted: the targets are printed
beside each figure for comparison.

    .venv/bin/python bench/run.py [--skip-suite] [--skip-portability]

Measures: a fully cold strict build (empty figure and snippet-run caches), a
cold build with the snippet runs cached (as after `make test`), a warm rebuild,
a rebuild after editing one figure module, the full test suite (the pytest
part of `make test`), `make test-portability` (the page tests under three CPU
kernel profiles), the ten slowest snippets, the bytes a page transfers
(largest and median, math engine included) and the build's peak memory.
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
from zero_to_all.sitecheck import browser_check, free_port  # noqa: E402

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


def measure(cmd: list[str], env: dict | None = None) -> dict:
    """Run cmd; wall time and peak resident memory of it and its children."""
    out = subprocess.run(
        [PY, "-c", _MEASURE, *cmd],
        capture_output=True,
        text=True,
        cwd=ROOT,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-suite", action="store_true", help="do not time the test suite")
    parser.add_argument("--skip-portability", action="store_true", help="do not time make test-portability")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    work = Path(tempfile.mkdtemp(prefix="zta-bench-"))
    saved = work / "cache-backup"
    if CACHE.exists():
        shutil.copytree(CACHE, saved)
    try:
        # 1. fully cold: no figure cache, no snippet-run cache
        shutil.rmtree(CACHE, ignore_errors=True)
        cold = build(work / "cold")
        rows.append(("cold build, empty caches (figures train their snippets)", f"{cold['seconds']:.1f} s", "≤ 60 s"))
        # 2. cold figures, cached snippet runs (what `make build` meets after `make test`)
        shutil.rmtree(CACHE / "figures", ignore_errors=True)
        semi = build(work / "semi")
        rows.append(("cold build, snippet runs cached (after make test)", f"{semi['seconds']:.1f} s", "≤ 60 s"))
        # 3. warm
        warm = build(work / "warm")
        rows.append(("warm rebuild (nothing changed)", f"{warm['seconds']:.1f} s", "≤ 10 s"))
        # 4. one figure's source edited
        original = FIGURE_MODULE.read_text()
        assert FIGURE_FUNCTION in original
        try:
            FIGURE_MODULE.write_text(original.replace(FIGURE_FUNCTION, FIGURE_FUNCTION + "\n    # bench: touched", 1))
            touched = build(work / "touched")
        finally:
            FIGURE_MODULE.write_text(original)
        rows.append(("rebuild after editing one figure's function", f"{touched['seconds']:.1f} s", "≤ 10 s (warm)"))
        peak = max(r["peak_mb"] for r in (cold, semi, warm, touched))
        rows.append(("peak memory of a build (max RSS)", f"{peak:.0f} MB", "—"))

        # 5. the suite
        if not args.skip_suite:
            suite = measure(
                [str(ROOT / ".venv/bin/pytest"), "-q", "-n", "auto", "--dist", "loadgroup", "-p", "no:cacheprovider"]
            )
            rows.append(
                ("test suite (pytest part of make test, -n auto)", f"{suite['seconds'] / 60:.1f} min", "≤ 10 min")
            )

        # 5b. the page tests under every CPU kernel profile
        if not args.skip_portability:
            portability = measure([PY, "-m", "zero_to_all.portability"])
            rows.append(
                (
                    "make test-portability (page tests under 3 CPU kernel profiles)",
                    f"{portability['seconds'] / 60:.1f} min",
                    "—",
                )
            )

        # 6. slowest snippets, from the runs the suite cached
        runs = []
        for snippet in sorted((ROOT / "snippets").rglob("*.py")):
            run = latest(snippet.relative_to(ROOT).as_posix())
            if run:
                runs.append((run.seconds, run.path))
        for seconds, path in sorted(runs, reverse=True)[:10]:
            budget = "≤ 90 s (uses MNIST)" if "datasets.MNIST(" in (ROOT / path).read_text() else "≤ 10 s"
            rows.append((f"snippet {path} (in the suite, one thread)", f"{seconds:.2f} s", budget))

        # 7. page weight, as a first visit transfers it (fresh browser context per page)
        port = free_port()
        site = work / "served"
        build(site, {"ZTA_SITE_URL": f"http://127.0.0.1:{port}/"})
        report = browser_check(site, port=port)
        sizes = {p: b for p, b in report.bytes_per_page.items() if not p.startswith("(")}
        largest = max(sizes, key=sizes.get)
        rows.append((f"largest page transfer ({largest})", f"{sizes[largest] / 1e6:.2f} MB", "≤ 1 MB"))
        rows.append(
            (
                f"median page transfer ({len(sizes)} pages)",
                f"{statistics.median(sizes.values()) / 1e6:.2f} MB",
                "≤ 1 MB",
            )
        )
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


if __name__ == "__main__":
    main()
