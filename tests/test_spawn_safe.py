"""The program of docs/classification/datasets-and-loaders.md starts DataLoader
worker processes. Under the "spawn" start method (Windows, macOS; Linux's
"forkserver" from Python 3.14 does the same) every worker imports the program
file as `__mp_main__`, so its top level must do nothing but import and define.

The page tests run the program in-process, where Linux's "fork" start method
hides the problem, so this module runs it as a reader on Windows or macOS
would: in a separate Python with the start method set to "spawn". It checks that
workers really were spawned from the program file, and that they re-ran none
of it (each printed line appears once, the download, the training and the
MNIST part included). A cheap in-process check shows what a worker's import
runs, and a broken copy proves that check fails.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import runpy
import shutil
import subprocess
import sys

import pytest

from zero_to_all import ROOT
from zero_to_all.runs import new_workdir, sandbox

SNIPPET = ROOT / "snippets/classification/datasets_and_loaders.py"
GUARD = 'if __name__ == "__main__":'
# the program's own top-level names: what a spawned worker gets by importing it
DEFINITIONS = {"DiabetesDataset", "IndexDataset", "train", "accuracy"}

# Runs the program as `python datasets_and_loaders.py` would, with the start
# method set to spawn first, recording what each spawned process was told to
# import as its __main__ (multiprocessing sends it that path).
WRAPPER = """
import json, multiprocessing, multiprocessing.spawn, runpy, sys
from zero_to_all.runs import guard_process

guard_process()  # offline, warnings as errors, as in the page tests
multiprocessing.set_start_method("spawn")
mains = []
prepare = multiprocessing.spawn.get_preparation_data
def recording(name):
    data = prepare(name)
    mains.append(data.get("init_main_from_path"))
    return data
multiprocessing.spawn.get_preparation_data = recording
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
with open("spawned.json", "w") as f:
    json.dump({"method": multiprocessing.get_start_method(), "mains": mains}, f)
"""


def expected_lines() -> list[str]:
    """What the program prints, from its `#>` lines, digits masked (trained numbers
    may differ in the last digit under another CPU profile)."""
    out = []
    for line in SNIPPET.read_text().splitlines():
        if line.lstrip().startswith("#>"):
            out.append(_mask(line.lstrip()[3:]))
    return out


def _mask(text: str) -> str:
    return re.sub(r"\d", "0", text.rstrip())


def test_program_runs_under_spawn_and_workers_rerun_nothing():
    workdir = new_workdir()
    try:
        _run_under_spawn(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run_under_spawn(workdir):
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(SNIPPET)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{SNIPPET.relative_to(ROOT)} failed when run with the start method 'spawn' (as on Windows "
        f"and macOS):\n{result.stderr[-4000:]}"
    )
    spawned = json.loads((workdir / "spawned.json").read_text())
    assert spawned["method"] == "spawn"
    assert spawned["mains"] == [str(SNIPPET)] * 2, (
        f"expected the two DataLoader workers to be spawned, each importing the program file; got {spawned}"
    )
    printed = [_mask(line) for line in result.stdout.splitlines()]
    assert printed == expected_lines(), (
        "under spawn the program printed something other than its `#>` lines, each once (a worker that "
        "re-runs top-level code prints again). Keep only imports and definitions at the top level, "
        f"everything else under {GUARD}\n--- printed:\n{result.stdout}"
    )


def _import_as_worker(source: str) -> tuple[str, dict]:
    """What a spawned worker does with the program file: run it as `__mp_main__`."""
    workdir = new_workdir()
    path = workdir / SNIPPET.name
    path.write_text(source)
    printed = io.StringIO()
    try:
        with sandbox(workdir), contextlib.redirect_stdout(printed):
            namespace = runpy.run_path(str(path), run_name="__mp_main__")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return printed.getvalue(), {k for k in namespace if not k.startswith("__")}


def _check_worker_import(source: str) -> None:
    printed, names = _import_as_worker(source)
    ran = names - DEFINITIONS - {"math", "np", "torch", "nn", "DataLoader", "Dataset"}
    ran -= {"random_split", "TensorDataset", "SubsetRandomSampler"}
    assert not printed and not ran, (
        f"importing {SNIPPET.relative_to(ROOT)} as a spawned worker does (printed {printed!r}, defined "
        f"{sorted(ran)}): move that code under {GUARD}"
    )
    assert names >= DEFINITIONS, f"a worker's import no longer defines {sorted(DEFINITIONS - names)}"


def test_a_workers_import_only_defines():
    _check_worker_import(SNIPPET.read_text())


def test_a_missing_guard_is_caught():
    source = SNIPPET.read_text()
    # the first guard (download and load the CSV) no longer guards anything
    broken, found = re.subn(rf"^{re.escape(GUARD)}", "if True:", source, count=1, flags=re.M)
    assert found == 1
    with pytest.raises(AssertionError, match="as a spawned worker does"):
        _check_worker_import(broken)
