"""`#>` output blocks: the printed output written under each `print` in a snippet.

A snippet shows what it prints Pydantic-style, right under the statement that
printed it, indented like that statement:

    for epoch in range(2):
        print(f"epoch {epoch}")
        #> epoch 0
        #> epoch 1

This module finds those blocks, records what each `print` really wrote while
the code runs, compares the two (text exactly, numbers within a tolerance) and
rewrites the blocks from a real run (`make update-outputs`).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import difflib
import math
import re
import sys
from dataclasses import dataclass, field

PREFIX = "#>"
# Relative tolerance for printed floats; one unit in the last printed place is
# always allowed too. Integers (counts, shapes, epochs) must match exactly.
REL_TOL = 1e-2
_NUMBER = re.compile(r"(?<![\w.])([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf)(?![\w])")
# A duration such as "41.3 s" or "12 ms" differs on every run: only its form is checked.
_DURATION_UNIT = re.compile(r"^\s?(?:s|ms|min)\b")


@dataclass
class OutputBlock:
    """Consecutive `#>` lines in a source, and the statement they follow."""

    first: int  # 1-based line of the first `#>` line
    last: int
    lines: list[str]
    after: int  # the line right above the block (a statement's last line, if well placed)


@dataclass
class PrintLog:
    """What each `print` call in the watched code wrote, in order."""

    filenames: set[str]
    events: list[tuple[str, int, str]] = field(default_factory=list)  # (filename, line, text)

    def text_at(self, filename: str) -> dict[int, str]:
        out: dict[int, str] = {}
        for fname, line, text in self.events:
            if fname == filename:
                out[line] = out.get(line, "") + text
        return out


@contextlib.contextmanager
def recording(log: PrintLog):
    """Record `print` calls made from code compiled with one of `log.filenames`."""
    real_print = builtins.print

    def print(*args, sep=None, end=None, file=None, flush=False):  # noqa: A001
        real_print(*args, sep=sep, end=end, file=file, flush=flush)
        if file is not None and file is not sys.stdout:
            return
        caller = sys._getframe(1)
        if caller.f_code.co_filename in log.filenames:
            sep = " " if sep is None else sep
            end = "\n" if end is None else end
            log.events.append(
                (caller.f_code.co_filename, caller.f_lineno, sep.join(map(str, args)) + end)
            )

    builtins.print = print
    try:
        yield log
    finally:
        builtins.print = real_print


def _statement_ends(source: str) -> list[tuple[int, int]]:
    """(first line, last line) of every statement in `source`."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt):
            spans.append((node.lineno, node.end_lineno))
    return spans


def print_target(spans: list[tuple[int, int]], line: int) -> int:
    """The line under which output of a `print` on `line` is written: the end of
    the innermost statement containing it."""
    inner = min(
        (s for s in spans if s[0] <= line <= s[1]),
        key=lambda s: s[1] - s[0],
        default=(line, line),
    )
    return inner[1]


class MalformedOutput(ValueError):
    pass


def parse_blocks(source: str, where: str) -> list[OutputBlock]:
    """All `#>` blocks of a source. A `#>` must be followed by a space or end the line."""
    blocks: list[OutputBlock] = []
    lines = source.splitlines()
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped.startswith(PREFIX):
            continue
        rest = stripped[len(PREFIX):]
        if rest and not rest.startswith(" "):
            raise MalformedOutput(
                f"{where}, line {number}: malformed output line {stripped!r}: write "
                f"'#> <text>' (a space after '#>'), or run `make update-outputs`."
            )
        text = rest[1:] if rest.startswith(" ") else rest
        if blocks and blocks[-1].last == number - 1:
            blocks[-1].last = number
            blocks[-1].lines.append(text)
        else:
            blocks.append(OutputBlock(number, number, [text], number - 1))
    return blocks


def _numbers_match(expected: str, actual: str, following: str) -> bool:
    if _DURATION_UNIT.match(following):
        return True
    if expected == actual:
        return True
    if expected in ("nan", "inf") or actual in ("nan", "inf"):
        return False
    exp_is_int = not re.search(r"[.eE]", expected)
    act_is_int = not re.search(r"[.eE]", actual)
    if exp_is_int and act_is_int:
        return False
    e, a = float(expected), float(actual)
    decimals = len(expected.split(".")[1].split("e")[0].split("E")[0]) if "." in expected else 0
    ulp = 10.0 ** (-decimals) * 1.01
    return math.isclose(e, a, rel_tol=REL_TOL, abs_tol=ulp)


def line_matches(expected: str, actual: str) -> bool:
    expected, actual = expected.rstrip(), actual.rstrip()
    if expected == actual:
        return True
    e_parts, a_parts = _NUMBER.split(expected), _NUMBER.split(actual)
    if len(e_parts) != len(a_parts):
        return False
    for i, (e, a) in enumerate(zip(e_parts, a_parts)):
        if i % 2 == 0:
            if e != a:
                return False
        elif not _numbers_match(e, a, e_parts[i + 1] if i + 1 < len(e_parts) else ""):
            return False
    return True


def _diff(expected: list[str], actual: list[str]) -> str:
    return "\n".join(
        difflib.unified_diff(
            [f"#> {x}".rstrip() for x in expected],
            [f"#> {x}".rstrip() for x in actual],
            "expected (the #> lines)",
            "actual (printed now)",
            lineterm="",
        )
    )


def _blocks_and_printed(source: str, filename: str, log: PrintLog, where: str):
    """(statement spans, {line above: its `#>` block}, {line above: what was printed there})."""
    spans = _statement_ends(source)
    blocks = {b.after: b for b in parse_blocks(source, where)}
    printed: dict[int, str] = {}
    for line, text in log.text_at(filename).items():
        target = print_target(spans, line)
        printed[target] = printed.get(target, "") + text
    return spans, blocks, printed


def check(source: str, filename: str, log: PrintLog, where: str, complete: bool = True) -> list[str]:
    """Compare the `#>` blocks of `source` with what its prints wrote.

    With `complete=False` (a page block whose functions later blocks may still
    call) each block only has to be a prefix of what was printed so far.
    Returns a list of problems, each naming `where` and the line.
    """
    problems: list[str] = []
    _, blocks, printed = _blocks_and_printed(source, filename, log, where)
    fix = "Fix the code, or if the new output is right run `make update-outputs`."
    for target in sorted(set(blocks) | set(printed)):
        block = blocks.get(target)
        text = printed.get(target)
        if block is None:
            problems.append(
                f"{where}, line {target}: this statement printed output but has no '#>' lines "
                f"under it. It printed:\n{text.rstrip()}\nAdd the '#>' lines (run "
                "`make update-outputs`)."
            )
            continue
        if text is None:
            if complete:
                problems.append(
                    f"{where}, line {block.first}: '#>' lines with no print above them that "
                    f"ran (the line above, {target}, printed nothing). A '#>' block goes "
                    "right under the print statement that writes it. " + fix
                )
            continue
        actual = text.split("\n")
        if actual and actual[-1] == "":
            actual.pop()
        elif not complete:
            actual.pop()  # an unfinished line (print(..., end="")) is not compared yet
        expected = block.lines
        if complete:
            ok = len(actual) == len(expected) and all(map(line_matches, expected, actual))
        else:
            ok = len(actual) <= len(expected) and all(map(line_matches, expected, actual))
        if not ok:
            problems.append(
                f"{where}, line {block.first}: printed output differs from its '#>' lines "
                f"(floats within {REL_TOL:.0%} or one unit in the last place, all else "
                f"exactly):\n{_diff(expected, actual)}\n{fix}"
            )
    return problems


def rewrite(source: str, filename: str, log: PrintLog) -> str:
    """`source` with every `#>` block replaced by what its print wrote in `log`;
    blocks for prints that printed nothing are removed, missing ones added."""
    lines = source.splitlines()
    spans, blocks, printed = _blocks_and_printed(source, filename, log, filename)
    # edit from the bottom up so line numbers above stay valid
    for target in sorted(set(blocks) | set(printed), reverse=True):
        block = blocks.get(target)
        start, stop = (block.first - 1, block.last) if block else (target, target)
        new: list[str] = []
        if target in printed:
            # indent like the innermost statement ending here (the print itself)
            first = max((s[0] for s in spans if s[1] == target), default=target)
            indent = re.match(r"\s*", lines[first - 1]).group(0)
            text = printed[target]
            out = text[:-1] if text.endswith("\n") else text
            new = [f"{indent}{PREFIX} {x}".rstrip() for x in out.split("\n")]
        lines[start:stop] = new
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")
