"""Checks of a built site as a reader's browser meets it.

`serve(site)` serves a built site on 127.0.0.1 (a free port). `browser_check`
opens every page in headless Chromium (Debian's `chromium`, driven by
Playwright; no browser download) and returns every problem it sees: math not
typeset or in error, images that did not load or have no alt text, console
errors (CSP violations included), failed requests and any request to another
origin. `link_check` crawls the HTML (raw HTML and notebook pages included) for
broken internal links and anchors and lists external links without fetching
them. Both return plain lists of messages so a test can assert there are none
and a fixture test can assert the expected one is found.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import posixpath
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse


def mkdocs_build(site_dir: Path, config: Path | None = None, cwd: Path | None = None, **env: str):
    """`mkdocs build --strict` into `site_dir`, as a subprocess; returns the CompletedProcess."""
    from . import ROOT

    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(config or ROOT / "mkdocs.yml"),
            "--site-dir",
            str(site_dir),
        ],
        cwd=cwd or ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
        capture_output=True,
        text=True,
        timeout=900,
    )


def fixture_site(
    tmp: Path, pages: dict[str, str], snippets: dict[str, str] | None = None, site_url: str | None = None
) -> Path:
    """A small site in `tmp` using the real mkdocs.yml (theme, extensions, hooks,
    assets) with its own pages and snippets, for tests that prove a check fails.
    Returns its config file."""
    import textwrap

    import yaml

    from . import ROOT
    from .sources import load_mkdocs_yaml

    config = load_mkdocs_yaml((ROOT / "mkdocs.yml").read_text())
    config.update(docs_dir=str(tmp / "docs"), nav=list(pages), watch=[], hooks=[str(ROOT / h) for h in config["hooks"]])
    config["theme"]["custom_dir"] = str(ROOT / config["theme"]["custom_dir"])
    if site_url:
        config["site_url"] = site_url
    files = {f"docs/{name}": text for name, text in pages.items()} | (snippets or {})
    for asset in ("javascripts/math.js", "stylesheets/extra.css"):
        files[f"docs/{asset}"] = (ROOT / "docs" / asset).read_text()
    for name, text in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(textwrap.dedent(text).lstrip())
    (tmp / "mkdocs.yml").write_text(yaml.safe_dump(config))
    return tmp / "mkdocs.yml"


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files like a static host (GitHub Pages): text gzip-compressed when
    the browser accepts it, so measured transfers are what a reader downloads."""

    COMPRESS = (".html", ".css", ".js", ".json", ".svg", ".xml", ".ipynb", ".map", ".txt")

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the redirect to the directory URL
            path = os.path.join(path, "index.html")
        if (
            "gzip" not in self.headers.get("Accept-Encoding", "")
            or not path.endswith(self.COMPRESS)
            or not os.path.isfile(path)
        ):
            return super().send_head()
        import gzip
        import io

        with open(path, "rb") as fh:
            body = gzip.compress(fh.read(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(site: Path, port: int = 0):
    """Serve `site` on http://127.0.0.1:<port>/ (default: a free one) while the block runs."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not path:
        raise RuntimeError(
            "Chromium is not installed. `make test` installs Debian's `chromium` with apt-get; "
            "elsewhere install Chromium (or Chrome) so that `chromium` is on PATH."
        )
    return path


def pages_of(site: Path) -> list[str]:
    """Site-relative URLs of every page (directory URLs: 'basics/linear-model/')."""
    out = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        out.append("" if rel == "." else rel + "/")
    return out


# JavaScript run in each page: what a reader would see.
_PAGE_STATE = """
() => {
  const math = [...document.querySelectorAll('.arithmatex')];
  const untypeset = math.filter(el => !el.querySelector('.katex') && !el.classList.contains('zta-math-error'))
                        .map(el => el.textContent.trim().slice(0, 60));
  const errors = [...document.querySelectorAll('.katex-error, .zta-math-error')]
                        .map(el => (el.getAttribute('title') || '') + ' in ' + el.textContent.trim().slice(0, 80));
  const imgs = [...document.querySelectorAll('article img, .md-content img')];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  const noAlt = imgs.filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.getAttribute('src'));
  const walker = document.createTreeWalker(document.querySelector('.md-content') || document.body,
                                           NodeFilter.SHOW_TEXT);
  const raw = [];
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (n.parentElement.closest('pre, code, script, style, .katex, .arithmatex')) continue;
    const t = n.textContent;
    if (/\\\\\\(|\\\\\\[|\\$\\$|(^|[^\\w\\\\])\\$[^\\s$][^$]*\\$/.test(t)) raw.push(t.trim().slice(0, 80));
  }
  return {math: math.length, untypeset, errors, broken, noAlt, raw};
}
"""


@dataclass
class BrowserReport:
    problems: list[str] = field(default_factory=list)
    pages: int = 0
    formulas: int = 0
    bytes_per_page: dict[str, int] = field(default_factory=dict)


def browser_check(
    site: Path,
    pages: list[str] | None = None,
    screenshots: Path | None = None,
    search: tuple[str, str] | None = None,
    navigate: tuple[str, str] | None = None,
    theme_page: str | None = None,
    url: str | None = None,
) -> BrowserReport:
    """Open every page of a built site (or `pages`) in headless Chromium and report
    problems. `url`: where the site is served already (its site_url, so instant
    navigation works); without it a server on a free port serves it meanwhile.

    search=(term, page): typing `term` in the search box must list `page`.
    navigate=(from_page, to_page): instant navigation by clicking a link must still typeset math.
    theme_page: toggle the palette there, check it switches and figures stay visible; screenshots
    of both themes go to `screenshots/`.
    """
    from playwright.sync_api import sync_playwright

    report = BrowserReport()
    pages = pages_of(site) if pages is None else pages
    server = contextlib.nullcontext(url) if url else serve(site)
    with server as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)

        def open_page(label: dict):
            """A new page in a fresh context (empty cache) that records problems."""
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()

            def on_request(request):
                if not request.url.startswith(base) and not request.url.startswith("data:"):
                    report.problems.append(f"{label['url']}: request to another origin: {request.url}")

            def on_failed(request):
                if request.url.startswith(base):
                    report.problems.append(f"{label['url']}: request failed: {request.url} ({request.failure})")

            def on_response(response):
                if not response.url.startswith(base):
                    return
                if response.status >= 400:
                    report.problems.append(f"{label['url']}: HTTP {response.status} for {response.url}")
                size = int(response.headers.get("content-length") or 0)
                report.bytes_per_page[label["url"]] = report.bytes_per_page.get(label["url"], 0) + size

            def on_console(message):
                if message.type == "error":
                    report.problems.append(f"{label['url']}: console error: {message.text}")

            context.on("request", on_request)
            context.on("requestfailed", on_failed)
            context.on("response", on_response)
            page.on("console", on_console)
            page.on("pageerror", lambda exc: report.problems.append(f"{label['url']}: script error: {exc}"))
            return context, page

        for url in pages:
            label = {"url": url or "index"}
            context, page = open_page(label)
            page.goto(base + url, wait_until="networkidle")
            _wait_for_math(page)
            state = page.evaluate(_PAGE_STATE)
            report.pages += 1
            report.formulas += state["math"]
            name = label["url"]
            report.problems += [f"{name}: formula not typeset: {t!r}" for t in state["untypeset"]]
            report.problems += [f"{name}: math error: {t}" for t in state["errors"]]
            report.problems += [f"{name}: image did not load: {s}" for s in state["broken"]]
            report.problems += [f"{name}: image without alt text: {s}" for s in state["noAlt"]]
            report.problems += [f"{name}: raw TeX left in the text: {t!r}" for t in state["raw"]]
            context.close()

        for check, args in (("search", search), ("navigate", navigate), ("theme", theme_page)):
            if args is None:
                continue
            label = {"url": f"({check} check)"}
            context, page = open_page(label)
            if check == "search":
                report.problems += _check_search(page, base, *args)
            elif check == "navigate":
                report.problems += _check_instant_navigation(page, base, *args)
            else:
                report.problems += _check_themes(page, base, args, screenshots)
            context.close()
        browser.close()
    return report


def _wait_for_math(page) -> None:
    """Until math.js has typeset the page (it marks the body), or 30 s: a page whose
    math never gets typeset is then reported by the checks that follow."""
    with contextlib.suppress(Exception):
        page.wait_for_function(
            "() => document.body.dataset.ztaMath === 'typeset' && [...document.querySelectorAll('.arithmatex')]"
            ".every(e => e.querySelector('.katex, .katex-error') || e.classList.contains('zta-math-error'))",
            timeout=30000,
        )


def _check_search(page, base: str, term: str, expected: str) -> list[str]:
    page.goto(base, wait_until="networkidle")
    page.locator(".md-search__input").click(timeout=5000)
    page.locator(".md-search__input").press_sequentially(term, delay=30)
    try:
        page.wait_for_selector(f".md-search-result__link[href*='{expected}']", timeout=10000)
    except Exception:  # noqa: BLE001
        found = page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.getAttribute('href'))")
        return [f"search: typing {term!r} did not list {expected} (results: {found})"]
    return []


def _check_instant_navigation(page, base: str, start: str, target: str) -> list[str]:
    page.goto(base + start, wait_until="networkidle")
    page.evaluate("() => { window.__zta_marker = 1 }")  # survives instant navigation only
    link = page.locator(f"a[href$='{target}']").first
    link.click()
    page.wait_for_url(f"**/{target}", timeout=10000)
    page.wait_for_load_state("networkidle")
    _wait_for_math(page)
    problems = []
    if page.evaluate("() => window.__zta_marker") != 1:
        problems.append(f"instant navigation: {start} -> {target} reloaded the page instead")
    state = page.evaluate(_PAGE_STATE)
    if state["math"] == 0:
        problems.append(f"instant navigation: {target} has no math to check")
    problems += [f"instant navigation to {target}: formula not typeset: {t!r}" for t in state["untypeset"]]
    return problems


def _check_themes(page, base: str, url: str, screenshots: Path | None) -> list[str]:
    problems = []
    page.goto(base + url, wait_until="networkidle")
    _wait_for_math(page)
    figure = page.locator("article img[src*='figures/']").first
    schemes = []
    for step in range(2):
        scheme = page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")
        schemes.append(scheme)
        if figure.count():
            figure.scroll_into_view_if_needed()
            visible = figure.evaluate("i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().height > 50")
            if not visible:
                problems.append(f"theme {scheme}: the figure on {url} is not visible")
            if screenshots is not None:
                screenshots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshots / f"{url.strip('/').replace('/', '_') or 'index'}-{scheme}.png"))
        else:
            problems.append(f"{url} has no figure to check in both themes")
        if step == 0:
            page.locator("form[data-md-component='palette'] label:visible").first.click()
            page.wait_for_timeout(300)
    if len(set(schemes)) != 2:
        problems.append(f"the light/dark toggle did not switch the palette (schemes seen: {schemes})")
    return problems


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (tag, url)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") in ("canonical", "alternate")):
                self.links.append((tag, attrs[key]))


@dataclass
class LinkReport:
    broken: list[str] = field(default_factory=list)
    external: dict[str, list[str]] = field(default_factory=dict)  # url -> pages linking it
    checked: int = 0


def link_check(site: Path) -> LinkReport:
    """Every internal href/src of every HTML file resolves to a file, and every
    #anchor to an id in that file. External links are collected, not fetched."""
    report = LinkReport()
    parsed: dict[Path, _Links] = {}

    def parse(path: Path) -> _Links:
        if path not in parsed:
            p = _Links()
            p.feed(path.read_text(errors="replace"))
            parsed[path] = p
        return parsed[path]

    for html in sorted(site.rglob("*.html")):
        page_url = "/" + html.relative_to(site).as_posix()
        for tag, url in parse(html).links:
            scheme = urlparse(url).scheme
            if scheme in ("http", "https") or url.startswith("//"):
                report.external.setdefault(url, []).append(page_url)
                continue
            if scheme in ("mailto", "data", "javascript", "blob", "tel"):
                continue
            report.checked += 1
            target_url, anchor = urldefrag(urljoin(page_url, url))
            path = unquote(urlparse(target_url).path)
            target = site / posixpath.normpath(path).lstrip("/")
            if path.endswith("/") or target.is_dir():
                target = target / "index.html"
            where = f"{page_url}: <{tag}> {url}"
            if not target.is_file():
                report.broken.append(f"{where}: no such file")
            elif anchor and target.suffix == ".html" and unquote(anchor) not in parse(target).ids:
                report.broken.append(f"{where}: no element with id {anchor!r} in {target.relative_to(site)}")
    return report
