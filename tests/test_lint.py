"""Lint: every python fence has a test route, every snippet is shown whole and in
order by its page (so the page's run is the snippet's run), every page is in
the nav, snippets are plain programs, chapters have the page skeleton."""

from __future__ import annotations

import ast
import functools
import re
import sys

import pytest

from zero_to_all import DOCS, ROOT, SNIPPETS
from zero_to_all.figures import load
from zero_to_all.pages import page_blocks
from zero_to_all.sources import (
    FENCE,
    INCLUDE,
    NOT_A_LANG,
    PARTIAL,
    RUN_LANGS,
    SECTION,
    all_pages,
    fences,
    figure_refs,
    includes,
    is_chapter,
    nav_pages,
    program_lines,
    sections,
)

PAGES = all_pages()
SNIPPET_FILES = sorted(SNIPPETS.rglob("*.py"))
PAGE_IDS = [p.relative_to(DOCS).as_posix() for p in PAGES]
SNIPPET_IDS = [p.relative_to(SNIPPETS).as_posix() for p in SNIPPET_FILES]


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
    for number, line in enumerate(text.splitlines(), start=1):
        if "pytest-codeblocks:" in line:
            problems.append(
                f"docs/{page.relative_to(DOCS).as_posix()}, line {number}: no pytest-codeblocks "
                "directives: every python block runs, blocks of one snippet continue each other, "
                "and a block that must raise catches and prints the exception itself"
            )
    run_lines = {b.line for b in page_blocks(page)}
    for f in fences(text):
        if f.lang in RUN_LANGS and f.line not in run_lines:
            problems.append(
                f"docs/{page.relative_to(DOCS).as_posix()}, line {f.line}: this python block is not run by any test"
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
                problems.append(
                    f"{where}: include a named section (snippets/x.py:section-name), never a whole file or line numbers"
                )
            if f.lang != "python" or f.title != path:
                problems.append(f'{where}: put it in a ```python title="{path}" fence')
    inside = {n for f in fences(page.read_text()) for n in range(f.line, f.end + 1)}
    for inc in includes(page.read_text()):
        if inc.line not in inside and not PARTIAL.fullmatch(inc.path):
            problems.append(
                f"docs/{rel}, line {inc.line}: outside a code fence, include only shared "
                "markdown from partials/ (code comes from snippets/ inside a python fence)"
            )
    assert not problems, "\n".join(problems)


def test_every_page_is_in_nav():
    listed = set(nav_pages())
    missing = [p for p in PAGE_IDS if p not in listed]
    assert not missing, f"pages missing from `nav:` in mkdocs.yml: {missing}"


@pytest.mark.parametrize("path", SNIPPET_FILES, ids=SNIPPET_IDS)
def test_snippet_sections(path):
    """Sections are well formed: kebab-case, balanced, not nested, each name once,
    and no code outside them (comments may be)."""
    rel = path.relative_to(ROOT).as_posix()
    problems = []
    depth = 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        m = SECTION.search(line)
        if m:
            if not re.fullmatch(r"[a-z][a-z0-9-]*", m.group("name")):
                problems.append(
                    f"{rel}, line {number}: section name {m.group('name')!r}: use kebab-case starting with a letter"
                )
            depth += 1 if m.group("kind") == "start" else -1
            if depth not in (0, 1):
                problems.append(
                    f"{rel}, line {number}: sections must not nest or close twice: end one before the next starts"
                )
                depth = max(0, min(depth, 1))
        elif depth == 0 and line.strip() and not line.lstrip().startswith("#"):
            problems.append(
                f"{rel}, line {number}: code outside every section; the page does not show "
                "it, so a reader running the page's blocks would miss it. Move it into a section."
            )
    found = sections(path.read_text())
    problems += [f"{rel}, line {s.start}: section {s.name!r} is never closed" for s in found if s.end is None]
    names = [s.name for s in found]
    problems += [f"{rel}: section name {n!r} is used twice" for n in sorted({n for n in names if names.count(n) > 1})]
    assert not problems, "\n".join(problems)


@functools.lru_cache(maxsize=1)
def _shown_by() -> dict[str, list[tuple[str, list]]]:
    """{snippet: [(page, its python blocks showing that snippet)]}."""
    out: dict[str, list[tuple[str, list]]] = {}
    for page in PAGES:
        rel = page.relative_to(DOCS).as_posix()
        for block in page_blocks(page):
            if block.snippet:
                pages = out.setdefault(block.snippet, [])
                if not pages or pages[-1][0] != rel:
                    pages.append((rel, []))
                pages[-1][1].append(block)
    return out


@pytest.mark.parametrize("path", SNIPPET_FILES, ids=SNIPPET_IDS)
def test_page_shows_the_whole_snippet_in_order(path):
    """The page's blocks of a snippet, in page order, are exactly its sections in
    file order, each once: so the page run top to bottom (what the tests execute)
    is the snippet run as a script, and the snippet file needs no run of its own."""
    rel = path.relative_to(ROOT).as_posix()
    shown = _shown_by().get(rel, [])
    if len(shown) != 1:
        pages = ", ".join(f"docs/{p}" for p, _ in shown) or "no page"
        pytest.fail(f"{rel} is shown by {pages}: show each snippet on exactly one page", pytrace=False)
    page, blocks = shown[0]
    included = [s for b in blocks for s in b.sections]
    defined = [s.name for s in sections(path.read_text())]
    if included != defined:
        pytest.fail(
            f"docs/{page} shows the sections of {rel} as\n  {included}\nbut the snippet defines them, in "
            f"file order, as\n  {defined}\nShow every section exactly once, in file order (move the "
            "section in the snippet, or the include on the page).",
            pytrace=False,
        )
    program = [text for _, text in program_lines(path.read_text()) if text.strip()]
    code = [line for b in blocks for line in b.code.split("\n") if line.strip()]
    assert code == program, f"docs/{page}: its blocks of {rel} do not expand to the snippet's code"
    assert all(b.snippet_lines for b in blocks), f"docs/{page}: a block of {rel} is not mapped to its lines"


TRAINED_NOTE = "partials/trained-numbers.md"


@pytest.mark.parametrize("path", SNIPPET_FILES, ids=SNIPPET_IDS)
def test_trained_numbers_are_explained_on_their_page(path):
    """A snippet with `# ±N in the last digit` tolerances has its page include the
    note that tells a reader on another machine what to expect."""
    from zero_to_all.outputs import tolerances

    rel = path.relative_to(ROOT).as_posix()
    if not tolerances(path.read_text()):
        return
    pages = [p for p in PAGES if rel in {i.path for i in includes(p.read_text())}]
    missing = [
        p.relative_to(DOCS).as_posix() for p in pages if TRAINED_NOTE not in {i.path for i in includes(p.read_text())}
    ]
    assert not missing, (
        f"{rel} prints trained numbers with tolerances; include the note on its page: "
        f'--8<-- "{TRAINED_NOTE}" in docs/{missing[0]}, near the first of them'
    )


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
                problems.append(
                    f"{rel}, line {node.lineno}: imports {name!r}; snippets use only torch, torchvision, "
                    "numpy, matplotlib and the standard library"
                )
    random_calls = re.search(
        r"torch\.(randn|rand|randint|randperm|normal)\b|nn\.(Linear|Conv|LSTM|GRU|RNN|Embedding)|shuffle=True", source
    )
    if random_calls and "torch.manual_seed(" not in source:
        problems.append(f"{rel}: uses randomness ({random_calls.group(0)}) but never calls torch.manual_seed")
    assert not problems, "\n".join(problems)


def test_every_figure_is_shown_and_every_shown_figure_exists():
    registry = load()
    shown: dict[str, str] = {}
    for page in PAGES:
        for name in figure_refs(page.read_text()):
            shown.setdefault(name, page.relative_to(DOCS).as_posix())
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
    assert not empty, (
        f"docs/{page.relative_to(DOCS).as_posix()}, lines {empty}: an image without alt text; "
        "say what the reader should see"
    )


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
    if not figure_refs(text):
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
            if not re.search(r"^\s+\?\?\? success", item, re.M):
                problems.append(f"exercise {n} has no collapsed '??? success' solution")
            if not INCLUDE.search(item) and not re.search(r'--8<-- "snippets/', item):
                problems.append(f"exercise {n}'s solution is not a tested snippet section")
    assert not problems, f"{rel}: " + "; ".join(problems)
