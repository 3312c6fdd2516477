"""The notebook generated from every chapter holds exactly the page's code.

Statically, for every chapter: its code cells are the page's blocks in page
order (which the page tests run, so the notebook's code is tested code), it is
valid nbformat, IPython reads every cell as the plain Python it is (no line
taken for a magic or a shell command), its links work outside the site and its
install line installs nothing by itself.

In a real Jupyter kernel (nbclient), only what a kernel adds: one chapter's
notebook runs top to bottom as a reader's Jupyter runs it (the generated file
loads, cells run in order in the kernel's `__main__`, offline, `data/` beside
it), and a failing cell is reported by its number.
"""

from __future__ import annotations

import json
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from zero_to_all import DOCS
from zero_to_all.notebooks import build, install_cell
from zero_to_all.pages import page_blocks
from zero_to_all.runs import new_workdir
from zero_to_all.sources import Chapter, all_pages, is_chapter, mkdocs_config

CHAPTERS = [p.relative_to(DOCS).as_posix() for p in all_pages() if is_chapter(p.relative_to(DOCS).as_posix())]
KERNEL_CHAPTER = "basics/tensors.md"  # small and quick: the kernel is what is tested
SITE_URL = "https://example.org/zero-to-all/"


def notebook(page: str, variant: str = "download") -> nbformat.NotebookNode:
    return build(DOCS / page, page, variant, SITE_URL, "https://github.com/o/r")


def execute(nb: nbformat.NotebookNode, name: str) -> None:
    """Run every cell in a fresh kernel in a directory with data/; fail naming the cell."""
    workdir = new_workdir()
    # before any cell: no network, warnings as errors (as for snippets)
    setup = "from zero_to_all.runs import guard_process; guard_process()"
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
        extra_arguments=[f"--IPKernelApp.exec_lines={json.dumps([setup])}"],
    )
    try:
        client.execute(env={**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
    except CellExecutionError as exc:
        index = next(
            (
                i
                for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ),
            "?",
        )
        source = nb.cells[index].source if isinstance(index, int) else ""
        message = f"notebook of {name}: cell {index} failed:\n{source[:800]}\n\n{str(exc)[-3000:]}"
    else:
        code_cells = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.get("execution_count") for c in code_cells), f"{name}: a code cell did not run"
        return
    pytest.fail(message, pytrace=False)


def test_a_chapter_notebook_runs_in_a_kernel():
    nb = notebook(KERNEL_CHAPTER)
    execute(nb, f"docs/{KERNEL_CHAPTER}")
    assert any(o.get("text") for c in nb.cells if c.cell_type == "code" for o in c.outputs), "no cell printed"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("import urllib.request\nurllib.request.urlopen('http://192.0.2.1/', timeout=5)", "network access blocked"),
        ("import torch\ntorch.nn.MSELoss(size_average=False)", "size_average and reduce args will be deprecated"),
        ("x = 1\nraise ValueError('broken cell')", "broken cell"),
    ],
)
def test_notebook_failure_names_the_cell(code, error):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# t"),
        nbformat.v4.new_code_cell("a = 1"),
        nbformat.v4.new_code_cell(code),
    ]
    with pytest.raises(pytest.fail.Exception, match=rf"(?s)notebook of fixture: cell 2 failed:.*{re.escape(error)}"):
        execute(nb, "fixture")


@pytest.mark.parametrize("page", CHAPTERS, ids=[c[:-3] for c in CHAPTERS])
def test_notebook_is_the_page(page):
    """Same code as the page, in page order; links absolute for downloads and
    relative to the rendered notebook on the site; a commented install line first."""
    from IPython.core.inputtransformer2 import TransformerManager

    download, site = notebook(page, "download"), notebook(page, "site")
    code = [c.source for c in download.cells if c.cell_type == "code"]
    assert code[0] == install_cell(code[1:])
    assert all(line.startswith("#") for line in code[0].splitlines()), "the install cell must install nothing by itself"
    blocks = [b.code.strip("\n") for b in page_blocks(DOCS / page)]
    assert code[1:] == blocks, f"docs/{page}: notebook code cells differ from the page's blocks"
    nbformat.validate(download)
    ipython = TransformerManager()
    for n, cell in enumerate(code[1:], start=2):
        assert ipython.transform_cell(cell) == cell + "\n", (
            f"docs/{page}: IPython would not run code cell {n} as plain Python (a line read as a magic, "
            "a shell command or a help request?)"
        )
    for nb, variant in ((download, "download"), (site, "site")):
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"\]\(([^)\s]+)", cell.source):
                if variant == "download":
                    assert re.match(r"^(https?:|#)", target), (
                        f"{page}: relative link {target!r} breaks outside the site"
                    )
                else:
                    assert not target.endswith(".md"), f"{page}: link to a .md file {target!r}"


def test_colab_url_from_the_repository_setting():
    from zero_to_all.hooks.notebooks import colab_url

    config = {"extra": mkdocs_config()["extra"]}
    url = colab_url(config, Chapter("basics/linear-model.md"))
    repo = config["extra"]["repository"].removeprefix("https://github.com/")
    assert (
        url
        == f"https://colab.research.google.com/github/{repo}/blob/{config['extra']['notebooks_branch']}/basics/linear-model.ipynb"
    )
