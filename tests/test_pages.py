"""Every python block of every page, exactly as the site renders it, run once.

Snippet includes are expanded by pymdownx.snippets with the settings in
mkdocs.yml, blocks are extracted by pytest-codeblocks, and each runs in-process
in a working directory where `data/` shows the offline datasets. The blocks of
one snippet share a namespace in page order: that is the snippet's one run in
the suite (the lint proves they are the whole snippet, in file order), and the
`#>` lines are checked on it. Test ids name the page, the line of the block's
fence and the snippet sections it shows.

A page whose every block passed before, with the same code, harness, versions,
CPU and kernel settings, is not trained again (`harness.reusable_pass`); the
summary counts those blocks, and `ZTA_RERUN=1` runs everything.
"""

from __future__ import annotations

import json

import pytest

from zero_to_all import DOCS
from zero_to_all.harness import BlockFailed, record_page_pass, reusable_pass, run_block
from zero_to_all.pages import PageBlock, page_blocks
from zero_to_all.sources import all_pages

_REUSED: dict[str, bool] = {}  # page -> reusing an earlier pass (decided at its first block)
_PASSED: dict[str, set[int]] = {}  # page -> indices of its blocks that passed in this process


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
            yield pytest.param(block, blocks, None, id=block.test_id, marks=group)


@pytest.mark.parametrize(("block", "siblings", "error"), list(_params()))
def test_block(block: PageBlock | None, siblings: list[PageBlock], error: str | None, request, update_outputs):
    if request.config.getoption("dist", "no") == "loadgroup" and "@" not in request.node.nodeid:
        pytest.fail(
            "pytest-xdist ignored xdist_group (pytest 9 does that): a page's blocks would run "
            "on different workers, out of order. Use pytest < 9 (pyproject.toml pins it).",
            pytrace=False,
        )
    if error is not None:
        pytest.fail(error, pytrace=False)
    if block.page not in _REUSED:
        _REUSED[block.page] = reusable_pass(siblings, update_outputs)
    if _REUSED[block.page]:
        request.node.user_properties.append(("reused", block.page))  # conftest counts these
        return
    try:
        finished = run_block(block, siblings, update_outputs=update_outputs)
    except BlockFailed as exc:
        failure = str(exc)
    else:
        if finished is not None and finished.rewrote:
            # conftest prints these at the end of `make update-outputs`
            request.node.user_properties.append(("rewrote", json.dumps([finished.snippet, finished.rewrote])))
        _PASSED.setdefault(block.page, set()).add(block.index)
        if _PASSED[block.page] == {b.index for b in siblings}:
            record_page_pass(siblings)
        return
    pytest.fail(failure, pytrace=False)
