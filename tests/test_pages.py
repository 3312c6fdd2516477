"""Route 1: every python block of every page, exactly as the site renders it.

Snippet includes are expanded by pymdownx.snippets with the settings in
mkdocs.yml, blocks are extracted by pytest-codeblocks, and each runs in-process
in a working directory where `data/` shows the offline datasets. Test ids name
the page, the line of the block's fence and the snippet sections it shows.
"""

from __future__ import annotations

import sys

import pytest

from zero_to_all import DOCS
from zero_to_all.harness import BlockFailed, run_block
from zero_to_all.pages import PageBlock, all_pages, page_blocks


def _params():
    for page in all_pages():
        rel = page.relative_to(DOCS).as_posix()
        group = pytest.mark.xdist_group(rel)  # a page's blocks run in order on one worker
        try:
            blocks = page_blocks(page)
        except Exception as exc:  # noqa: BLE001 - reported as this page's failing test
            yield pytest.param(None, [], str(exc), id=f"{rel}:expand", marks=group)
            continue
        for block in blocks:
            marks = [
                eval(m, {"pytest": pytest, "sys": sys})  # noqa: S307 - marks written in our pages
                for m in block.marks
                if not m.startswith("pytest.mark.xfail")  # = "this block raises", see harness
            ]
            yield pytest.param(block, blocks, None, id=block.test_id, marks=[group, *marks])


@pytest.mark.parametrize(("block", "siblings", "error"), list(_params()))
def test_block(block: PageBlock | None, siblings: list[PageBlock], error: str | None, request):
    if request.config.getoption("dist", "no") == "loadgroup" and "@" not in request.node.nodeid:
        pytest.fail(
            "pytest-xdist ignored xdist_group (pytest 9 does that): a page's blocks would run "
            "on different workers, out of order. Use pytest < 9 (pyproject.toml pins it).",
            pytrace=False,
        )
    if error is not None:
        pytest.fail(error, pytrace=False)
    try:
        run_block(block, siblings)
    except BlockFailed as exc:
        failure = str(exc)
    else:
        return
    pytest.fail(failure, pytrace=False)
