"""Running a page's blocks the way a reader runs the page, top to bottom.

Blocks that show sections of the same snippet share one namespace and one
working directory, in page order (a reader pastes them one after another);
every other block starts fresh unless `<!--pytest-codeblocks:cont-->` joined
it to the block before. Each block is one test: it runs after the blocks it
depends on (running them first if they have not run in this process), and its
`#>` lines are compared with what the prints have written so far.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .outputs import MalformedOutput, PrintLog, check
from .pages import PageBlock
from .runs import CodeFailed, execute, new_workdir, sandbox


class BlockFailed(AssertionError):
    pass


@dataclass
class Chain:
    workdir: Path
    namespace: dict = field(default_factory=lambda: {"__name__": "__main__"})
    log: PrintLog = field(default_factory=lambda: PrintLog(filenames=set()))
    sources: dict[str, str] = field(default_factory=dict)  # filename -> code
    done: dict[int, str | None] = field(default_factory=dict)  # block index -> failure or None
    reported: set[str] = field(default_factory=set)


_CHAINS: dict[tuple[str, str], Chain] = {}


def _chain(block: PageBlock) -> Chain:
    key = (block.page, block.namespace_key)
    if key not in _CHAINS:
        _CHAINS[key] = Chain(workdir=new_workdir())
    return _CHAINS[key]


def reset() -> None:
    for chain in _CHAINS.values():
        shutil.rmtree(chain.workdir, ignore_errors=True)
    _CHAINS.clear()


def _execute_block(block: PageBlock, chain: Chain, expect_exception: bool) -> str | None:
    """Run one block in its chain; returns the failure message or None."""
    filename = block.filename
    chain.sources[filename] = block.code
    stdout = io.StringIO()
    try:
        with sandbox(chain.workdir), _tee(stdout):
            execute(block.code, filename, chain.namespace, chain.log, where=filename)
    except CodeFailed as exc:
        if expect_exception:
            return None
        return str(exc)
    if expect_exception:
        return f"{filename}: the block is marked to raise (pytest.mark.xfail) but ran without error"
    if block.expected_output is not None:
        want, got = block.expected_output, stdout.getvalue()
        if block.ignore_whitespace:
            want, got = re.sub(r"\s+", "", want), re.sub(r"\s+", "", got)
        if want != got:
            return (
                f"{filename}: printed\n{stdout.getvalue()}\nbut the page's expected output "
                f"is\n{block.expected_output}"
            )
    return None


@contextlib.contextmanager
def _tee(buffer: io.StringIO):
    import sys  # noqa: PLC0415

    real = sys.stdout

    class Tee(io.TextIOBase):
        def write(self, s):
            buffer.write(s)
            return real.write(s)

        def flush(self):
            real.flush()

    sys.stdout = Tee()
    try:
        yield
    finally:
        sys.stdout = real


def run_block(block: PageBlock, page_blocks: list[PageBlock]) -> None:
    """Run `block` (after any earlier block of its chain that has not run yet) and
    check its outputs. Raises BlockFailed naming the page, block and cause."""
    chain = _chain(block)
    same = [b for b in page_blocks if b.namespace_key == block.namespace_key]
    for earlier in (b for b in same if b.index < block.index):
        if earlier.index not in chain.done:
            chain.done[earlier.index] = _execute_block(earlier, chain, _expects_exception(earlier))
        if chain.done[earlier.index]:
            raise BlockFailed(
                f"{block.filename}: not run, because block {earlier.index} (line "
                f"{earlier.line}) it continues failed:\n{chain.done[earlier.index]}"
            )
    if block.index not in chain.done:  # (a later block's test may have run it already)
        chain.done[block.index] = _execute_block(block, chain, _expects_exception(block))
    failure = chain.done[block.index]
    if failure:
        raise BlockFailed(failure)
    last = block.index == max(b.index for b in same)
    problems = []
    for filename, code in chain.sources.items():
        try:
            problems += check(code, filename, chain.log, where=filename, complete=last)
        except MalformedOutput as exc:
            problems.append(str(exc))
    new = [p for p in problems if p not in chain.reported]
    chain.reported.update(new)
    if last:
        shutil.rmtree(chain.workdir, ignore_errors=True)
    if new:
        raise BlockFailed("\n\n".join(new))


def _expects_exception(block: PageBlock) -> bool:
    return any(m.startswith("pytest.mark.xfail") for m in block.marks)
