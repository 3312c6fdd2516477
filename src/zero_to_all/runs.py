"""Running reader code in-process, the way a reader runs it, and caching the runs.

`sandbox()` gives code what a reader's machine gives it: a fresh working
directory in which `data/` holds the datasets (the offline copy), no network,
and Deprecation/Future warnings raised as errors. `run_snippet()` runs one
snippet file top to bottom there and keeps what it printed and the plain values
it defined (numbers, lists, arrays, tensors) in `.cache/runs/`, keyed by a hash
of the snippet's source and the versions it ran with. The tests write that
cache; figures that plot what a snippet computed read it, so `make test` then
`make build` trains nothing twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import os
import pickle
import platform
import shutil
import socket
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from . import CACHE, ROOT, atomic_write, cache_file, cached_versions, data_dir
from .outputs import PrintLog, recording

RUN_CACHE = CACHE / "runs"
VERIFIED = CACHE / "verified.json"  # what the last test run measured, read by the build
HARNESS_VERSION = "1"
MAX_CACHED_VALUE = 16 * 1024 * 1024  # bytes, pickled


class NetworkBlocked(OSError):
    pass


BLOCKED: list[str] = []  # addresses the code under test tried to reach


def missing_data_hint() -> str:
    return (
        f"The offline datasets were expected at {data_dir()} (shown to the code as data/). "
        "Put them there, or point ZTA_DATA_DIR at a directory that has them "
        "(see ../shared/data/README.md)."
    )


def _is_local(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _blocked(what) -> NetworkBlocked:
    BLOCKED.append(repr(what))
    return NetworkBlocked(
        f"network access blocked: the code tried to reach {what!r}; tests and the "
        "build run offline. If this is a dataset download, the dataset is missing. " + missing_data_hint()
    )


def _guarded_connect(real_connect):
    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(host):
            raise _blocked(address)
        return real_connect(self, address)

    return connect


def _guarded_getaddrinfo(real_getaddrinfo):
    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host):
            raise _blocked(host)
        return real_getaddrinfo(host, *args, **kwargs)

    return getaddrinfo


def guard_process() -> None:
    """For a separate process running reader code (a notebook's kernel): no
    network for the rest of its life, and warnings as errors, as in sandbox()."""
    socket.socket.connect = _guarded_connect(socket.socket.connect)
    socket.getaddrinfo = _guarded_getaddrinfo(socket.getaddrinfo)
    filter_warnings_as_errors()


def filter_warnings_as_errors() -> None:
    """Warnings that mean 'this code teaches yesterday's PyTorch' become errors."""
    warnings.simplefilter("error", DeprecationWarning)
    warnings.simplefilter("error", PendingDeprecationWarning)
    warnings.simplefilter("error", FutureWarning)
    warnings.filterwarnings("error", message=r"(?i).*deprecat", category=UserWarning)
    if os.environ.get("ZTA_DEVICE"):
        # `make test-device` runs whatever torch the GPU machine has, maybe older than the
        # pins: a warning raised inside the libraries is shown there, not fatal; one
        # attributed to the course's own code (run as __main__) still fails
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            warnings.simplefilter("default", category)
            warnings.filterwarnings("error", category=category, module="__main__")


def new_workdir() -> Path:
    """A fresh directory in which `data/` shows the offline datasets."""
    workdir = Path(tempfile.mkdtemp(prefix="zta-run-"))
    data = data_dir()
    if data.is_dir():
        (workdir / "data").symlink_to(data, target_is_directory=True)
    return workdir


@contextlib.contextmanager
def sandbox(workdir: Path | None = None):
    """Run in `workdir` (default: a fresh one, removed afterwards) with `data/` ->
    the offline datasets, no network, warnings as errors, and torch/matplotlib
    global state restored afterwards."""
    own = workdir is None
    workdir = new_workdir() if own else workdir
    old_cwd = os.getcwd()
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo
    torch = sys.modules.get("torch")
    torch_state = (torch.is_grad_enabled(), torch.get_default_dtype(), torch.get_num_threads()) if torch else None
    os.chdir(workdir)
    if torch is not None:
        torch.set_num_threads(1)  # the same numbers as the tests, on any machine
    socket.socket.connect = _guarded_connect(real_connect)
    socket.getaddrinfo = _guarded_getaddrinfo(real_getaddrinfo)
    try:
        with warnings.catch_warnings():
            filter_warnings_as_errors()
            yield workdir
    finally:
        socket.socket.connect = real_connect
        socket.getaddrinfo = real_getaddrinfo
        os.chdir(old_cwd)
        torch = sys.modules.get("torch")
        if torch is not None:
            if torch_state is None:
                torch_state = (True, torch.float32, torch.get_num_threads())
            torch.set_grad_enabled(torch_state[0])
            torch.set_default_dtype(torch_state[1])
            torch.set_num_threads(torch_state[2])
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        if own:
            shutil.rmtree(workdir, ignore_errors=True)


class CodeFailed(Exception):
    """Reader code raised. The message names where, and shows the traceback
    restricted to the reader's code."""


def execute(code: str, filename: str, namespace: dict, log: PrintLog, where) -> None:
    """exec `code` (compiled as `filename`) in `namespace`, recording prints into `log`.
    `where` names the code in a failure: a string, or a function of the failing line."""
    compiled = compile(code, filename, "exec")
    log.filenames.add(filename)
    BLOCKED.clear()
    try:
        with recording(log):
            exec(compiled, namespace)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        tb = exc.__traceback__
        frames = traceback.extract_tb(tb)
        mine = [f for f in frames if f.filename == filename]
        line = mine[-1].lineno if mine else "?"
        lines = code.splitlines()
        shown = lines[line - 1].strip() if isinstance(line, int) and line <= len(lines) else ""
        hint = (
            f"\n\nThe code tried to reach the network ({', '.join(BLOCKED)}), which tests and "
            "the build never do: a dataset is probably missing. " + missing_data_hint()
            if BLOCKED
            else ""
        )
        place = where(line) if callable(where) and isinstance(line, int) else f"{where}, line {line}"
        raise CodeFailed(
            f"{place} raised {type(exc).__name__}: {exc}\n"
            f"    {shown}\n\n" + "".join(traceback.format_exception(type(exc), exc, tb)[-12:]) + hint
        ) from exc


def installed_torch_version() -> str:
    """torch.__version__ ("2.14.1+cu130"), read without importing torch (seconds)
    when it is not loaded yet; package metadata would drop the "+cu130"."""
    torch = sys.modules.get("torch")
    if torch is not None:
        return torch.__version__
    import importlib.util
    import re

    spec = importlib.util.find_spec("torch")
    text = (Path(spec.origin).parent / "version.py").read_text()
    return re.search(r"__version__\s*=\s*['\"]([^'\"]+)", text).group(1)


def source_key(source: str, torch_version: str | None = None) -> str:
    """Identifies a run: the snippet's source, the torch and Python it ran with."""
    if torch_version is None:
        torch_version = installed_torch_version()
    h = hashlib.sha256()
    for part in (HARNESS_VERSION, source, torch_version, platform.python_version()):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


@dataclass
class SnippetRun:
    path: str  # relative to the repository root
    key: str
    seconds: float
    values: dict = field(default_factory=dict)  # plain values the snippet defined
    dropped: dict = field(default_factory=dict)  # name -> why it was not kept
    events: list = field(default_factory=list)  # (filename, line, text) of each print
    torch_version: str = ""
    python_version: str = ""
    finished: str = ""  # ISO date of the run
    cpu: str = ""  # the CPU and the kernels torch chose on it

    @classmethod
    def of(cls, path: str, key: str, seconds: float, namespace: dict, events: list) -> SnippetRun:
        """The run of snippet `path` (relative to the repository) that left `namespace`."""
        import torch

        values, dropped = _plain_values(namespace)
        return cls(
            path=path,
            key=key,
            seconds=seconds,
            values=values,
            dropped=dropped,
            events=list(events),
            torch_version=torch.__version__,
            python_version=platform.python_version(),
            finished=time.strftime("%Y-%m-%d"),
            cpu=cpu_description(),
        )


def cpu_description() -> str:
    """'Intel(R) Xeon(R) Processor, AVX512 kernels': which CPU ran the code, and which of
    torch's CPU kernels it used (they decide the last digits of trained numbers)."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    torch = sys.modules.get("torch")
    kernels = torch.backends.cpu.get_cpu_capability() if torch is not None else ""
    return f"{model}, {kernels} kernels" if kernels else model


def _plain_values(namespace: dict) -> tuple[dict, dict]:
    """(kept, dropped): the plain values a snippet defined, and why others were not kept."""
    import numpy as np
    import torch

    kept, dropped = {}, {}
    for name, value in namespace.items():
        if name.startswith("_") or not isinstance(
            value, (int, float, bool, str, list, tuple, dict, np.ndarray, np.generic, torch.Tensor)
        ):
            continue
        if isinstance(value, torch.Tensor):
            if value.is_meta:
                dropped[name] = "a meta tensor (it has no values)"
                continue
            value = value.detach().cpu().clone()  # a view would pickle its whole storage
        try:
            blob = pickle.dumps(value)
        except Exception as exc:  # noqa: BLE001 - unpicklable values are not kept
            dropped[name] = f"cannot be pickled ({type(exc).__name__})"
            continue
        if len(blob) <= MAX_CACHED_VALUE:
            kept[name] = value
        else:
            dropped[name] = f"{len(blob) / 2**20:.0f} MB, over the {MAX_CACHED_VALUE // 2**20} MB kept per value"
    return kept, dropped


def snippet_path(path: str | Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else ROOT / p


def run_snippet_fresh(path: str | Path, where: str | None = None) -> tuple[SnippetRun, PrintLog]:
    """Run a snippet file top to bottom as `python <file>` would, in a sandbox."""
    full = snippet_path(path)
    source = full.read_text()
    rel = full.relative_to(ROOT).as_posix() if full.is_relative_to(ROOT) else str(full)
    log = PrintLog(filenames=set())
    namespace = {"__name__": "__main__", "__file__": str(full), "__builtins__": __builtins__}
    start = time.perf_counter()
    with sandbox():
        execute(source, str(full), namespace, log, where or rel)
    run = SnippetRun.of(rel, source_key(source), time.perf_counter() - start, namespace, log.events)
    return run, log


def _cache_file(rel: str, key: str) -> Path:
    return cache_file(RUN_CACHE, rel, key, ".pkl")


def save(run: SnippetRun) -> None:
    """Cache the run, beside a digest of its values (figures key their cache on it)."""
    target = _cache_file(run.path, run.key)
    for suffix in (".pkl", ".values"):
        for old in cached_versions(RUN_CACHE, run.path, suffix):
            if old != target.with_suffix(suffix):
                old.unlink(missing_ok=True)
    atomic_write(target.with_suffix(".values"), hashlib.sha256(pickle.dumps(run.values)).hexdigest())
    atomic_write(target, pickle.dumps(run))


def values_digest(path: str) -> str:
    """A digest of the values the cached run of the snippet's current source left
    ("not run" without one), read without unpickling (no torch import): a figure
    drawn from other values, e.g. another run's timings, is not taken from the cache."""
    try:
        return _cache_file(path, source_key((ROOT / path).read_text())).with_suffix(".values").read_text()
    except OSError:
        return "not run"


def has_run(path: str | Path) -> bool:
    """Is a run of the snippet's current source cached? (without unpickling it)"""
    full = snippet_path(path)
    return _cache_file(full.relative_to(ROOT).as_posix(), source_key(full.read_text())).exists()


def cached(path: str | Path) -> SnippetRun | None:
    """The cached run of the snippet's current source, if any."""
    full = snippet_path(path)
    rel = full.relative_to(ROOT).as_posix()
    f = _cache_file(rel, source_key(full.read_text()))
    if not f.exists():
        return None
    try:
        with f.open("rb") as fh:
            return pickle.load(fh)
    except Exception:  # noqa: BLE001 - a corrupt cache entry is just a miss
        return None


def latest(rel: str) -> SnippetRun | None:
    """The most recent cached run of a snippet, whatever its source hash was."""
    for f in reversed(cached_versions(RUN_CACHE, rel, ".pkl")):
        try:
            with f.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001
            continue
    return None


def run_snippet(path: str | Path) -> tuple[SnippetRun, PrintLog | None]:
    """The snippet's run: from the cache when its source is unchanged, else a real
    run that is then cached. Nothing here waits for another process: `make test`
    runs its stages one after another (`zero_to_all.suite`), so a build finds
    the page tests' runs finished and cached, or runs the snippet itself."""
    full = snippet_path(path)
    hit = cached(full)
    if hit is not None:
        return hit, None
    run, log = run_snippet_fresh(full)
    save(run)
    return run, log


def record_verified(run: SnippetRun) -> None:
    """Note in .cache/verified.json that this snippet passed its test: with what, on
    which CPU, how fast, and the wall-clock lines it printed (the stamp shows them)."""
    import json

    from filelock import FileLock

    from .outputs import timing_lines

    CACHE.mkdir(parents=True, exist_ok=True)
    with FileLock(str(VERIFIED) + ".lock"):
        data = json.loads(VERIFIED.read_text()) if VERIFIED.exists() else {}
        data[run.path] = {
            "key": run.key,
            "seconds": round(run.seconds, 2),
            "torch": run.torch_version,
            "python": run.python_version,
            "date": run.finished,
            "cpu": run.cpu,
            "timings": timing_lines("".join(text for _, _, text in run.events)),
        }
        atomic_write(VERIFIED, json.dumps(data, indent=1, sort_keys=True) + "\n")


def verified() -> dict:
    import json

    try:
        return json.loads(VERIFIED.read_text())
    except (OSError, ValueError):
        return {}


DURATIONS = ROOT / "tests" / "durations.json"  # committed estimates for a fresh clone


def durations() -> dict:
    import json

    try:
        return json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        return {}


def expected_seconds(rel: str) -> float:
    """How long the snippet takes in the suite (one thread): from this machine's last
    passing run (.cache/verified.json), else the committed estimate, else 10 s."""
    record = verified().get(rel)
    if record:
        return float(record["seconds"])
    return float(durations().get("snippets", {}).get(rel, 10.0))


def quiet_worker() -> None:
    """A pool process's initializer: one torch thread, as in the tests (the same
    numbers; and one process per core, each with a team of threads, would
    oversubscribe the cores: several times slower); the snippets' own printout
    (and their child processes') goes nowhere, the parent prints one progress
    line per snippet; lower priority, so a build or a server stays responsive."""
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    with contextlib.suppress(OSError):
        os.nice(5)


def ensure_run(path: str) -> tuple[str, float]:
    """Make sure the snippet's current source has a cached run (for a process pool);
    returns (path, seconds it ran, 0 if it was cached).

    The pool's processes are spawned, and a spawned process makes "spawn" its own
    default too; reader code here gets Linux's default, fork, as under
    `python snippet.py` (a DataLoader with workers needs it: its classes live in
    the snippet, which is not this process's __main__)."""
    import multiprocessing

    if sys.platform.startswith("linux"):
        multiprocessing.set_start_method("fork", force=True)
    run, log = run_snippet(path)
    return path, (run.seconds if log is not None else 0.0)
