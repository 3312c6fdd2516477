"""A Jupyter notebook for every chapter page, generated from the same sources.

The page's prose becomes markdown cells and its python blocks (snippet sections
expanded exactly as the site renders them) become code cells, in page order:
no second copy of the code is kept anywhere. Material-only markdown is turned
into plain markdown a notebook renders (admonitions and tabs become bold
headings; collapsed solutions stay in order after their exercise).

Two variants of each notebook are written:

- `site` links figures and pages relative to the notebook's page on this site,
  for mkdocs-jupyter to render under notebooks/;
- `download` links them absolutely to the published site (site_url), for the
  "Download notebook" and "Open in Colab" buttons.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import nbformat

from .sources import Chapter, expand, fences

CONTAINER = re.compile(r"^(?P<indent>[ \t]*)(?P<kind>!!!|\?\?\?\+?|===)\s*(?P<rest>.*)$")
LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)")
PREFIXED = {"note", "tip", "warning", "danger", "info", "example", "question", "abstract", "bug"}
INSTALL_CELL = """\
# Running this notebook outside a course checkout (on Colab, or a fresh environment)?
# Install what it needs first by removing the "# " in front of the next line:
# %pip install {packages}
"""
PACKAGES = ["torch", "torchvision", "numpy", "matplotlib"]
# a chapter that imports one of these needs the packages after it too
EXTRA_PACKAGES = {"onnxruntime": ["onnx", "onnxscript", "onnxruntime"], "onnx": ["onnx", "onnxscript"]}


def install_cell(code: list[str]) -> str:
    """The commented install line for a notebook whose code cells are `code`."""
    packages = list(PACKAGES)
    for module, needs in EXTRA_PACKAGES.items():
        if any(re.search(rf"^\s*(import|from) {module}\b", cell, re.M) for cell in code):
            packages += [p for p in needs if p not in packages]
    return INSTALL_CELL.format(packages=" ".join(packages)).rstrip("\n")


def _rewrite_links(text: str, page: str, base_url: str | None, notebook: str) -> str:
    """Point the page's relative links at the site: absolutely (base_url given)
    or relative to where the notebook is rendered."""

    def fix(m: re.Match) -> str:
        target = m.group("target")
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target):
            return m.group(0)
        path, _, anchor = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        if resolved.endswith(".md"):
            resolved = resolved[: -len(".md")]
            resolved = "" if resolved == "index" else resolved.removesuffix("/index") + "/"
        if base_url is not None:
            url = base_url.rstrip("/") + "/" + resolved
        else:
            # the rendered notebook page lives at notebooks/<stem>/ (directory URLs)
            url = posixpath.relpath(resolved or ".", notebook[: -len(".ipynb")])
            if resolved.endswith("/") or resolved == "":
                url = url.rstrip("/") + "/"
        return f"{m.group('bang')}[{m.group('text')}]({url}{'#' + anchor if anchor else ''}{m.group('title') or ''})"

    return LINK.sub(fix, text)


def _plain_markdown(lines: list[str]) -> list[str]:
    """Material containers (`!!! tip "x"`, `??? success "x"`, `=== "x"`) as bold
    lines, their bodies dedented so a notebook renders them."""
    out: list[str] = []
    stack: list[int] = []  # indentation of the open containers
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if line.strip():
            while stack and indent <= stack[-1]:
                stack.pop()
        # strip 4 spaces for each open container
        strip = 4 * len(stack)
        if line.strip():
            line = line[: indent - strip] + line[indent:] if indent >= strip else line.lstrip()
        m = CONTAINER.match(line)
        if m:
            kind, rest = m.group("kind"), m.group("rest").strip()
            title = re.search(r'"([^"]*)"', rest)
            name = rest.split()[0] if rest and not rest.startswith('"') else ""
            label = title.group(1) if title else name.capitalize()
            if kind != "===" and name in PREFIXED and title and name.lower() not in label.lower():
                label = f"{name.capitalize()}: {label}"
            out.append(f"{m.group('indent')}**{label}**")
            out.append("")
            stack.append(indent)
            continue
        out.append(line)
    return out


def page_cells(markdown: str) -> list[tuple[str, str]]:
    """[(kind, source)] of an expanded page: 'markdown' and 'code' cells in order.
    Python fences become code cells; every other fence stays in the prose."""
    cells: list[tuple[str, str]] = []
    prose: list[str] = []
    lines = markdown.splitlines()

    def flush():
        text = "\n".join(_plain_markdown(prose)).strip("\n")
        if text.strip():
            cells.append(("markdown", text))
        prose.clear()

    at = 0  # next line of `lines` not yet placed
    for fence in fences(markdown):
        prose.extend(lines[at : fence.line - 1])
        at = fence.end
        if fence.lang == "python":
            flush()
            body = [ln[len(fence.indent) :] if ln.startswith(fence.indent) else ln.lstrip() for ln in fence.body]
            cells.append(("code", "\n".join(body).strip("\n")))
        else:
            prose.extend(lines[fence.line - 1 : fence.end])
    prose.extend(lines[at:])
    flush()
    return cells


def build(
    page_path: Path, page: str, variant: str, site_url: str, repository: str | None = None
) -> nbformat.NotebookNode:
    """The notebook of one chapter page. `variant` is 'site' or 'download'."""
    chapter = Chapter(page)
    markdown = expand(page_path.read_text())
    # the rendered notebook links its page relatively: its HTML is then the same
    # whatever site_url a build has (mkdocs-jupyter's cache keys on the notebook's bytes)
    if variant == "download":
        page_url = site_url.rstrip("/") + "/" + chapter.stem + "/"
    else:
        page_url = posixpath.relpath(chapter.stem, "notebooks/" + chapter.stem) + "/"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    intro = (
        f"*This notebook is generated from the page [{chapter.stem}]({page_url}) of PyTorch Zero to All"
        + (f" ([source]({repository}))" if repository else "")
        + ". Run the cells from top to bottom; datasets download into `data/` next to the notebook.*"
    )
    cells = page_cells(markdown)
    title, rest = (cells[0], cells[1:]) if cells and cells[0][0] == "markdown" else (None, cells)
    if title:
        base = site_url if variant == "download" else None
        nb.cells.append(nbformat.v4.new_markdown_cell(_rewrite_links(title[1], page, base, chapter.notebook)))
    nb.cells.append(nbformat.v4.new_markdown_cell(intro))
    nb.cells.append(nbformat.v4.new_code_cell(install_cell([source for kind, source in rest if kind == "code"])))
    for kind, source in rest:
        if kind == "code":
            nb.cells.append(nbformat.v4.new_code_cell(source))
        else:
            base = site_url if variant == "download" else None
            nb.cells.append(nbformat.v4.new_markdown_cell(_rewrite_links(source, page, base, chapter.notebook)))
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{n}"  # stable ids: the same page gives the same bytes
    return nb


def dumps(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"
