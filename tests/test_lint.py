"""Lint: every python fence has a test route, every snippet and section is shown
by a page, every page is in the nav, snippets are plain programs."""

from __future__ import annotations

import ast
import re
import sys

import pytest

from zero_to_all import DOCS, ROOT, SNIPPETS
from zero_to_all.figures import load
from zero_to_all.hooks import FIGURE_REF
from zero_to_all.notebooks import is_chapter
from zero_to_all.pages import FENCE, INCLUDE, NOT_A_LANG, PARTIAL, RUN_LANGS, all_pages, fences, nav_pages, page_blocks

PAGES = all_pages()
SNIPPET_FILES = sorted(SNIPPETS.rglob("*.py"))
SECTION = re.compile(r"#\s*-{1,}8<-{1,}\s*\[(start|end):([^\]]*)\]")
PAGE_IDS = [p.relative_to(DOCS).as_posix() for p in PAGES]
SNIPPET_IDS = [p.relative_to(SNIPPETS).as_posix() for p in SNIPPET_FILES]


def _includes() -> dict[str, set[str]]:
    """{snippet path: sections included by some page}."""
    out: dict[str, set[str]] = {}
    for page in PAGES:
        for line in page.read_text().splitlines():
            m = INCLUDE.match(line)
            if m:
                path, _, section = m.group("target").partition(":")
                out.setdefault(path, set()).add(section)
    return out


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_python_fence_has_a_route(page):
    """A python fence is either run by the page tests or it is a mistake."""
    problems = []
    text = page.read_text()
    for f in fences(text):
        where = f"docs/{page.relative_to(DOCS).as_posix()}, line {f.line}"
        if f.lang in NOT_A_LANG:
            problems.append(
                f"{where}: fence language '{f.lang}' is never run; use 'python' (run by the "
                "tests) or 'text'/'console' (shown only)"
            )
        if f.lang in RUN_LANGS and f.ticks.startswith("~"):
            problems.append(f"{where}: use ``` fences for python, pytest-codeblocks skips ~~~")
    run_lines = {ln for b in page_blocks(page) for ln in b.fence_lines}
    for f in fences(text):
        if f.lang in RUN_LANGS and f.line not in run_lines:
            problems.append(
                f"docs/{page.relative_to(DOCS).as_posix()}, line {f.line}: this python block "
                "is not run by any test (is a pytest-codeblocks:cont marker joining it to a "
                "non-python block?)"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_includes_are_sections_shown_under_their_title(page):
    """Pages include snippet sections by name, in a python fence titled with the file."""
    problems = []
    rel = page.relative_to(DOCS).as_posix()
    for f in fences(page.read_text()):
        for target in f.includes:
            path, _, section = target.partition(":")
            where = f"docs/{rel}, fence at line {f.line}: include {target!r}"
            if not path.startswith("snippets/") or not path.endswith(".py"):
                problems.append(f"{where}: include only files under snippets/")
            if not re.fullmatch(r"[a-z][a-z0-9-]*", section):
                problems.append(f"{where}: include a named section (snippets/x.py:section-name), never a whole file or line numbers")
            if f.lang != "python" or f.title != path:
                problems.append(f'{where}: put it in a ```python title="{path}" fence')
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        m = INCLUDE.match(line)
        if m and not any(number in range(f.line, f.line + len(f.body) + 1) for f in fences(page.read_text())):
            if not PARTIAL.fullmatch(m.group("target")):
                problems.append(
                    f"docs/{rel}, line {number}: outside a code fence, include only shared "
                    "markdown from partials/ (code comes from snippets/ inside a python fence)"
                )
    assert not problems, "\n".join(problems)


def test_every_page_is_in_nav():
    listed = set(nav_pages())
    missing = [p for p in PAGE_IDS if p not in listed]
    assert not missing, f"pages missing from `nav:` in mkdocs.yml: {missing}"


def test_every_snippet_is_shown_by_a_page():
    included = _includes()
    missing = [p.relative_to(ROOT).as_posix() for p in SNIPPET_FILES
               if p.relative_to(ROOT).as_posix() not in included]
    assert not missing, f"snippets no page includes: {missing}"


@pytest.mark.parametrize("path", SNIPPET_FILES, ids=SNIPPET_IDS)
def test_snippet_sections(path):
    """Sections are well formed (kebab-case, balanced) and each is shown by a page."""
    rel = path.relative_to(ROOT).as_posix()
    open_: list[str] = []
    defined: list[str] = []
    problems = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        m = SECTION.search(line)
        if not m:
            continue
        kind, name = m.groups()
        if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
            problems.append(f"{rel}, line {number}: section name {name!r}: use kebab-case starting with a letter")
        if kind == "start":
            open_.append(name)
            defined.append(name)
        elif name not in open_:
            problems.append(f"{rel}, line {number}: [end:{name}] without [start:{name}]")
        else:
            open_.remove(name)
    problems += [f"{rel}: section {n!r} is never closed" for n in open_]
    depth = 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        m = SECTION.search(line)
        if m:
            depth += 1 if m.group(1) == "start" else -1
        elif depth == 0 and line.strip() and not line.lstrip().startswith("#"):
            problems.append(
                f"{rel}, line {number}: code outside every section; the page does not show "
                "it, so a reader running the page's blocks would miss it. Move it into a section."
            )
    if len(set(defined)) != len(defined):
        problems.append(f"{rel}: a section name is used twice")
    shown = _includes().get(rel, set())
    problems += [f"{rel}: section {n!r} is not shown by any page" for n in defined if n not in shown]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", SNIPPET_FILES, ids=SNIPPET_IDS)
def test_snippet_is_a_plain_program(path):
    """Snippets import only public packages (never zero_to_all or a sibling snippet),
    and seed torch when they use randomness."""
    rel = path.relative_to(ROOT).as_posix()
    source = path.read_text()
    allowed = {"torch", "torchvision", "numpy", "matplotlib"} | set(sys.stdlib_module_names)
    if rel == "snippets/practice/deployment.py":
        allowed |= {"onnx", "onnxruntime"}  # the deployment chapter exports to ONNX and runs it
    problems = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else ["."]
        for name in names:
            if name.split(".")[0] not in allowed:
                problems.append(f"{rel}, line {node.lineno}: imports {name!r}; snippets use only torch, torchvision, numpy, matplotlib and the standard library")
    random_calls = re.search(r"torch\.(randn|rand|randint|randperm|normal)\b|nn\.(Linear|Conv|LSTM|GRU|RNN|Embedding)|shuffle=True", source)
    if random_calls and "torch.manual_seed(" not in source:
        problems.append(f"{rel}: uses randomness ({random_calls.group(0)}) but never calls torch.manual_seed")
    assert not problems, "\n".join(problems)


def test_every_figure_is_shown_and_every_shown_figure_exists():
    registry = load()
    shown: dict[str, str] = {}
    for page in PAGES:
        for m in FIGURE_REF.finditer(page.read_text()):
            shown.setdefault(m.group("name"), page.relative_to(DOCS).as_posix())
    unused = sorted(set(registry) - set(shown))
    unknown = {n: p for n, p in shown.items() if n not in registry}
    assert not unused, f"registered figures no page shows: {unused}"
    assert not unknown, f"pages show unregistered figures: {unknown}"


def test_fence_regex_sees_titles():
    m = FENCE.match('    ```python title="snippets/basics/x.py"')
    assert m and m.group("lang") == "python" and "title" in m.group("rest")


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_images_have_alt_text(page):
    empty = [n for n, line in enumerate(page.read_text().splitlines(), 1) if re.search(r"!\[\s*\]\(", line)]
    assert not empty, f"docs/{page.relative_to(DOCS).as_posix()}, lines {empty}: an image without alt text; say what the reader should see"


CHAPTERS = [p for p in PAGES if is_chapter(p.relative_to(DOCS).as_posix())]


@pytest.mark.parametrize("page", CHAPTERS, ids=[p.relative_to(DOCS).as_posix() for p in CHAPTERS])
def test_chapter_has_the_page_skeleton(page):
    """A chapter: a title, a figure, a pitfall or tip, a Recap of 3-5 bullets, and
    2-4 exercises whose solutions are tested snippet sections in collapsed boxes."""
    rel = f"docs/{page.relative_to(DOCS).as_posix()}"
    text = page.read_text()
    problems = []
    if not text.startswith("# "):
        problems.append("it must start with a '# Title'")
    if not FIGURE_REF.search(text):
        problems.append("it shows no figure drawn at build time")
    if not re.search(r"^\s*!!! (warning|tip|danger|note)\b", text, re.M):
        problems.append("it has no pitfall or tip admonition (!!! warning / !!! tip)")
    sections = re.split(r"^## ", text, flags=re.M)
    recap = next((s for s in sections if s.startswith("Recap")), None)
    exercises = next((s for s in sections if s.startswith("Exercises")), None)
    if recap is None:
        problems.append("it has no '## Recap'")
    elif not 3 <= len(re.findall(r"^- ", recap, re.M)) <= 5:
        problems.append("its Recap needs 3 to 5 bullets")
    if exercises is None or sections[-1] is not exercises:
        problems.append("it must end with '## Exercises'")
    else:
        items = re.split(r"^\d+\. ", exercises, flags=re.M)[1:]
        if not 2 <= len(items) <= 4:
            problems.append(f"it has {len(items)} exercises; write 2 to 4")
        for n, item in enumerate(items, start=1):
            if not re.search(r'^\s+\?\?\? success', item, re.M):
                problems.append(f"exercise {n} has no collapsed '??? success' solution")
            if not INCLUDE.search(item) and not re.search(r'--8<-- "snippets/', item):
                problems.append(f"exercise {n}'s solution is not a tested snippet section")
    assert not problems, f"{rel}: " + "; ".join(problems)
