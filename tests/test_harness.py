"""Breaking things fails loudly, naming the page or file, the block or line, and the fix.

Each test breaks one thing on a copy (a temporary snippet, page or site) and
checks the harness or the build refuses it with a message a maintainer can act on.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from zero_to_all import ROOT
from zero_to_all.figures import FigureError, FigureSpec, render
from zero_to_all.harness import BlockFailed, reset, run_block
from zero_to_all.outputs import MalformedOutput, check, line_matches
from zero_to_all.pages import page_blocks
from zero_to_all.runs import CodeFailed, run_snippet_fresh, sandbox
from zero_to_all.sitecheck import fixture_site, mkdocs_build

LINEAR_MODEL = ROOT / "snippets/basics/linear_model.py"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


# --- outputs ----------------------------------------------------------------


def _copy_chapter(tmp_path: Path, page: str, snippet: str, edit=lambda s: s) -> list:
    """A copy of a real chapter page and its snippet (edited) in a site of its own."""
    write(tmp_path / "docs" / page, (ROOT / "docs" / page).read_text())
    (tmp_path / snippet).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / snippet).write_text(edit((ROOT / snippet).read_text()))
    return page_blocks(tmp_path / "docs" / page, docs=tmp_path / "docs", base=tmp_path)


def _run_page(blocks, update_outputs=False) -> tuple[list[str], list]:
    """Run every block as the page test does; (failure messages, what each returned)."""
    reset()
    failures, returned = [], []
    for block in blocks:
        try:
            returned.append(run_block(block, blocks, update_outputs=update_outputs))
        except BlockFailed as exc:
            failures.append(str(exc))
    return failures, returned


def test_edited_output_number_fails_once_naming_page_block_and_snippet_line(tmp_path):
    snippet = "snippets/basics/linear_model.py"
    assert "#> MSE at w = 3.0: 4.667" in (ROOT / snippet).read_text()
    blocks = _copy_chapter(
        tmp_path,
        "basics/linear-model.md",
        snippet,
        lambda s: s.replace("#> MSE at w = 3.0: 4.667", "#> MSE at w = 3.0: 4.767"),
    )
    line = (tmp_path / snippet).read_text().splitlines().index("#> MSE at w = 3.0: 4.767") + 1
    failures, _ = _run_page(blocks)
    assert len(failures) == 1, failures  # one wrong line, one failure, in one format
    block = next(b for b in blocks if line in b.snippet_lines)
    assert failures[0].startswith(
        f"docs/basics/linear-model.md, block {block.index} (line {block.line}), "
        f"{snippet} line {line}: printed output differs"
    )
    assert "-#> MSE at w = 3.0: 4.767" in failures[0] and "+#> MSE at w = 3.0: 4.667" in failures[0]
    assert "make update-outputs" in failures[0]


def test_update_outputs_rewrites_the_snippet_from_the_page_run(tmp_path):
    write(
        tmp_path / "snippets" / "s.py",
        """
        # --8<-- [start:loop]
        for i in range(2):
            print(f"i = {i}")
            #> i = 7
        # --8<-- [end:loop]
        # --8<-- [start:rest]
        print("new")
        #> stale line
        #> another stale line
        x = 1
        #> orphan
        # --8<-- [end:rest]
    """,
    )
    page = write(
        tmp_path / "docs" / "page.md",
        """
        ```python title="snippets/s.py"
        --8<-- "snippets/s.py:loop"
        ```

        ```python title="snippets/s.py"
        --8<-- "snippets/s.py:rest"
        ```
    """,
    )
    blocks = page_blocks(page, docs=tmp_path / "docs", base=tmp_path)
    failures, returned = _run_page(blocks, update_outputs=True)
    assert not failures
    assert returned[-1].snippet == "snippets/s.py" and returned[-1].rewrote == [3, 7, 10]
    assert (tmp_path / "snippets" / "s.py").read_text() == textwrap.dedent("""\
        # --8<-- [start:loop]
        for i in range(2):
            print(f"i = {i}")
            #> i = 0
            #> i = 1
        # --8<-- [end:loop]
        # --8<-- [start:rest]
        print("new")
        #> new
        x = 1
        # --8<-- [end:rest]
    """)
    failures, _ = _run_page(page_blocks(page, docs=tmp_path / "docs", base=tmp_path))
    assert not failures


def test_update_outputs_refuses_a_page_that_skips_a_section(tmp_path):
    """Prints of a section the page does not show never run there: rewriting would
    empty their `#>` lines. It refuses, and leaves the snippet as it was."""
    source = textwrap.dedent("""\
        # --8<-- [start:one]
        print(1)
        #> 1
        # --8<-- [end:one]
        # --8<-- [start:two]
        print(2)
        #> 2
        # --8<-- [end:two]
    """)
    write(tmp_path / "snippets" / "s.py", source)
    page = write(
        tmp_path / "docs" / "page.md",
        """
        ```python title="snippets/s.py"
        --8<-- "snippets/s.py:one"
        ```
    """,
    )
    blocks = page_blocks(page, docs=tmp_path / "docs", base=tmp_path)
    failures, _ = _run_page(blocks, update_outputs=True)
    assert len(failures) == 1 and "not rewriting the '#>' lines of snippets/s.py" in failures[0]
    assert (tmp_path / "snippets" / "s.py").read_text() == source


def test_print_without_output_lines_fails(tmp_path):
    snippet = write(tmp_path / "s.py", 'print("hello")\n')
    _, log = run_snippet_fresh(snippet)
    [problem] = check(snippet.read_text(), str(snippet), log, where="s.py")
    assert "s.py, line 1: this statement printed output but has no '#>' lines" in problem
    assert "hello" in problem


def test_output_lines_without_a_print_fail(tmp_path):
    snippet = write(tmp_path / "s.py", "x = 1\n#> 1\n")
    _, log = run_snippet_fresh(snippet)
    [problem] = check(snippet.read_text(), str(snippet), log, where="s.py")
    assert "s.py, line 2: '#>' lines with no print above them" in problem


def test_malformed_output_line_fails():
    with pytest.raises(MalformedOutput, match=r"s.py, line 2: malformed output line '#>1'"):
        check("print(1)\n#>1\n", "s.py", None, where="s.py")


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        ("loss = 0.1234", "loss = 0.1235", True),  # one unit in the last place
        ("loss = 0.1230", "loss = 0.1232", False),  # two units: a deterministic value moved
        ("loss = 0.123", "loss = 0.150", False),
        ("loss = 1.5e-05", "loss = 1.6e-05", True),
        ("loss = 1.5e-05", "loss = 1.7e-05", False),
        ("epoch 3", "epoch 4", False),  # integers (counts, indices) are exact
        ("shape (64, 784)", "shape (64, 785)", False),
        ("575,050 parameters", "575,051 parameters", False),  # a count with thousands separators
        ("575,050 parameters", "575,050 parameters", True),
        ("4:98%", "4:97%", True),  # a whole-number percentage is a rounded measurement
        ("4:98%", "4:96%", False),
        ("took 41.3 s", "took 12.0 s", True),  # wall-clock numbers: only the form is checked
        ("12 ms per step", "15 ms per step", True),
        ("8.1× faster", "5.3× faster", True),
        ("1,234 images/s", "2,345 images/s", True),
        ("took 41.3 s", "took 41.3 min", False),  # ... but the form is
        ("accuracy 97.5%", "accuracy 97.4%", True),
        ("nan", "0.5", False),
        ("w = -0.8269", "w = 0.8269", False),
        ("tensor([1., 2.])", "tensor([1., 2.])", True),
        ("text", "other text", False),
    ],
)
def test_number_tolerance(expected, actual, ok):
    assert line_matches(expected, actual) is ok


TRAINED = """
accuracy = {value}
print(f"test accuracy {{accuracy:.1%}}, {{1000}} images")  # ±3 in the last digit
#> test accuracy 98.1%, 1000 images
"""


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (0.981, True),
        (0.983, True),  # a trained metric within its ±3 in the last digit
        (0.979, True),
        (0.985, False),  # moved by more than its tolerance
        (0.977, False),
    ],
)
def test_a_trained_metric_moved_by_more_than_its_tolerance_fails(tmp_path, value, ok):
    snippet = write(tmp_path / "s.py", TRAINED.format(value=value))
    _, log = run_snippet_fresh(snippet)
    problems = check(snippet.read_text(), str(snippet), log, where="s.py")
    assert (problems == []) is ok, problems
    if not ok:
        assert "within ±3 in the last digit (the print's comment)" in problems[0]


def test_an_exact_count_changed_by_one_fails_even_under_a_tolerance(tmp_path):
    snippet = write(tmp_path / "s.py", TRAINED.format(value=0.981).replace("{1000}", "{1001}"))
    _, log = run_snippet_fresh(snippet)
    [problem] = check(snippet.read_text(), str(snippet), log, where="s.py")
    assert "-#> test accuracy 98.1%, 1000 images" in problem and "+#> test accuracy 98.1%, 1001 images" in problem


# --- code that raises -------------------------------------------------------


def test_snippet_that_raises_fails_naming_file_and_line(tmp_path):
    snippet = write(
        tmp_path / "broken.py",
        """
        x = 1
        y = 2
        z = x / (y - 2)
    """,
    )
    with pytest.raises(CodeFailed) as info:
        run_snippet_fresh(snippet)
    message = str(info.value)
    assert f"{snippet}, line 3 raised ZeroDivisionError" in message
    assert "z = x / (y - 2)" in message


def test_page_block_that_raises_fails_naming_page_and_block(tmp_path):
    page = write(
        tmp_path / "docs" / "part" / "page.md",
        """
        # Page

        ```python
        a = 1
        ```

        Some prose.

        ```python
        b = undefined_name + 1
        ```
    """,
    )
    blocks = page_blocks(page, docs=tmp_path / "docs", base=tmp_path)
    reset()
    run_block(blocks[0], blocks)
    with pytest.raises(BlockFailed, match=r"docs/part/page.md, block 2 \(line 9\), line 1 raised NameError"):
        run_block(blocks[1], blocks)


def test_blocks_of_one_snippet_share_a_namespace_and_check_outputs(tmp_path):
    write(
        tmp_path / "snippets" / "s.py",
        """
        # --8<-- [start:define]
        def show(x):
            print(f"x = {x}")
            #> x = 1
            #> x = 3
        # --8<-- [end:define]
        # --8<-- [start:call]
        show(1)
        show(2)
        # --8<-- [end:call]
    """,
    )
    page = write(
        tmp_path / "docs" / "page.md",
        """
        ```python title="snippets/s.py"
        --8<-- "snippets/s.py:define"
        ```

        ```python title="snippets/s.py"
        --8<-- "snippets/s.py:call"
        ```
    """,
    )
    blocks = page_blocks(page, docs=tmp_path / "docs", base=tmp_path)
    assert [b.sections for b in blocks] == [["define"], ["call"]]
    reset()
    run_block(blocks[0], blocks)  # nothing printed yet: fine so far
    with pytest.raises(
        BlockFailed, match=r"(?s)block 1 \(line 1\), snippets/s.py line 4: printed output differs.*\+#> x = 2"
    ):
        run_block(blocks[1], blocks)


def test_missing_dataset_fails_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("ZTA_DATA_DIR", str(tmp_path / "no-data-here"))
    snippet = write(
        tmp_path / "mnist.py",
        """
        from torchvision import datasets

        train = datasets.MNIST(root="data", train=True, download=True)
    """,
    )
    with pytest.raises(CodeFailed) as info:
        run_snippet_fresh(snippet)
    message = str(info.value)
    assert "mnist.py, line 3 raised" in message
    assert f"The offline datasets were expected at {tmp_path / 'no-data-here'}" in message
    assert "ZTA_DATA_DIR" in message


def test_network_is_blocked():
    import urllib.request

    with sandbox(), pytest.raises(Exception, match="network access blocked"):
        urllib.request.urlopen("http://192.0.2.1/", timeout=5)


def test_deprecated_api_is_an_error(tmp_path):
    snippet = write(
        tmp_path / "old.py",
        """
        import torch

        loss = torch.nn.MSELoss(size_average=False)
    """,
    )
    with pytest.raises(
        CodeFailed, match=r"old.py, line 3 raised UserWarning: size_average and reduce args will be deprecated"
    ):
        run_snippet_fresh(snippet)


# --- figures and the build --------------------------------------------------


def test_figure_that_raises_names_the_figure():
    def broken():
        raise ValueError("no data")

    spec = FigureSpec("test/broken", broken, __name__, ())
    with pytest.raises(FigureError, match=r"figure 'test/broken' \(.*broken\) failed: ValueError: no data"):
        render(spec)


def test_build_fails_on_a_renamed_section(tmp_path):
    config = fixture_site(
        tmp_path,
        pages={"index.md": '# Home\n\n```python title="snippets/s.py"\n--8<-- "snippets/s.py:old-name"\n```\n'},
        snippets={"snippets/s.py": "# --8<-- [start:new-name]\nx = 1\n# --8<-- [end:new-name]\n"},
    )
    result = mkdocs_build(tmp_path / "site", config=config, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "index.md" in output and "Snippet section 'old-name' could not be located" in output
    # and the page test names the page and the fix
    with pytest.raises(
        RuntimeError, match=r"docs/index.md: a snippet include cannot be expanded: Snippet section 'old-name'"
    ):
        page_blocks(tmp_path / "docs" / "index.md", docs=tmp_path / "docs", base=tmp_path)


def test_build_fails_on_an_unregistered_figure(tmp_path):
    config = fixture_site(
        tmp_path,
        pages={"index.md": "# Home\n\n![A curve](figures/linear-model/no-such-figure.svg)\n"},
        snippets={},
    )
    result = mkdocs_build(tmp_path / "site", config=config, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "docs/index.md shows figure 'linear-model/no-such-figure', which is not registered" in output
    assert "linear-model/cost-vs-w" in output  # it lists the figures that do exist nearby


# --- the suite's stages and the reuse of a page's pass --------------------------


def test_a_failing_stage_stops_the_chain_naming_it(tmp_path, monkeypatch, capsys):
    """`make test` runs its stages in order; one that fails stops the rest and says which."""
    import sys

    from zero_to_all import suite

    monkeypatch.setattr(suite, "SUITE", tmp_path)
    chain = suite.Suite("1", [])
    chain.run("1-lint", [sys.executable, "-c", "print('fine')"])
    with pytest.raises(suite.StageFailed, match=r"make test stopped at stage 2-pages \(exit 3\)"):
        chain.run("2-pages", [sys.executable, "-c", "raise SystemExit(3)"])
    out = capsys.readouterr().out
    assert "stage times: 1-lint" in out and "suite: 0 passed, 0 failed" in out
    assert set((tmp_path / "times.json").read_text().split('"')[1::2]) == {"1-lint", "2-pages"}


def test_the_suite_builds_the_site_only_for_a_selection_that_reads_it():
    from zero_to_all import suite

    assert suite.Suite("1", []).selects_site_tests()
    assert suite.Suite("1", ["-k", "test_links_and_anchors"]).selects_site_tests()
    assert not suite.Suite("1", ["tests/test_workflow.py"]).selects_site_tests()


def test_a_build_never_lets_the_page_tests_skip_a_page(tmp_path):
    """Whatever a build cached (`make build` before `make test`), the page tests run
    a page again unless they recorded its pass themselves, under the same key."""
    from zero_to_all import harness

    blocks = page_blocks(ROOT / "docs/basics/linear-model.md")
    assert any(b.snippet for b in blocks)
    key = harness.page_key(blocks)
    marker = harness._pass_file(blocks[0].page, key)
    existed = marker.exists()
    try:
        marker.unlink(missing_ok=True)
        assert not harness.reusable_pass(blocks, update_outputs=False)  # a cached run alone is not a pass
        harness.record_page_pass(blocks)
        assert marker.exists()
        assert not harness.reusable_pass(blocks, update_outputs=True)
        edited = [*blocks[:-1], type(blocks[-1])(**{**vars(blocks[-1]), "code": blocks[-1].code + "\n# edited\n"})]
        assert harness.page_key(edited) != key  # any change to the code is another key
    finally:
        if not existed:
            marker.unlink(missing_ok=True)


# --- the snippets a build runs for its figures: to completion, or behind `make serve` --


@pytest.fixture
def failing_snippet():
    """A snippet under the repository (runs are cached by repository path) that raises.
    Each test gets its own file and removes only that one: the tests that use it run
    side by side on the pytest workers, and sharing the folder's removal failed CI once."""
    import uuid

    folder = ROOT / ".cache" / "test-snippets"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"boom_{uuid.uuid4().hex[:8]}.py"
    path.write_text('print("training…")\nx = 1\nraise RuntimeError("boom: a deliberate failure")\n')
    yield path.relative_to(ROOT).as_posix()
    path.unlink(missing_ok=True)


def test_a_build_names_the_snippet_that_failed(failing_snippet):
    """A strict build runs what its figures plot to completion; a snippet that raises
    is named with its line and cause (the build then fails with it)."""
    from zero_to_all import snippet_pool

    failures = snippet_pool.run_all([failing_snippet])
    assert len(failures) == 1
    assert f"{failing_snippet} failed to run" in failures[0]
    assert "line 3 raised RuntimeError: boom: a deliberate failure" in failures[0]


def test_while_serving_a_failed_snippet_shows_on_its_figure(failing_snippet, monkeypatch):
    """Behind `make serve` the run fails in the background: its figure's placeholder
    shows the error, the server is told to rebuild (a file in the watched folder),
    and the snippet is not retried until its source changes."""
    from zero_to_all import snippet_pool
    from zero_to_all.figures import FigureSpec
    from zero_to_all.hooks import figures_and_math as hook

    background = snippet_pool.Background()
    monkeypatch.setattr(snippet_pool, "BACKGROUND", background)
    monkeypatch.setattr(hook, "_serving", True)
    spec = FigureSpec("test/boom", lambda: None, __name__, (failing_snippet,))
    background.submit([failing_snippet])
    assert background.state(failing_snippet)[0] == "running"
    lines = hook.not_ready(spec)
    assert lines[0].startswith(f"Drawn when {failing_snippet} finishes (about 10 s)")
    future = next(iter(background.pending.values()))
    with pytest.raises(Exception, match="boom"):
        future.result(timeout=120)
    background.pool.shutdown(wait=True)  # its callbacks have run
    background.pool = None
    state, detail = background.state(failing_snippet)
    assert state == "failed" and "boom: a deliberate failure" in detail
    lines = hook.not_ready(spec)
    assert lines[0] == f"Not drawn: {failing_snippet} failed (the rest of the site is up)"
    svg = snippet_pool.placeholder_svg(spec.name, lines, error=True).decode()
    assert svg.startswith("<svg") and "boom: a deliberate failure" in svg and "#c2255c" in svg
    assert (snippet_pool.READY / (failing_snippet.replace("/", "__") + ".done")).exists()
    background.submit([failing_snippet])
    assert not background.pending  # not retried for the same source
    monkeypatch.setattr(hook, "_serving", False)
    assert hook.not_ready(spec) is None  # a strict build never draws a placeholder


# --- make test-device: the checks a GPU run makes, proven on the CPU --------------

ON_A_DEVICE = """
device = "cuda"  # the device the snippet picked, as its device line does on a GPU
loss = {loss}
print(f"dev loss {{loss:.2f}} on {{device}}")  # ±1 in the last digit
#> dev loss 1.70 on cpu
print(f"{{{count}}} layers")
#> 3 layers
"""


@pytest.mark.parametrize(
    ("loss", "count", "on_device", "ok"),
    [
        (1.70, 3, False, False),  # on a CPU run the device's name is a difference
        (1.70, 3, True, True),
        (1.76, 3, True, True),  # a trained number within 5 % of the page's on a device
        (1.76, 3, False, False),  # ... but not on a CPU: ±1 in the last digit there
        (1.80, 3, True, False),  # 5.9 %: too far on a device too
        (1.70, 4, True, False),  # a count is exact everywhere
    ],
)
def test_device_checks(tmp_path, monkeypatch, loss, count, on_device, ok):
    if on_device:
        monkeypatch.setenv("ZTA_DEVICE", "cpu")
    snippet = write(tmp_path / "s.py", ON_A_DEVICE.format(loss=loss, count=count))
    _, log = run_snippet_fresh(snippet)
    problems = check(snippet.read_text(), str(snippet), log, where="s.py")
    assert (problems == []) is ok, problems
    if on_device and not ok and count == 3:
        assert "or on cpu twice that or 5% of their value (a percentage: one point)" in problems[0]


SAMPLED = """
print("kayden, maimi")  # differs on a GPU: other kernels, other samples
#> dexze, zomarie
print(f"accuracy {{{accuracy}:.1%}}")  # ±1 in the last digit
#> accuracy 91.3%
"""


@pytest.mark.parametrize(
    ("accuracy", "on_device", "ok"),
    [
        (0.913, False, False),  # on a CPU every line is checked, sampled text too
        (0.913, True, True),  # on a device a print marked "differs on a GPU" only has to run
        (0.905, True, True),  # a percentage: within one point on a device
        (0.902, True, False),  # 1.1 points
    ],
)
def test_device_dependent_prints_and_percentages(tmp_path, monkeypatch, accuracy, on_device, ok):
    if on_device:
        monkeypatch.setenv("ZTA_DEVICE", "cpu")
    snippet = write(tmp_path / "s.py", SAMPLED.format(accuracy=accuracy))
    _, log = run_snippet_fresh(snippet)
    problems = check(snippet.read_text(), str(snippet), log, where="s.py")
    assert (problems == []) is ok, problems


def test_make_test_device_runs_a_page_and_reports(tmp_path, monkeypatch, capsys):
    """The whole harness with the CPU standing in for the device: the page tests run
    with ZTA_DEVICE, nothing is cached or stamped, and the report is written."""
    from zero_to_all import device_check

    monkeypatch.setattr(device_check, "REPORT", tmp_path / "device.md")
    verified = (ROOT / ".cache/verified.json").read_text() if (ROOT / ".cache/verified.json").exists() else None
    rc = device_check.main(["--device", "cpu", "--workers", "0", "-k", "basics/linear-model.md"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "every page's code on cpu" in out and "(the CPU standing in for a device)" in out
    assert "passed in" in (tmp_path / "device.md").read_text()
    after = (ROOT / ".cache/verified.json").read_text() if (ROOT / ".cache/verified.json").exists() else None
    assert after == verified  # a device run stamps nothing


def test_make_test_device_without_an_accelerator_says_so(monkeypatch, capsys):
    from zero_to_all import device_check

    monkeypatch.setattr(device_check, "accelerator", lambda: None)
    assert device_check.main([]) == 0
    assert "no CUDA GPU and no Apple MPS device" in capsys.readouterr().out
