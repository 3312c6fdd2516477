"""The built site as a reader's browser meets it: every page in headless Chromium,
links and anchors, reproducible bytes, the security policy, and proof that each
check can fail."""

from __future__ import annotations

import filecmp
import re

import pytest

from zero_to_all import ROOT
from zero_to_all.sitecheck import browser_check, fixture_site, free_port, link_check, mkdocs_build, pages_of, serve
from zero_to_all.sources import load_mkdocs_yaml

ARTIFACTS = ROOT / "site-screenshots"
SHARDS = 4  # the pages are checked in this many tests, spread over the cores


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_page_in_the_browser(shard, built_site):
    site, url = built_site
    pages = pages_of(site)[shard::SHARDS]
    report = browser_check(site, pages=pages, url=url)
    assert report.pages == len(pages) > 0 and report.formulas > 10
    assert not report.problems, "\n".join(report.problems)


def test_search_instant_navigation_and_themes(built_site):
    """Offline search finds a page, instant navigation keeps math typeset, the
    light/dark toggle switches and figures stay visible (screenshots of both)."""
    site, url = built_site
    report = browser_check(
        site,
        pages=[],
        url=url,
        screenshots=ARTIFACTS,
        search=("parabola", "basics/linear-model/"),
        navigate=("basics/linear-model/", "basics/gradient-descent/"),
        theme_page="basics/gradient-descent/",
    )
    assert not report.problems, "\n".join(report.problems)
    for scheme in ("default", "slate"):
        assert (ARTIFACTS / f"basics_gradient-descent-{scheme}.png").stat().st_size > 10_000


def test_links_and_anchors(built_site):
    site, _ = built_site
    report = link_check(site)
    ARTIFACTS.mkdir(exist_ok=True)
    lines = [f"{url}  (on {', '.join(sorted(set(pages))[:3])})" for url, pages in sorted(report.external.items())]
    (ARTIFACTS / "external-links.txt").write_text(
        "External links in the built site (listed, not fetched):\n" + "\n".join(lines) + "\n"
    )
    assert report.checked > 100
    assert not report.broken, "\n".join(report.broken)


def test_content_security_policy(built_site):
    """Every page carries a policy allowing only the site itself (plus hashes of
    its own inline scripts) and needs no inline styles; the browser test proves
    nothing breaks under it."""
    site, _ = built_site
    for html in site.rglob("*.html"):
        text = html.read_text()
        m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
        assert m, f"{html.relative_to(site)} has no Content-Security-Policy"
        policy = dict(part.strip().split(" ", 1) for part in m.group(1).split(";"))
        for directive in ("default-src", "style-src", "font-src", "connect-src"):
            assert policy[directive] == "'self'", (html, directive)
        assert re.fullmatch(r"'self'( 'sha256-[A-Za-z0-9+/=]+')*", policy["script-src"]), html
        assert policy["img-src"] == "'self' data:", html  # data: for Material's CSS icons
        assert text.index("Content-Security-Policy") < text.index("<script"), f"{html}: policy after a script"
        assert ' style="' not in text, f"{html.relative_to(site)} has an inline style attribute"


def test_two_clean_builds_are_identical(built_site, tmp_path):
    """A second build into an empty directory, redrawing every figure in a fresh
    process, gives the build stage's site byte for byte (so every figure is
    deterministic too: each is drawn twice, in two processes)."""
    a, url = built_site
    b = tmp_path / "b"
    result = mkdocs_build(b, ZTA_SITE_URL=url, ZTA_FIGURE_CACHE="off")
    assert result.returncode == 0, result.stderr
    diff = filecmp.dircmp(a, b)
    differing = []

    def walk(d, prefix=""):
        differing.extend(prefix + f for f in d.diff_files + d.left_only + d.right_only)
        for name, sub in d.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(diff)
    # dircmp compares shallowly by stat first; confirm byte equality of everything
    for f in a.rglob("*"):
        if f.is_file() and f.read_bytes() != (b / f.relative_to(a)).read_bytes():
            differing.append(str(f.relative_to(a)))
    assert not sorted(set(differing)), f"files differ between two clean builds: {sorted(set(differing))}"


def test_serve_binds_localhost_only():
    config = load_mkdocs_yaml((ROOT / "mkdocs.yml").read_text())
    assert config["dev_addr"].startswith("127.0.0.1:")
    assert "--dev-addr 127.0.0.1:8000" in (ROOT / "Makefile").read_text()


# --- each check can fail ------------------------------------------------------

BROKEN_PAGES = {
    "index.md": "# Fixture\n\nSee [cdn](cdn.md), [anchor](anchor.md), [alt](alt.md), [macro](macro.md).\n",
    "cdn.md": '# CDN\n\n<script src="https://cdn.jsdelivr.net/npm/katex@0.16.0/dist/katex.min.js"></script>\n',
    "anchor.md": '# Anchor\n\n<div markdown>\n<a href="#no-such-heading">jump</a>\n</div>\n',
    "alt.md": '# Alt\n\n<img src="../figures/linear-model/cost-vs-w.svg">\n',
    "macro.md": "# Macro\n\nA formula: $\\undefinedmacro{x} + 1$.\n",
}


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("broken")
    port = free_port()
    fixture_site(tmp, BROKEN_PAGES, site_url=f"http://127.0.0.1:{port}/")
    result = mkdocs_build(tmp / "site", config=tmp / "mkdocs.yml", cwd=tmp)
    assert result.returncode == 0, result.stderr  # the build alone does not catch these
    return tmp / "site", port


@pytest.fixture(scope="module")
def broken_report(broken_site):
    site, port = broken_site
    with serve(site, port) as url:
        return browser_check(site, url=url)


def test_browser_check_catches_a_cdn_script(broken_report):
    assert any(p.startswith("cdn/") and "cdn.jsdelivr.net" in p for p in broken_report.problems), broken_report.problems


def test_browser_check_catches_an_image_without_alt(broken_report):
    assert any(
        p.startswith("alt/: image without alt text:") and p.endswith("figures/linear-model/cost-vs-w.svg")
        for p in broken_report.problems
    ), broken_report.problems


def test_browser_check_catches_an_undefined_macro(broken_report):
    assert any(
        p.startswith("macro/: math error: KaTeX parse error: Undefined control sequence") and "undefinedmacro" in p
        for p in broken_report.problems
    ), broken_report.problems


def test_link_check_catches_a_broken_anchor_in_raw_html(broken_site):
    site, _ = broken_site
    report = link_check(site)
    assert report.broken == [
        "/anchor/index.html: <a> #no-such-heading: no element with id 'no-such-heading' in anchor/index.html"
    ]


def test_the_real_pages_have_none_of_these(broken_report):
    """The fixture pages are the only offenders: index.md of the fixture is clean."""
    assert not [p for p in broken_report.problems if p.startswith("index:")]
