"""Route 2: every snippet file runs top to bottom as a script, and every `#>`
block under a print matches what the print really wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from zero_to_all import ROOT, SNIPPETS
from zero_to_all.outputs import MalformedOutput, check, rewrite
from zero_to_all.runs import CodeFailed, record_verified, run_snippet, save, source_key

ALL = sorted(SNIPPETS.rglob("*.py"))


@pytest.mark.parametrize("path", ALL, ids=[p.relative_to(SNIPPETS).as_posix() for p in ALL])
def test_snippet(path: Path, update_outputs: bool):
    rel = path.relative_to(ROOT).as_posix()
    failure = None
    try:
        run, log = run_snippet(path, fresh=True)
    except CodeFailed as exc:
        failure = str(exc)
    if failure:
        pytest.fail(failure, pytrace=False)
    source = path.read_text()
    if update_outputs:
        new = rewrite(source, str(path), log)
        if new != source:
            path.write_text(new)
            # only comments changed: the run stands for the new source too, so a
            # build after this does not run the snippet again
            run.key = source_key(new)
            save(run)
        return
    try:
        problems = check(source, str(path), log, where=rel)
    except MalformedOutput as exc:
        pytest.fail(str(exc), pytrace=False)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
    record_verified(run)  # the page's "last verified" stamp reads this
