"""The code blocks of a page, exactly as the site renders them.

A page's snippet includes are expanded by pymdownx.snippets with the settings
in mkdocs.yml (the same code the build runs), then pytest-codeblocks extracts
the blocks. pytest-codeblocks skips fences with anything after the language
(```` ```python title="…" ````), so titles are removed from the expanded text
before extraction; each extracted block is matched back to its fence in the
page source, so a test can name the page line and the snippet section.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from . import DOCS, ROOT

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)(?P<rest>.*)$")
INCLUDE = re.compile(r"""^[ \t]*-{1,}8<-{1,}[ \t]+(?P<q>["'])(?P<target>[^"']+)(?P=q)[ \t]*$""")
TITLE = re.compile(r"""title=(?P<q>["'])(?P<title>[^"']*)(?P=q)""")
RUN_LANGS = {"python"}
NOT_A_LANG = {"py", "py3", "python3", "pycon", "ipython", "ipython3"}


@dataclass
class Fence:
    line: int  # 1-based line of the opening fence in the page source
    lang: str
    rest: str  # what follows the language (title=…, hl_lines=…)
    indent: str
    ticks: str
    body: list[str]  # raw lines between the fences (page source, unexpanded)

    @property
    def title(self) -> str | None:
        m = TITLE.search(self.rest)
        return m.group("title") if m else None

    @property
    def includes(self) -> list[str]:
        return [m.group("target") for m in map(INCLUDE.match, self.body) if m]


def fences(text: str) -> list[Fence]:
    """Every fenced block of a markdown text, in order (nested indentation allowed)."""
    out: list[Fence] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        ticks, indent = m.group("ticks"), m.group("indent")
        body = []
        j = i + 1
        while j < len(lines):
            close = lines[j].lstrip()
            if close.startswith(ticks[0] * len(ticks)) and close.strip() == close.strip()[0] * len(close.strip()):
                break
            body.append(lines[j])
            j += 1
        out.append(Fence(i + 1, m.group("lang"), m.group("rest").strip(), indent, ticks, body))
        i = j + 1
    return out


def load_mkdocs_yaml(text: str) -> dict:
    """mkdocs.yml as plain data: `!ENV [NAME, default]` resolved as MkDocs does,
    `!!python/name:` tags kept as their dotted names."""
    import os  # noqa: PLC0415

    class Loader(yaml.SafeLoader):
        pass

    def env(loader, node):
        names = loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else [loader.construct_scalar(node)]
        *keys, default = names if len(names) > 1 else [*names, None]
        return next((os.environ[k] for k in keys if k in os.environ), default)

    Loader.add_constructor("!ENV", env)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix)
    return yaml.load(text, Loader=Loader)


@lru_cache(maxsize=1)
def mkdocs_config() -> dict:
    return load_mkdocs_yaml((ROOT / "mkdocs.yml").read_text())


def snippets_settings() -> dict:
    for ext in mkdocs_config()["markdown_extensions"]:
        if isinstance(ext, dict) and "pymdownx.snippets" in ext:
            settings = dict(ext["pymdownx.snippets"] or {})
            break
    else:
        raise RuntimeError("mkdocs.yml does not enable pymdownx.snippets")
    settings["base_path"] = [str(ROOT / p) for p in _base_paths()]
    return settings


def _base_paths() -> list[str]:
    for ext in mkdocs_config()["markdown_extensions"]:
        if isinstance(ext, dict) and "pymdownx.snippets" in ext:
            return list((ext["pymdownx.snippets"] or {}).get("base_path", ["."]))
    return ["."]


def expand(text: str, settings: dict | None = None) -> str:
    """The markdown with every `--8<--` include replaced, as the site renders it."""
    import markdown  # noqa: PLC0415

    md = markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={"pymdownx.snippets": settings or snippets_settings()},
    )
    return "\n".join(md.preprocessors["snippet"].run(text.splitlines())) + "\n"


@dataclass
class PageBlock:
    page: str  # path relative to docs/, e.g. "basics/linear-model.md"
    index: int  # 1-based among the page's python blocks
    line: int  # line of the opening fence in the page source
    code: str  # the code exactly as rendered (includes expanded)
    snippet: str | None  # "snippets/basics/linear_model.py" for an include block
    sections: list[str]  # the sections it includes
    marks: list[str] = field(default_factory=list)
    expected_output: str | None = None
    ignore_whitespace: bool = False
    continues: bool = False  # <!--pytest-codeblocks:cont--> continued into this block
    fence_lines: list[int] = field(default_factory=list)  # page lines of every fence it runs

    @property
    def test_id(self) -> str:
        suffix = "-" + "+".join(self.sections) if self.sections else ""
        return f"{self.page}:{self.line}{suffix}"

    @property
    def filename(self) -> str:
        return f"docs/{self.page}, block {self.index} (line {self.line})"

    @property
    def namespace_key(self) -> str:
        """Blocks showing the same snippet share one namespace, in page order, as a
        reader running the page top to bottom has them."""
        return self.snippet or f"block-{self.index}"


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
    from pytest_codeblocks import extract_from_buffer  # noqa: PLC0415

    # shared markdown (partials/) is part of the page's source; its fences
    # are named by the line of the page that includes them
    source, page_line = with_partials(page.read_text(), base)
    rel = page.relative_to(docs).as_posix()
    raw_fences = [f for f in fences(source) if f.lang in RUN_LANGS]
    try:
        settings = snippets_settings()
        settings["base_path"] = [str(base / p) for p in _base_paths()]
        expanded = _normalize_fences(expand(source, settings))
    except Exception as exc:  # pymdownx names the snippet and section, not the page
        raise RuntimeError(
            f"docs/{rel}: a snippet include cannot be expanded: {exc}. Fix the include "
            "line or the snippet's `# --8<-- [start:NAME]` / `[end:NAME]` markers."
        ) from exc
    expanded_fences = [f for f in fences(expanded) if f.lang in RUN_LANGS]
    if len(raw_fences) != len(expanded_fences):
        raise RuntimeError(
            f"docs/{rel}: {len(raw_fences)} python fences in the page but "
            f"{len(expanded_fences)} after expanding snippet includes; does an included "
            "snippet contain a ``` fence?"
        )
    by_line = {e.line: r for r, e in zip(raw_fences, expanded_fences)}
    groups = _block_groups(expanded)
    extracted = extract_from_buffer(io.StringIO(expanded))
    if len(extracted) != len(groups):
        raise RuntimeError(f"docs/{rel}: could not match code blocks to fences")
    blocks: list[PageBlock] = []
    for cb, lines in zip(extracted, groups):
        if cb.syntax not in RUN_LANGS:
            continue
        targets = [t for ln in lines if ln in by_line for t in by_line[ln].includes]
        snippet_files = {t.split(":")[0] for t in targets}
        raw = by_line[lines[0]]
        blocks.append(
            PageBlock(
                page=rel,
                index=len(blocks) + 1,
                line=page_line[raw.line],
                code=cb.code,
                snippet=next(iter(snippet_files)) if len(snippet_files) == 1 else None,
                sections=[t.split(":", 1)[1] for t in targets if ":" in t],
                marks=list(cb.marks),
                expected_output=cb.expected_output,
                ignore_whitespace=cb.expected_output_ignore_whitespace,
                continues=len(lines) > 1,
                fence_lines=[page_line[by_line[ln].line] for ln in lines if ln in by_line],
            )
        )
    return blocks


PARTIAL = re.compile(r"partials/[a-z0-9-]+\.md")


def with_partials(text: str, base: Path = ROOT) -> tuple[str, dict[int, int]]:
    """The page with its `--8<-- "partials/x.md"` includes expanded (indented
    like the include line), and {line in that text: line in the page}."""
    out: list[str] = []
    origin: dict[int, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = INCLUDE.match(line)
        if m and PARTIAL.fullmatch(m.group("target")):
            indent = line[: len(line) - len(line.lstrip())]
            for included in (base / m.group("target")).read_text().splitlines():
                out.append(indent + included if included.strip() else "")
                origin[len(out)] = number
        else:
            out.append(line)
            origin[len(out)] = number
    return "\n".join(out) + "\n", origin


def _block_groups(expanded: str) -> list[list[int]]:
    """The fences of the expanded page grouped as pytest-codeblocks groups them:
    one group per extracted block, holding the lines of the fences whose code it
    runs (a `cont` fence joins the block before it, of whatever language; an
    `expected-output` fence is output, not code)."""
    groups: list[list[int]] = []
    lines = expanded.splitlines()
    for f in fences(expanded):
        keyword = None
        for back in range(f.line - 2, -1, -1):  # the nearest non-blank line above
            if lines[back].strip():
                m = re.match(r"<!--[-\s]*pytest-codeblocks:(.*)-->", lines[back].strip())
                keyword = m.group(1).strip("- ") if m else None
                break
        if keyword in ("expected-output", "expected-output-ignore-whitespace"):
            continue
        if keyword == "cont" and groups:
            groups[-1].append(f.line)
        else:
            groups.append([f.line])
    return groups


def all_pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def nav_pages() -> list[str]:
    """Pages listed in mkdocs.yml `nav`, relative to docs/."""
    found: list[str] = []

    def walk(item):
        if isinstance(item, str):
            if item.endswith(".md"):
                found.append(item)
        elif isinstance(item, list):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            for x in item.values():
                walk(x)

    walk(mkdocs_config().get("nav", []))
    return found
