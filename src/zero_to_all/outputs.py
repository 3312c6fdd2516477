"""`#>` output blocks: the printed output written under each `print` in a snippet.

A snippet shows what it prints Pydantic-style, right under the statement that
printed it, indented like that statement:

    for epoch in range(2):
        print(f"epoch {epoch}")
        #> epoch 0
        #> epoch 1

This module finds those blocks, records what each `print` really wrote while
the code runs, compares the two and rewrites the blocks from a real run
(`make update-outputs`). How numbers are compared:

- text, integers (counts, shapes, indices, epochs) exactly;
- decimals, and whole-number percentages (rounded measurements, not counts),
  within one unit in their last printed digit (a deterministic computation
  rounds the same on any machine, give or take that one unit);
- a print whose last line ends with a comment `# ±N in the last digit` (a result
  of training, which moves with the CPU's kernels) lets each of those numbers
  differ by up to N units in its last digit; the reader sees the comment too;
- wall-clock numbers (`41.3 s`, `12 ms`, `2.1 min`, a speed-up `8.1×`, a rate
  `1,234 images/s`) by their form only.

On an accelerator (`make test-device`, which sets `ZTA_DEVICE`) what differs by
design is allowed for: a device's name where the page says `cpu`; trained
numbers (those with a tolerance comment), which may move by twice their CPU
tolerance or `DEVICE_RELATIVE` of their value, whichever is larger (a
percentage: one point); and a print
whose comment says it `differs on a GPU` (sampled text, a single name's
prediction, a CPU-time ranking) only has to run. `partials/trained-numbers.md`
tells a GPU reader the same. Everything else is checked as on a CPU.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import difflib
import io
import os
import re
import sys
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field

PREFIX = "#>"
_NUMBER = re.compile(
    r"(?<![\w.])([-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf)(?![\w])"
)
# Wall-clock numbers differ on every run: only their form is checked.
_TIMING_UNIT = re.compile(r"^\s?(?:s|ms|µs|us|min|×|[A-Za-z]+/s)(?!\w)")
TOLERANCE = re.compile(r"#.*±\s*(?P<units>\d+)\s+in the last digit")
# a trained number on an accelerator: within twice its CPU tolerance or 5 % of the page's
# value, whichever is larger; a trained percentage within twice its tolerance or one point
DEVICE_RELATIVE = 0.05
DEVICE_POINTS = 1.0
DEVICE_DEPENDENT = re.compile(r"#.*\bdiffers on a GPU\b")
_DEVICE_NAME = re.compile(r"\b(?:cuda(?::\d+)?|mps)\b")


def device() -> str | None:
    """The accelerator `make test-device` checks the pages on (ZTA_DEVICE), or None."""
    return os.environ.get("ZTA_DEVICE") or None


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

    def print(*args, sep=None, end=None, file=None, flush=False):
        real_print(*args, sep=sep, end=end, file=file, flush=flush)
        if file is not None and file is not sys.stdout:
            return
        caller = sys._getframe(1)
        if caller.f_code.co_filename in log.filenames:
            sep = " " if sep is None else sep
            end = "\n" if end is None else end
            log.events.append((caller.f_code.co_filename, caller.f_lineno, sep.join(map(str, args)) + end))

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


def parse_blocks(source: str, where) -> list[OutputBlock]:
    """All `#>` blocks of a source. A `#>` must be followed by a space or end the line."""
    locate = _locator(where)
    blocks: list[OutputBlock] = []
    lines = source.splitlines()
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped.startswith(PREFIX):
            continue
        rest = stripped[len(PREFIX) :]
        if rest and not rest.startswith(" "):
            raise MalformedOutput(
                f"{locate(number)}: malformed output line {stripped!r}: write "
                f"'#> <text>' (a space after '#>'), or run `make update-outputs`."
            )
        text = rest[1:] if rest.startswith(" ") else rest
        if blocks and blocks[-1].last == number - 1:
            blocks[-1].last = number
            blocks[-1].lines.append(text)
        else:
            blocks.append(OutputBlock(number, number, [text], number - 1))
    return blocks


def _last_digit(number: str) -> float:
    """The value of one unit in the last printed digit: 0.01 for "0.48", 1 for "97"."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def _numbers_match(expected: str, actual: str, following: str, units: int, relative: float = 0.0) -> bool:
    if _TIMING_UNIT.match(following):
        return True
    if expected == actual:
        return True
    if expected in ("nan", "inf") or actual in ("nan", "inf"):
        return False
    measured = bool(re.search(r"[.eE]", expected + actual)) or following.startswith("%")
    if not measured:
        return False  # integers: counts, shapes, indices
    e, a = float(expected.replace(",", "")), float(actual.replace(",", ""))
    ulp = _last_digit(expected)
    allowed = max(units, 1) * ulp * 1.001
    if relative:  # on an accelerator: twice the CPU's tolerance, or a share of the value
        allowed = max(2 * allowed, DEVICE_POINTS if following.startswith("%") else relative * abs(e))
    return abs(e - a) <= allowed


def line_matches(expected: str, actual: str, units: int = 1, relative: float = 0.0) -> bool:
    """Does a printed line match its `#>` line? `units`: how many units in the last
    digit a measured number may move (1 unless the print says `# ±N in the last digit`);
    `relative`: or by this share of its value (a trained number on an accelerator)."""
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
        elif not _numbers_match(e, a, e_parts[i + 1] if i + 1 < len(e_parts) else "", units, relative):
            return False
    return True


def tolerances(source: str) -> dict[int, int]:
    """{line: N} for every line ending with a `# ±N in the last digit` comment."""
    return {line: int(TOLERANCE.match(text).group("units")) for line, text in _comments(source, TOLERANCE)}


def device_dependent(source: str) -> set[int]:
    """Lines whose comment says the print `differs on a GPU`."""
    return {line for line, _ in _comments(source, DEVICE_DEPENDENT)}


def _comments(source: str, pattern: re.Pattern) -> list[tuple[int, str]]:
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT and pattern.match(tok.string):
                out.append((tok.start[0], tok.string))
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


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


def _locator(where) -> Callable[[int], str]:
    """`where` names the source ("s.py") or is a function naming one of its lines."""
    return where if callable(where) else (lambda line: f"{where}, line {line}")


def _blocks_and_printed(source: str, filename: str, log: PrintLog, where):
    """(statement spans, {line above: its `#>` block}, {line above: what was printed there})."""
    spans = _statement_ends(source)
    blocks = {b.after: b for b in parse_blocks(source, where)}
    printed: dict[int, str] = {}
    for line, text in log.text_at(filename).items():
        target = print_target(spans, line)
        printed[target] = printed.get(target, "") + text
    return spans, blocks, printed


def printed_lines(text: str, complete: bool = True) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    elif not complete:
        lines.pop()  # an unfinished line (print(..., end="")) is not compared yet
    return lines


def check(source: str, filename: str, log: PrintLog, where, complete: bool = True) -> list[str]:
    """Compare the `#>` blocks of `source` with what its prints wrote.

    `where` names the source in messages (a string, or a function of a line).
    With `complete=False` (a page block whose functions later blocks may still
    call) each block only has to be a prefix of what was printed so far.
    Returns a list of problems, each naming the place and the fix.
    """
    locate = _locator(where)
    problems: list[str] = []
    _, blocks, printed = _blocks_and_printed(source, filename, log, where)
    units = tolerances(source)
    free = device_dependent(source) if device() else set()
    fix = "Fix the code, or if the new output is right run `make update-outputs`."
    for target in sorted(set(blocks) | set(printed)):
        block = blocks.get(target)
        text = printed.get(target)
        if block is None:
            problems.append(
                f"{locate(target)}: this statement printed output but has no '#>' lines "
                f"under it. It printed:\n{text.rstrip()}\nAdd the '#>' lines (run "
                "`make update-outputs`)."
            )
            continue
        if text is None:
            if complete:
                problems.append(
                    f"{locate(block.first)}: '#>' lines with no print above them that "
                    "ran (the line above printed nothing). A '#>' block goes "
                    "right under the print statement that writes it. " + fix
                )
            continue
        if target in free:
            continue  # it ran; what it printed is the device's own (its comment says so)
        actual = printed_lines(text, complete)
        expected = block.lines
        n = units.get(target, 1)
        relative = 0.0
        if device():
            actual = [_DEVICE_NAME.sub("cpu", line) for line in actual]
            relative = DEVICE_RELATIVE if target in units else 0.0
        same = all(line_matches(e, a, n, relative) for e, a in zip(expected, actual))
        ok = same and (len(actual) == len(expected) if complete else len(actual) <= len(expected))
        if not ok:
            allowed = (
                f"decimals and percentages within ±{n} in the last digit (the print's comment)"
                if target in units
                else "decimals and percentages within one unit in the last digit"
            )
            if relative:
                allowed += f", or on {device()} twice that or {relative:.0%} of their value (a percentage: one point)"
            problems.append(
                f"{locate(block.first)}: printed output differs from its '#>' lines "
                f"({allowed}, durations by form, all else exactly):\n{_diff(expected, actual)}\n{fix}"
            )
    return problems


def rewrite(source: str, filename: str, log: PrintLog) -> tuple[str, list[int]]:
    """`source` with every `#>` block replaced by what its print wrote in `log`;
    blocks for prints that printed nothing are removed, missing ones added.
    Returns the new source and the lines (in the old source) of the statements
    whose `#>` blocks changed."""
    lines = source.splitlines()
    spans, blocks, printed = _blocks_and_printed(source, filename, log, filename)
    changed: list[int] = []
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
        if lines[start:stop] != new:
            changed.append(target)
        lines[start:stop] = new
    return "\n".join(lines) + ("\n" if source.endswith("\n") else ""), sorted(changed)


def timing_lines(text: str) -> list[str]:
    """The printed lines that carry a wall-clock number (checked by form only, so the
    page's `#>` line may be from another machine: the stamp shows this run's)."""
    out = []
    for line in text.splitlines():
        parts = _NUMBER.split(line)
        if any(_TIMING_UNIT.match(parts[i + 1]) for i in range(1, len(parts) - 1, 2)):
            out.append(line.strip())
    return out
