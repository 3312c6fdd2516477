"""Running a page's blocks the way a reader runs the page, top to bottom, once.

Blocks that show sections of the same snippet share one namespace and one
working directory, in page order (a reader pastes them one after another; the
lint proves they are the whole snippet, in file order, so this *is* the
snippet's run). Every other block starts fresh. Each block is one test: it runs
after the blocks it continues (running them first if they have not run in this
process), and the `#>` lines are compared with what the prints have written so
far. When the last block of a snippet has run:

- its run is cached (`runs.save`: the values figures plot) and the page's
  "last verified" stamp recorded, unless a CPU-profile run (`ZTA_PROFILE`) is
  only proving the outputs hold elsewhere;
- with `--update-outputs` the snippet's `#>` lines are rewritten from this run;
- with `ZTA_OUTPUTS_DUMP=DIR` what each print wrote is saved for
  `make test-portability` to compare across profiles.

When every block of a page has passed, `record_page_pass` notes it under a key
of everything the result depends on (the page's code as rendered, its snippets,
this harness, the versions, the CPU and its kernel settings, the datasets'
folder). A later `make test` with the same key reuses that pass instead of
training again (`reusable_pass`); `ZTA_RERUN=1`, `--update-outputs` and the
portability profiles always run the code.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import CACHE, ROOT, atomic_write, data_dir
from .outputs import MalformedOutput, PrintLog, check, printed_lines, rewrite
from .pages import PageBlock
from .runs import (
    CodeFailed,
    SnippetRun,
    cpu_description,
    execute,
    has_run,
    installed_torch_version,
    new_workdir,
    record_verified,
    sandbox,
    save,
    source_key,
)
from .sources import program_lines


class BlockFailed(AssertionError):
    pass


@dataclass
class Chain:
    workdir: Path
    namespace: dict
    log: PrintLog = field(default_factory=lambda: PrintLog(filenames=set()))
    blocks: dict[str, PageBlock] = field(default_factory=dict)  # compiled filename -> block
    done: dict[int, str | None] = field(default_factory=dict)  # block index -> failure or None
    reported: set[str] = field(default_factory=set)
    seconds: float = 0.0


@dataclass
class Finished:
    """What the last block of a snippet did with the snippet's run."""

    snippet: str
    rewrote: list[int] = field(default_factory=list)  # snippet lines whose `#>` lines changed


_CHAINS: dict[tuple[str, str], Chain] = {}


def _chain(block: PageBlock) -> Chain:
    key = (block.page, block.namespace_key)
    if key not in _CHAINS:
        namespace = {"__name__": "__main__"}
        if block.snippet:
            namespace["__file__"] = str(block.snippet_file)  # as `python snippets/…` has it
        _CHAINS[key] = Chain(workdir=new_workdir(), namespace=namespace)
    return _CHAINS[key]


def reset() -> None:
    for chain in _CHAINS.values():
        shutil.rmtree(chain.workdir, ignore_errors=True)
    _CHAINS.clear()


def _execute_block(block: PageBlock, chain: Chain) -> str | None:
    """Run one block in its chain; returns the failure message or None."""
    chain.blocks[block.filename] = block
    start = time.perf_counter()
    try:
        with sandbox(chain.workdir):
            execute(block.code, block.filename, chain.namespace, chain.log, where=block.where)
    except CodeFailed as exc:
        return str(exc)
    finally:
        chain.seconds += time.perf_counter() - start
    return None


def run_block(block: PageBlock, page_blocks: list[PageBlock], update_outputs: bool = False) -> Finished | None:
    """Run `block` (after any earlier block of its chain that has not run yet) and
    check its outputs. Raises BlockFailed naming the page, block, snippet line and
    cause. Returns what was done with the snippet's run after its last block."""
    chain = _chain(block)
    same = [b for b in page_blocks if b.namespace_key == block.namespace_key]
    for earlier in (b for b in same if b.index < block.index):
        if earlier.index not in chain.done:
            chain.done[earlier.index] = _execute_block(earlier, chain)
        if chain.done[earlier.index]:
            raise BlockFailed(
                f"{block.filename}: not run, because block {earlier.index} (line "
                f"{earlier.line}) it continues failed:\n{chain.done[earlier.index]}"
            )
    if block.index not in chain.done:  # (a later block's test may have run it already)
        chain.done[block.index] = _execute_block(block, chain)
    failure = chain.done[block.index]
    if failure:
        raise BlockFailed(failure)
    last = block.index == max(b.index for b in same)
    problems = [] if update_outputs else _output_problems(chain, complete=last)
    new = [p for p in problems if p not in chain.reported]
    chain.reported.update(new)
    finished = None
    if last:
        if block.snippet:
            finished = _finish(block, chain, passed=not chain.reported, update_outputs=update_outputs)
        shutil.rmtree(chain.workdir, ignore_errors=True)
    if new:
        raise BlockFailed("\n\n".join(new))
    return finished


def _output_problems(chain: Chain, complete: bool) -> list[str]:
    problems = []
    for filename, block in chain.blocks.items():
        try:
            problems += check(block.code, filename, chain.log, where=block.where, complete=complete)
        except MalformedOutput as exc:
            problems.append(str(exc))
    return problems


def snippet_log(path: Path, chain: Chain) -> PrintLog:
    """The chain's prints as if the snippet file had run: (snippet path, snippet line)."""
    path = str(path)
    log = PrintLog(filenames={path})
    for filename, line, text in chain.log.events:
        block = chain.blocks.get(filename)
        if block is not None and 0 < line <= len(block.snippet_lines):
            log.events.append((path, block.snippet_lines[line - 1], text))
    return log


def _finish(block: PageBlock, chain: Chain, passed: bool, update_outputs: bool) -> Finished:
    snippet, path = block.snippet, block.snippet_file
    source = path.read_text()
    log = snippet_log(path, chain)
    finished = Finished(snippet)
    if update_outputs:
        if not _shows_whole_snippet(chain, source):
            raise BlockFailed(
                f"{block.filename}: not rewriting the '#>' lines of {snippet}: the page does not show every "
                "section of it exactly once, in file order, so some of its prints did not run here and their "
                "lines would be emptied. Fix the page's includes first (tests/test_lint.py names what is missing)."
            )
        new, finished.rewrote = rewrite(source, str(path), log)
        if new != source:
            path.write_text(new)
            source = new  # only `#>` comments changed: this run stands for the new source
    if block.base != ROOT:
        return finished  # a test's own snippet: nothing to cache or record
    dump = os.environ.get("ZTA_OUTPUTS_DUMP")
    if dump:
        _dump_outputs(Path(dump), snippet, source, log)
    if (passed or update_outputs) and not (os.environ.get("ZTA_PROFILE") or os.environ.get("ZTA_DEVICE")):
        run = SnippetRun.of(snippet, source_key(source), chain.seconds, chain.namespace, log.events)
        save(run)
        record_verified(run)
    return finished


def _shows_whole_snippet(chain: Chain, source: str) -> bool:
    """Did the chain's blocks run the snippet's whole program, every line mapped?"""
    program = [n for n, text in program_lines(source) if text.strip()]
    ran = sorted({n for block in chain.blocks.values() for n in block.snippet_lines})
    return all(block.snippet_lines for block in chain.blocks.values()) and set(program) <= set(ran)


def _dump_outputs(directory: Path, snippet: str, source: str, log: PrintLog) -> None:
    """{`#>` block's first line: [its lines, what was printed]} for the portability report."""
    from .outputs import _blocks_and_printed

    _, blocks, printed = _blocks_and_printed(source, str(ROOT / snippet), log, snippet)
    data = {
        str(block.first): {"expected": block.lines, "printed": printed_lines(printed.get(target, ""))}
        for target, block in blocks.items()
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / (snippet.replace("/", "__") + ".json")).write_text(json.dumps(data, indent=1))


PASSED = CACHE / "passed"  # one empty file per page whose every block passed, named by its key
KERNEL_SETTINGS = (
    "ATEN_CPU_CAPABILITY",
    "MKL_CBWR",
    "MKL_ENABLE_INSTRUCTIONS",
    "ONEDNN_MAX_CPU_ISA",
    "OPENBLAS_CORETYPE",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)
_HARNESS_FILES = ("__init__.py", "harness.py", "outputs.py", "pages.py", "runs.py", "sources.py")


def page_key(blocks: list[PageBlock]) -> str:
    """Everything a page's result depends on, hashed."""
    import hashlib
    import platform

    import numpy

    h = hashlib.sha256()
    parts = [b.code for b in blocks]
    parts += sorted({b.snippet_file.read_text() for b in blocks if b.snippet})
    here = Path(__file__).parent
    parts += [(here / name).read_text() for name in _HARNESS_FILES]
    parts += [(ROOT / name).read_text() for name in ("tests/test_pages.py", "tests/conftest.py", "pyproject.toml")]
    parts += [installed_torch_version(), numpy.__version__, platform.python_version(), cpu_description()]
    parts += [f"{name}={os.environ.get(name, '')}" for name in KERNEL_SETTINGS]
    parts.append(str(data_dir()))
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def _pass_file(page: str, key: str) -> Path:
    return PASSED / f"{page.replace('/', '__')}.{key}"


def reusable_pass(blocks: list[PageBlock], update_outputs: bool) -> bool:
    """Did every block of this page pass before, with everything it depends on the
    same, and are its snippets' runs (the figures' values) still cached?"""
    if update_outputs or any(os.environ.get(v) for v in ("ZTA_RERUN", "ZTA_PROFILE", "ZTA_OUTPUTS_DUMP", "ZTA_DEVICE")):
        return False
    if not blocks or any(b.base != ROOT for b in blocks):
        return False
    if not _pass_file(blocks[0].page, page_key(blocks)).exists():
        return False
    return all(has_run(b.snippet) for b in blocks if b.snippet)


def record_page_pass(blocks: list[PageBlock]) -> None:
    """Every block of the page passed in this process: note it under the page's key."""
    if os.environ.get("ZTA_PROFILE") or os.environ.get("ZTA_DEVICE") or any(b.base != ROOT for b in blocks):
        return
    page = blocks[0].page
    for old in PASSED.glob(f"{page.replace('/', '__')}.*"):
        old.unlink(missing_ok=True)
    atomic_write(_pass_file(page, page_key(blocks)), "")
