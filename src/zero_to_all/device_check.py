"""`make test-device`: every page's code on the accelerator this machine has.

The suite runs on CPUs; readers also run the pages on a GPU (the Colab buttons
open GPU runtimes) or a Mac. This runs the page tests (`tests/test_pages.py`)
with `ZTA_DEVICE` set to the accelerator found, CUDA or MPS: the snippets pick
it themselves, as their device line does for a reader. Every block must
complete, and every `#>` line must hold as on a CPU (text and counts exactly,
decimals to one unit, times by form) except what a device changes by design:
its name where the page says `cpu`, and trained numbers (the prints with a
`# ±N` comment), which may move by `outputs.DEVICE_RELATIVE` of their value, as
the pages' trained-numbers note tells a GPU reader. Then it writes every
printed number that differs from the page, and by how much, to
`.cache/device.md` (the evidence for that note). Nothing is cached or stamped.

On a machine with no accelerator it says so and stops. `--device cpu` runs the
same harness on the CPU with the device's checks: how `make test`'s own tests
prove it works without a GPU.

    python -m zero_to_all.device_check [--device auto|cuda|mps|cpu] [--workers N] [pytest args]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import CACHE, ROOT

REPORT = CACHE / "device.md"


def accelerator() -> str | None:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return None


def describe(device: str) -> str:
    import platform

    import torch

    if device == "cuda":
        name = f"{torch.cuda.get_device_name(0)}, CUDA {torch.version.cuda}"
    elif device == "mps":
        name = f"Apple {platform.machine()} (MPS)"
    else:
        from .runs import cpu_description

        name = f"{cpu_description()} (the CPU standing in for a device)"
    return f"{name}, torch {torch.__version__}, Python {platform.python_version()}"


def run(device: str, workers: str, pytest_args: list[str], dump: Path) -> int:
    env = {**os.environ, "ZTA_DEVICE": device, "ZTA_OUTPUTS_DUMP": str(dump)}
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/test_pages.py"]
    if workers != "0":
        cmd += ["-n", workers, "--dist", "loadgroup", "--no-loadscope-reorder"]
    return subprocess.run([*cmd, *pytest_args], cwd=ROOT, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", choices=["auto", "cuda", "mps", "cpu"])
    parser.add_argument("--workers", default="auto", help="pytest-xdist workers; 0 runs in one process")
    args, pytest_args = parser.parse_known_args(argv)
    device = accelerator() if args.device == "auto" else args.device
    if device is None:
        print(
            "make test-device: this machine has no CUDA GPU and no Apple MPS device, so there is "
            "nothing to check here. Run it on a machine with one (the pages' code picks it itself)."
        )
        return 0
    print(f"make test-device: every page's code on {device}: {describe(device)}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="zta-device-"))
    try:
        started = time.perf_counter()
        rc = run(device, args.workers, pytest_args, work / device)
        seconds = time.perf_counter() - started
        from .portability import spread_report

        rows = spread_report({device: work / device})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(
        [
            f"Device run of {time.strftime('%Y-%m-%d')} on {describe(device)}: "
            f"{'passed' if rc == 0 else 'FAILED'} in {seconds / 60:.1f} min.",
            "",
            "Printed numbers that differ from the page (distance from the recorded `#>` value in units",
            "of its last digit), and every line with a tolerance comment:",
            "",
            f"| snippet line | `#>` line (recorded) | what {device} printed instead | distance | tolerance on a CPU |",
            "|---|---|---|---:|---:|",
            *rows,
        ]
    )
    print("\n" + text)
    CACHE.mkdir(exist_ok=True)
    REPORT.write_text(text + "\n")
    return rc


if __name__ == "__main__":
    sys.exit(main())
