"""`make test-portability`: every page's code and `#>` check under several CPU kernel profiles.

A trained number's last digits depend on the CPU kernels that computed it:
ATen's vectorised kernels (`ATEN_CPU_CAPABILITY`), MKL's code path (`MKL_CBWR`),
oneDNN's instruction set (`ONEDNN_MAX_CPU_ISA`) and numpy's OpenBLAS core
(`OPENBLAS_CORETYPE`). Each profile below sets them from outside, as another
machine would differ, and runs the page tests (`tests/test_pages.py`, which run
every snippet once and check its outputs) in a fresh pytest. All profiles must
pass. Then it prints, for every printed number that moved between profiles, how
far it moved in units of its last digit, beside the tolerance the snippet
allows, and writes that report to `.cache/portability.md`.

    python -m zero_to_all.portability [--profiles native,avx2,baseline] [pytest args]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import CACHE, ROOT
from .outputs import _NUMBER, _TIMING_UNIT, _last_digit, tolerances

# name -> (what it emulates, environment)
PROFILES: dict[str, tuple[str, dict[str, str]]] = {
    "native": ("this machine's best kernels", {}),
    "avx2": (
        "an AVX2 machine without AVX-512 (an AMD EPYC up to Zen 3, an older Intel)",
        {
            "ATEN_CPU_CAPABILITY": "avx2",
            "MKL_CBWR": "AVX2",
            "MKL_ENABLE_INSTRUCTIONS": "AVX2",
            "ONEDNN_MAX_CPU_ISA": "AVX2",
            "OPENBLAS_CORETYPE": "Haswell",
        },
    ),
    "baseline": (
        "a plain x86-64 machine: no vectorised ATen kernels, MKL's compatible path, oneDNN on SSE4.1",
        {
            "ATEN_CPU_CAPABILITY": "default",
            "MKL_CBWR": "COMPATIBLE",
            "ONEDNN_MAX_CPU_ISA": "SSE41",
            "OPENBLAS_CORETYPE": "Prescott",
        },
    ),
}
REPORT = CACHE / "portability.md"


def run_profile(name: str, dump: Path, pytest_args: list[str]) -> tuple[int, float]:
    """The page tests under one profile; (exit code, seconds)."""
    _, env = PROFILES[name]
    # a profile is set from outside only: nothing inherited from this shell may override it
    clean = {k: v for k, v in os.environ.items() if k not in {v for _, e in PROFILES.values() for v in e}}
    # torch.compile's cache key ignores ATEN_CPU_CAPABILITY: a kernel compiled under one
    # profile would be reused under the next (and gave wrong values): one cache each
    env = {**env, "TORCHINDUCTOR_CACHE_DIR": str(dump.parent / f"{name}-inductor")}
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-n",
            "auto",
            "--dist",
            "loadgroup",
            "--no-loadscope-reorder",
            "-q",
            "tests/test_pages.py",
            *pytest_args,
        ],
        cwd=ROOT,
        env={**clean, **env, "ZTA_PROFILE": name, "ZTA_OUTPUTS_DUMP": str(dump)},
    )
    return result.returncode, time.perf_counter() - started


def spread_report(dumps: dict[str, Path]) -> list[str]:
    """Markdown rows: every `#>` line with a number that differs between profiles, or
    with a tolerance comment: the values each profile printed, the largest distance
    from the recorded value in units of its last digit, and the tolerance allowed."""
    rows = []
    snippets = sorted({f.name for d in dumps.values() if d.is_dir() for f in d.glob("*.json")})
    for file in snippets:
        snippet = file[: -len(".json")].replace("__", "/")
        allowed = tolerances((ROOT / snippet).read_text())
        runs = {name: json.loads((d / file).read_text()) for name, d in dumps.items() if (d / file).exists()}
        for first in sorted({int(k) for r in runs.values() for k in r}):
            block = next(r[str(first)] for r in runs.values() if str(first) in r)
            tolerance = allowed.get(first - 1, 1)
            for i, expected in enumerate(block["expected"]):
                printed = {name: run.get(str(first), {}).get("printed", []) for name, run in runs.items()}
                worst, moved = _spread(expected, {name: lines[i] for name, lines in printed.items() if i < len(lines)})
                if moved or first - 1 in allowed:
                    flag = "" if worst <= tolerance + 1e-9 else " **over**"
                    values = ", ".join(f"{name} {value}" for name, value in moved.items()) or "all as recorded"
                    line = f"`{snippet}:{first + i}` | `{expected.strip()[:60]}`"
                    rows.append(f"| {line} | {values} | {worst:.0f} | ±{tolerance}{flag} |")
    return rows


def _spread(expected: str, printed: dict[str, str]) -> tuple[float, dict[str, str]]:
    """(largest distance from `expected` in units of its last digit, {profile: its
    differing numbers}) over the measured numbers of one printed line."""
    e_parts = _NUMBER.split(expected)
    worst, moved = 0.0, {}
    for name, line in printed.items():
        a_parts = _NUMBER.split(line)
        if len(a_parts) != len(e_parts):
            moved[name] = "(another shape of line)"
            worst = float("inf")
            continue
        differing = []
        for j in range(1, len(e_parts), 2):
            following = e_parts[j + 1] if j + 1 < len(e_parts) else ""
            if _TIMING_UNIT.match(following) or a_parts[j] == e_parts[j]:
                continue
            differing.append(a_parts[j])
            try:
                distance = abs(float(a_parts[j].replace(",", "")) - float(e_parts[j].replace(",", "")))
                worst = max(worst, distance / _last_digit(e_parts[j]))
            except ValueError:
                worst = float("inf")
        if differing:
            moved[name] = "/".join(differing)
    return worst, moved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default=",".join(PROFILES), help="comma-separated, of: " + ", ".join(PROFILES))
    args, pytest_args = parser.parse_known_args()
    names = [n for n in args.profiles.split(",") if n]
    unknown = [n for n in names if n not in PROFILES]
    if unknown:
        parser.error(f"unknown profile(s) {unknown}; known: {list(PROFILES)}")
    work = Path(tempfile.mkdtemp(prefix="zta-portability-"))
    results = {}
    try:
        for name in names:
            what, env = PROFILES[name]
            shown = " ".join(f"{k}={v}" for k, v in env.items()) or "(nothing set)"
            print(f"\n=== profile {name}: {what}\n    {shown}", flush=True)
            results[name] = run_profile(name, work / name, pytest_args)
        rows = spread_report({name: work / name for name in names})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = sum(seconds for _, seconds in results.values())
    lines = [
        f"Portability run of {time.strftime('%Y-%m-%d')}: {len(names)} CPU kernel profiles, "
        f"{total / 60:.1f} min in all.",
        "",
        "| profile | emulates | result | time |",
        "|---|---|---|---:|",
        *[
            f"| {n} | {PROFILES[n][0]} | {'passed' if rc == 0 else 'FAILED'} | {s / 60:.1f} min |"
            for n, (rc, s) in results.items()
        ],
        "",
        "Printed numbers that differ between the profiles (spread: the largest distance from the",
        "recorded `#>` value, in units of its last digit), and lines with a tolerance comment:",
        "",
        "| snippet line | `#>` line (recorded) | what the profiles printed instead | spread | tolerance |",
        "|---|---|---|---:|---:|",
        *rows,
    ]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    CACHE.mkdir(exist_ok=True)
    REPORT.write_text(text)
    failed = [n for n, (rc, _) in results.items() if rc != 0]
    if failed:
        print(f"FAILED under profile(s): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
