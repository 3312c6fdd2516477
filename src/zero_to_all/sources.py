"""The project's vocabulary: what its source files are made of, parsed in one place.

The hooks, the lint, the notebook generator, the harness and the tests all read
pages, snippets and mkdocs.yml through these functions, so a fence, an include,
a section, a figure reference and a chapter mean the same thing everywhere.

- mkdocs.yml: `mkdocs_config()`, `snippets_settings()`, `nav_pages()`;
- a page's markdown: `fences()` (one closing rule), `includes()`,
  `with_partials()`, `expand()` (pymdownx.snippets with the site's settings),
  `figure_refs()`;
- a snippet: `sections()` and `program_lines()` (the code a page shows, in order);
- the site's structure: `all_pages()`, `is_chapter()`, `Chapter`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from . import DOCS, ROOT

# ---------------------------------------------------------------- mkdocs.yml


def load_mkdocs_yaml(text: str) -> dict:
    """mkdocs.yml as plain data: `!ENV [NAME, default]` resolved as MkDocs does,
    `!!python/name:` tags kept as their dotted names."""

    class Loader(yaml.SafeLoader):
        pass

    def env(loader, node):
        if isinstance(node, yaml.SequenceNode):
            names = loader.construct_sequence(node)
        else:
            names = [loader.construct_scalar(node)]
        *keys, default = names if len(names) > 1 else [*names, None]
        return next((os.environ[k] for k in keys if k in os.environ), default)

    Loader.add_constructor("!ENV", env)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix)
    return yaml.load(text, Loader=Loader)


@lru_cache(maxsize=1)
def mkdocs_config() -> dict:
    return load_mkdocs_yaml((ROOT / "mkdocs.yml").read_text())


def snippets_settings(base: Path = ROOT) -> dict:
    """pymdownx.snippets' settings from mkdocs.yml, base paths made absolute under `base`."""
    for ext in mkdocs_config()["markdown_extensions"]:
        if isinstance(ext, dict) and "pymdownx.snippets" in ext:
            settings = dict(ext["pymdownx.snippets"] or {})
            break
    else:
        raise RuntimeError("mkdocs.yml does not enable pymdownx.snippets")
    settings["base_path"] = [str(base / p) for p in settings.get("base_path", ["."])]
    return settings


def nav_pages() -> list[str]:
    """Pages listed in mkdocs.yml `nav`, relative to docs/, in nav order."""
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


# ---------------------------------------------------------------- a page's markdown

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)(?P<rest>.*)$")
INCLUDE = re.compile(r"""^(?P<indent>[ \t]*)-{1,}8<-{1,}[ \t]+(?P<q>["'])(?P<target>[^"']+)(?P=q)[ \t]*$""")
TITLE = re.compile(r"""title=(?P<q>["'])(?P<title>[^"']*)(?P=q)""")
PARTIAL = re.compile(r"partials/[a-z0-9-]+\.md")
FIGURE_REF = re.compile(r"""(?:\(|src=["'])(?:\.\./)*figures/(?P<name>[^)"'\s#?]+)\.svg""")
RUN_LANGS = {"python"}  # fences the tests run
NOT_A_LANG = {"py", "py3", "python3", "pycon", "ipython", "ipython3"}  # never run: a mistake


@dataclass
class Fence:
    line: int  # 1-based line of the opening fence
    end: int  # 1-based line of the closing fence (the last line if it is never closed)
    lang: str
    rest: str  # what follows the language (title=…, hl_lines=…)
    indent: str
    ticks: str
    body: list[str]  # raw lines between the fences

    @property
    def title(self) -> str | None:
        m = TITLE.search(self.rest)
        return m.group("title") if m else None

    @property
    def includes(self) -> list[str]:
        return [m.group("target") for m in map(INCLUDE.match, self.body) if m]


def _closes(line: str, ticks: str) -> bool:
    """A closing fence: only the fence character, at least as many as opened it (CommonMark)."""
    stripped = line.strip()
    return len(stripped) >= len(ticks) and stripped == ticks[0] * len(stripped)


def fences(text: str) -> list[Fence]:
    """Every fenced block of a markdown text, in order (indented ones too)."""
    out: list[Fence] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        ticks = m.group("ticks")
        j = i + 1
        while j < len(lines) and not _closes(lines[j], ticks):
            j += 1
        out.append(
            Fence(
                i + 1,
                min(j, len(lines) - 1) + 1,
                m.group("lang"),
                m.group("rest").strip(),
                m.group("indent"),
                ticks,
                lines[i + 1 : j],
            )
        )
        i = j + 1
    return out


@dataclass(frozen=True)
class Include:
    line: int  # 1-based line of the `--8<--` line
    path: str  # "snippets/basics/linear_model.py" or "partials/x.md"
    section: str  # "" when the whole file is included


def includes(text: str) -> list[Include]:
    """Every `--8<-- "path[:section]"` line of a markdown text, in order."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        m = INCLUDE.match(line)
        if m:
            path, _, section = m.group("target").partition(":")
            out.append(Include(number, path, section))
    return out


def with_partials(text: str, base: Path = ROOT) -> tuple[str, dict[int, int]]:
    """The page with its `--8<-- "partials/x.md"` includes expanded (indented
    like the include line), and {line in that text: line in the page}."""
    out: list[str] = []
    origin: dict[int, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = INCLUDE.match(line)
        if m and PARTIAL.fullmatch(m.group("target")):
            for included in (base / m.group("target")).read_text().splitlines():
                out.append(m.group("indent") + included if included.strip() else "")
                origin[len(out)] = number
        else:
            out.append(line)
            origin[len(out)] = number
    return "\n".join(out) + "\n", origin


def expand(text: str, base: Path = ROOT) -> str:
    """The markdown with every `--8<--` include replaced, as the site renders it."""
    import markdown

    md = markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={"pymdownx.snippets": snippets_settings(base)},
    )
    return "\n".join(md.preprocessors["snippet"].run(text.splitlines())) + "\n"


def figure_refs(text: str) -> list[str]:
    """Names of the build-time figures a markdown (or HTML) text shows, in order."""
    return [m.group("name") for m in FIGURE_REF.finditer(text)]


# ---------------------------------------------------------------- a snippet

SECTION = re.compile(r"#\s*-{1,}8<-{1,}\s*\[(?P<kind>start|end):(?P<name>[^\]]*)\]")


@dataclass
class Section:
    name: str
    start: int  # line of the [start:…] marker
    end: int | None  # line of the [end:…] marker (None: never closed)

    def lines(self, source_lines: list[str]) -> list[tuple[int, str]]:
        """(line number, text) of the code between the markers."""
        stop = self.end if self.end is not None else len(source_lines) + 1
        return [(n, source_lines[n - 1]) for n in range(self.start + 1, stop)]


def sections(source: str) -> list[Section]:
    """The sections of a snippet, in file order (markers as pymdownx.snippets reads them)."""
    out: list[Section] = []
    open_: dict[str, Section] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        m = SECTION.search(line)
        if not m:
            continue
        if m.group("kind") == "start":
            section = Section(m.group("name"), number, None)
            out.append(section)
            open_[section.name] = section
        elif m.group("name") in open_:
            open_.pop(m.group("name")).end = number
    return out


def program_lines(source: str) -> list[tuple[int, str]]:
    """(line number, text) of every line inside a section, marker lines left out:
    the code the page shows, in file order. The lint proves it is the whole program."""
    lines = source.splitlines()
    return [(n, text) for s in sections(source) for n, text in s.lines(lines)]


# ---------------------------------------------------------------- the site's structure


def all_pages(docs: Path = DOCS) -> list[Path]:
    return sorted(docs.rglob("*.md"))


def is_chapter(page: str) -> bool:
    """Chapter pages are the pages inside a part (not the home page, not a part's index)."""
    return "/" in page and not page.endswith("index.md")


@dataclass(frozen=True)
class Chapter:
    page: str  # "basics/linear-model.md", relative to docs/

    @property
    def stem(self) -> str:
        return self.page[: -len(".md")]

    @property
    def notebook(self) -> str:
        """The rendered notebook's source path in the site ("notebooks/basics/linear-model.ipynb")."""
        return f"notebooks/{self.stem}.ipynb"

    @property
    def download(self) -> str:
        """The downloadable notebook's path in the site."""
        return f"downloads/{self.stem}.ipynb"

    @property
    def snippet(self) -> str:
        """The chapter's snippet: docs/<part>/<page>.md shows snippets/<part>/<page_slug>.py."""
        return "snippets/" + self.stem.replace("-", "_") + ".py"


def snippets_shown(text: str) -> list[str]:
    """The snippet files a page's markdown includes code from, in first-include order."""
    seen: list[str] = []
    for inc in includes(text):
        if inc.path.startswith("snippets/") and inc.path not in seen:
            seen.append(inc.path)
    return seen
