"""The code blocks of a page, exactly as the site renders them.

A page's snippet includes are expanded by pymdownx.snippets with the settings
in mkdocs.yml (the same code the build runs), then pytest-codeblocks extracts
the blocks. pytest-codeblocks skips fences with anything after the language
(```` ```python title="…" ````), so titles are removed from the expanded text
before extraction. Each extracted block is matched back to its fence in the
page source (so a test can name the page line and the snippet sections) and,
for a snippet include, each of its lines to the snippet line it came from.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from . import DOCS, ROOT
from .sources import FENCE, RUN_LANGS, expand, fences, program_lines, with_partials


@dataclass
class PageBlock:
    page: str  # path relative to docs/, e.g. "basics/linear-model.md"
    index: int  # 1-based among the page's python blocks
    line: int  # line of the opening fence in the page source
    code: str  # the code exactly as rendered (includes expanded)
    snippet: str | None  # "snippets/basics/linear_model.py" for an include block
    sections: list[str]  # the sections it includes
    # snippet line of each line of `code`, when the block is the next stretch of its
    # snippet's program (the lint proves every include block is); else empty
    snippet_lines: list[int] = field(default_factory=list)
    base: Path = ROOT  # where `snippet` is relative to (a test's own site elsewhere)

    @property
    def snippet_file(self) -> Path | None:
        return self.base / self.snippet if self.snippet else None

    @property
    def test_id(self) -> str:
        suffix = "-" + "+".join(self.sections) if self.sections else ""
        return f"{self.page}:{self.line}{suffix}"

    @property
    def filename(self) -> str:
        """The name its code is compiled under: tracebacks and messages show it."""
        return f"docs/{self.page}, block {self.index} (line {self.line})"

    @property
    def namespace_key(self) -> str:
        """Blocks showing the same snippet share one namespace, in page order, as a
        reader running the page top to bottom has them."""
        return self.snippet or f"block-{self.index}"

    def where(self, code_line: int) -> str:
        """'docs/<page>, block N (line L), snippets/x.py line M' for a line of its code."""
        if self.snippet and 0 < code_line <= len(self.snippet_lines):
            return f"{self.filename}, {self.snippet} line {self.snippet_lines[code_line - 1]}"
        return f"{self.filename}, line {code_line}"


def _normalize_fences(text: str) -> str:
    """```` ```python title="x" ```` -> ```` ```python ```` so pytest-codeblocks sees it."""
    out = []
    for line in text.splitlines():
        m = FENCE.match(line)
        if m and m.group("lang") in RUN_LANGS and m.group("rest").strip():
            line = f"{m.group('indent')}{m.group('ticks')}{m.group('lang')}"
        out.append(line)
    return "\n".join(out) + "\n"


def page_blocks(page: Path, docs: Path = DOCS, base: Path = ROOT) -> list[PageBlock]:
    """The python blocks of a page that the tests run, in page order. `docs` and
    `base` (where snippet paths start) are the repository's unless a test builds
    a site of its own."""
    from pytest_codeblocks import extract_from_buffer

    # shared markdown (partials/) is part of the page's source; its fences
    # are named by the line of the page that includes them
    source, page_line = with_partials(page.read_text(), base)
    rel = page.relative_to(docs).as_posix()
    raw_fences = [f for f in fences(source) if f.lang in RUN_LANGS]
    try:
        expanded = _normalize_fences(expand(source, base))
    except Exception as exc:  # pymdownx names the snippet and section, not the page
        raise RuntimeError(
            f"docs/{rel}: a snippet include cannot be expanded: {exc}. Fix the include "
            "line or the snippet's `# --8<-- [start:NAME]` / `[end:NAME]` markers."
        ) from exc
    extracted = [cb for cb in extract_from_buffer(io.StringIO(expanded)) if cb.syntax in RUN_LANGS]
    if len(raw_fences) != len(extracted):
        raise RuntimeError(
            f"docs/{rel}: {len(raw_fences)} python fences in the page but {len(extracted)} "
            "code blocks after expanding snippet includes; does an included snippet contain "
            "a ``` fence, or the page a pytest-codeblocks directive?"
        )
    blocks: list[PageBlock] = []
    for raw, cb in zip(raw_fences, extracted):
        targets = raw.includes
        files = {t.split(":")[0] for t in targets}
        blocks.append(
            PageBlock(
                page=rel,
                index=len(blocks) + 1,
                line=page_line[raw.line],
                code=cb.code,
                snippet=next(iter(files)) if len(files) == 1 else None,
                sections=[t.split(":", 1)[1] for t in targets if ":" in t],
                base=base,
            )
        )
    _map_snippet_lines(blocks, base)
    return blocks


def _map_snippet_lines(blocks: list[PageBlock], base: Path) -> None:
    """Give each include block the snippet line of each of its code lines: the
    blocks of one snippet, in page order, are consecutive stretches of its
    program. Blank lines do not count (a fence may put one between two includes;
    the blank lines between sections are in no section); a blank code line gets
    the line of the code above it."""
    by_snippet: dict[str, list[PageBlock]] = {}
    for block in blocks:
        if block.snippet:
            by_snippet.setdefault(block.snippet, []).append(block)
    for snippet, chain in by_snippet.items():
        path = base / snippet
        if not path.is_file():
            continue
        program = [(n, text) for n, text in program_lines(path.read_text()) if text.strip()]
        at = 0
        for block in chain:
            mapped: list[int] = []
            for text in block.code.rstrip("\n").split("\n"):
                if not text.strip():
                    mapped.append(mapped[-1] if mapped else (program[at][0] if at < len(program) else 0))
                    continue
                if at >= len(program) or program[at][1] != text:
                    return  # not the snippet's program in order: the lint says where
                mapped.append(program[at][0])
                at += 1
            block.snippet_lines = mapped
