"""MkDocs hooks: figures and the math engine are added to the build, never to docs/.

- every figure a page shows is rendered (or taken from its cache) and added
  as `figures/<name>.svg`; a page that shows an unregistered figure fails the
  build, naming the page and the figure;
- KaTeX, installed by `npm ci` into node_modules/, is added under
  `assets/katex/` so the site serves its own math engine and fonts;
- every page gets a Content-Security-Policy (the meta tag in overrides/main.html)
  that allows only the site itself plus the hashes of the page's own inline
  scripts; inline `style=` attributes (table alignment) become classes so no
  inline style is needed. `mkdocs serve` skips the policy: its live-reload
  script is injected after the build.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import posixpath
import re
import time
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Section

from zero_to_all import CACHE, ROOT
from zero_to_all import figures as fig
from zero_to_all import notebooks as nbs

NOTEBOOK_CACHE = CACHE / "notebooks"

log = logging.getLogger("mkdocs.hooks.zero_to_all")

KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
KATEX_FILES = ["katex.min.js", "katex.min.css", "contrib/auto-render.min.js"]
CSP_PLACEHOLDER = "__ZTA_CSP__"
INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)
ALIGN_STYLE = re.compile(r'style="text-align:\s*(left|right|center);?"')
_serving = False
FIGURE_REF = re.compile(r"""(?:\(|src=["'])(?:\.\./)*figures/(?P<name>[^)"'\s#?]+)\.svg""")


def figures_shown(files: Files) -> dict[str, str]:
    """{figure name: first page showing it}; fails on a figure nobody registered."""
    registry = fig.REGISTRY
    shown: dict[str, str] = {}
    for page in files.documentation_pages():
        for m in FIGURE_REF.finditer(page.content_string):
            name = m.group("name")
            if name not in registry:
                near = sorted(n for n in registry if n.split("/")[0] == name.split("/")[0])
                raise PluginError(
                    f"docs/{page.src_uri} shows figure '{name}', which is not registered. "
                    f"Register it with @figure(\"{name}\") in src/zero_to_all/figures/<part>.py"
                    + (f" (figures with that prefix: {', '.join(near)})" if near else "")
                )
            shown.setdefault(name, page.src_uri)
    return shown


@event_priority(100)  # before mkdocs-jupyter turns the generated notebooks into pages
def on_files(files: Files, config) -> Files:
    started = time.perf_counter()
    fig.load(reload=True)
    shown = figures_shown(files)
    _run_snippets_in_parallel([fig.REGISTRY[name] for name in shown])
    drawn = 0
    for name in sorted(shown):
        spec = fig.REGISTRY[name]
        was_cached = fig.cached_svg(spec).exists()
        try:
            data = fig.svg(spec)
        except fig.FigureError as exc:
            raise PluginError(
                f"{exc}\n(figure defined in {spec.source_file.relative_to(ROOT)}, shown on "
                f"docs/{shown[name]})"
            ) from exc
        drawn += not was_cached
        files.append(File.generated(config, f"figures/{name}.svg", content=data))
    log.info(
        "figures: %d shown, %d drawn, %d from cache (%.1f s)",
        len(shown), drawn, len(shown) - drawn, time.perf_counter() - started,
    )
    _add_katex(files, config)
    _add_notebooks(files, config)
    return files


def _run_snippets_in_parallel(specs) -> None:
    """Figures to draw whose snippet has no cached run: run those snippets first,
    one process per core, so a cold build waits for the slowest, not the sum."""
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415
    import multiprocessing  # noqa: PLC0415
    import os  # noqa: PLC0415

    from zero_to_all import runs  # noqa: PLC0415

    todo = sorted({
        path for spec in specs if not fig.cached_svg(spec).exists() for path in spec.uses
        if not runs._cache_file(path, runs.source_key((ROOT / path).read_text())).exists()
    })
    if len(todo) < 2:
        return  # nothing to gain; the figure runs it itself
    started = time.perf_counter()
    workers = min(len(todo), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            list(pool.map(runs.ensure_run, todo))
        except Exception as exc:
            raise PluginError(f"a snippet a figure plots failed to run:\n{exc}") from exc
    log.info("figures: ran %d snippets on %d processes (%.1f s)", len(todo), workers, time.perf_counter() - started)


def _add_notebooks(files: Files, config) -> None:
    """For every chapter page: notebooks/<page>.ipynb, rendered by mkdocs-jupyter
    (links relative to its page), and downloads/<page>.ipynb (links to the
    published site), both generated from the page and its snippet."""
    started = time.perf_counter()
    site_url = config["site_url"] or ""
    repository = config["extra"].get("repository")
    chapters = [p for p in files.documentation_pages() if nbs.is_chapter(p.src_uri) and p.src_uri.endswith(".md")]
    for page in chapters:
        chapter = nbs.Chapter(page.src_uri)
        for variant, target in (("site", chapter.notebook), ("download", chapter.download)):
            try:
                nb = nbs.build(Path(page.abs_src_path), page.src_uri, variant, site_url, repository)
            except Exception as exc:
                raise PluginError(f"docs/{page.src_uri}: its notebook cannot be generated: {exc}") from exc
            text = nbs.dumps(nb)
            if variant == "site":
                # mkdocs-jupyter reads notebooks from disk: keep them in the cache, never in docs/
                cached = NOTEBOOK_CACHE / target
                cached.parent.mkdir(parents=True, exist_ok=True)
                if not cached.exists() or cached.read_text() != text:
                    cached.write_text(text)
                # a File with a real src_dir: mkdocs-jupyter's wrapper needs one to find it
                files.append(File(target, src_dir=str(NOTEBOOK_CACHE), dest_dir=config["site_dir"],
                                  use_directory_urls=config["use_directory_urls"]))
            else:
                files.append(File.generated(config, target, content=text))
    log.info("notebooks: %d generated (%.1f s)", len(chapters), time.perf_counter() - started)


def on_nav(nav, config, files):
    """A "Notebooks" section listing every chapter's rendered notebook, in chapter order."""
    notebooks = {f.src_uri: f.page for f in files if f.src_uri.startswith("notebooks/") and f.page}
    pages = [notebooks[nbs.Chapter(p.file.src_uri).notebook] for p in nav.pages
             if nbs.Chapter(p.file.src_uri).notebook in notebooks]
    if not pages:
        return nav
    section = Section("Notebooks", pages)
    for page in pages:
        page.parent = section
    nav.items.append(section)
    nav.pages.extend(pages)
    for before, after in zip(nav.pages, nav.pages[1:]):
        before.next_page, after.previous_page = after, before
    return nav


def _add_katex(files: Files, config) -> None:
    missing = [p for p in KATEX_FILES if not (KATEX_DIST / p).is_file()]
    if missing:
        raise PluginError(
            f"KaTeX is not installed ({KATEX_DIST / missing[0]} is missing): run `npm ci` "
            "in the repository root (`make build`, `make serve` and `make test` do it for you)."
        )
    for path in KATEX_FILES + sorted(
        p.relative_to(KATEX_DIST).as_posix() for p in (KATEX_DIST / "fonts").iterdir()
    ):
        files.append(
            File.generated(config, f"assets/katex/{path}", abs_src_path=str(KATEX_DIST / path))
        )


def on_startup(command, dirty) -> None:
    global _serving
    _serving = command == "serve"


def _colab_url(config, chapter: nbs.Chapter) -> str | None:
    repository = config["extra"].get("repository", "")
    m = re.match(r"https://github\.com/([^/]+/[^/]+?)/?$", repository)
    if not m:
        return None
    branch = config["extra"].get("notebooks_branch", "notebooks")
    return f"https://colab.research.google.com/github/{m.group(1)}/blob/{branch}/{chapter.stem}.ipynb"


def _buttons(config, chapter: nbs.Chapter, here: str, view: str | None) -> str:
    """Download / Colab / view buttons as HTML, with links relative to `here` (a site URL path)."""
    def rel(target: str) -> str:
        return posixpath.relpath(target, here.rstrip("/") or ".")

    links = [f'<a class="md-button" href="{rel(chapter.download)}" download>Download notebook</a>']
    colab = _colab_url(config, chapter)
    if colab:
        links.append(f'<a class="md-button" href="{colab}">Open in Colab</a>')
    if view:
        links.append(f'<a class="md-button" href="{rel(view)}/">{"View as notebook" if view.startswith("notebooks/") else "Back to the page"}</a>')
    return f'<p class="zta-notebook-buttons">{" ".join(links)}</p>'


def on_page_content(html: str, page, config, files) -> str:
    """Table alignment as classes (see stylesheets/extra.css), not inline styles;
    notebook buttons on chapter pages and on their rendered notebooks."""
    html = ALIGN_STYLE.sub(lambda m: f'class="zta-align-{m.group(1)}"', html)
    src = page.file.src_uri
    if nbs.is_chapter(src) and src.endswith(".md"):
        chapter = nbs.Chapter(src)
        buttons = _buttons(config, chapter, page.url, chapter.notebook[: -len(".ipynb")])
        html = re.sub(r"(</h1>)", r"\1" + buttons.replace("\\", "\\\\"), html, count=1)
    if src.endswith(".md"):
        html += _stamp(page, config)
    elif src.startswith("notebooks/") and src.endswith(".ipynb"):
        chapter = nbs.Chapter(src[len("notebooks/"): -len(".ipynb")] + ".md")
        page.meta["search"] = {"exclude": True}  # its page is indexed already
        html = _buttons(config, chapter, page.url, chapter.stem) + _match_toc_ids(_clean_notebook_html(html), page.toc)
        html = ALIGN_STYLE.sub(lambda m: f'class="zta-align-{m.group(1)}"', html)
    return html


def _stamp(page, config) -> str:
    """The page's 'last verified' line, from what the last test run recorded in
    .cache/verified.json for the page's snippet (never invented)."""
    from zero_to_all import runs  # noqa: PLC0415
    from zero_to_all.pages import INCLUDE  # noqa: PLC0415

    built = time.strftime("%Y-%m-%d")
    snippets = sorted({m.group("target").split(":")[0] for m in map(INCLUDE.match, page.file.content_string.splitlines()) if m})
    snippets = [s for s in snippets if s.endswith(".py")]
    parts = []
    records = runs.verified()
    for snippet in snippets:
        record = records.get(snippet)
        source = ROOT / snippet
        current = record and source.exists() and record["key"] == runs.source_key(source.read_text(), record["torch"])
        if current:
            parts.append(
                f"<code>{snippet}</code> passed its tests on {record['date']} with PyTorch "
                f"{record['torch']} and Python {record['python']}, running in "
                + (f"{record['seconds']:.1f} s" if record["seconds"] >= 0.1 else "under 0.1 s") + " on a CPU"
            )
        else:
            parts.append(f"<code>{snippet}</code>: not yet measured for its current code (run <code>make test</code>)")
    code = "; ".join(parts) + ". " if parts else ""
    return f'<aside class="zta-verified">{code}Page built {built}.</aside>'


def _match_toc_ids(html: str, toc) -> str:
    """mkdocs-jupyter slugs the table of contents differently from the heading ids
    nbconvert writes (headings with `code` in them differ), so the sidebar links
    would miss. Give the headings, in order, the ids the table of contents uses."""
    anchors: list[str] = []

    def walk(items):
        for item in items:
            anchors.append(item.id)
            walk(item.children)

    walk(toc)
    headings = list(re.finditer(r'<h([1-6]) id="([^"]*)"', html))
    if len(headings) != len(anchors):
        return html
    out, last = [], 0
    for m, anchor in zip(headings, anchors):
        out.append(html[last:m.start()] + f'<h{m.group(1)} id="{anchor}"')
        last = m.end()
    out.append(html[last:])
    html = "".join(out)
    # the pilcrow links nbconvert puts in each heading point at the old ids
    return re.sub(r'(<h([1-6]) id="([^"]*)"[^>]*>.*?)<a class="anchor-link" href="#[^"]*">', r'\1<a class="anchor-link" href="#\3">', html, flags=re.S)


def _clean_notebook_html(html: str) -> str:
    """mkdocs-jupyter's HTML made self-contained and CSP-clean: its 570 kB of inline
    JupyterLab CSS, its MathJax and mermaid loaders (from a CDN) and its own copy
    buttons are dropped; code cells take Material's highlighting and copy button,
    and math is typeset by the site's KaTeX (javascripts/math.js)."""
    html = re.sub(r"<style[^>]*>.*?</style>", "", html, flags=re.S)
    html = re.sub(r'<script[^>]*(type="(module|text/x-mathjax-config)"|src="")[^>]*>.*?</script>', "", html, flags=re.S)
    html = re.sub(r"<script>\s*\(function \(global, factory\).*?</script>", "", html, flags=re.S)  # clipboard.js
    html = re.sub(r"<script>\s*document.addEventListener\('clipboard-copy'.*?</script>", "", html, flags=re.S)
    html = re.sub(r"<clipboard-copy\b.*?</clipboard-copy>", "", html, flags=re.S)
    html = re.sub(r'<div class="clipboard-copy-txt"[^>]*>.*?</div>', "", html, flags=re.S)
    return html.replace("highlight-ipynb", "highlight")


def content_security_policy(html: str) -> str:
    hashes = []
    for m in INLINE_SCRIPT.finditer(html):
        attrs = m.group("attrs")
        if "src=" in attrs or re.search(r'type="(application/json|text/template)"', attrs):
            continue
        digest = hashlib.sha256(m.group("body").encode()).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    script_src = " ".join(["'self'", *sorted(set(hashes))])
    return (
        f"default-src 'self'; script-src {script_src}; style-src 'self'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'"
    )


def _with_policy(output: str, where: str) -> str:
    if CSP_PLACEHOLDER not in output:
        raise PluginError(
            f"{where} has no Content-Security-Policy placeholder; is theme.custom_dir set to "
            "overrides/ in mkdocs.yml?"
        )
    if _serving:
        return re.sub(r'\s*<meta http-equiv="Content-Security-Policy" content="__ZTA_CSP__">', "", output)
    return output.replace(CSP_PLACEHOLDER, content_security_policy(output))


def on_post_page(output: str, page, config) -> str:
    return _with_policy(output, f"docs/{page.file.src_uri}")


def on_post_template(output: str, template_name: str, config) -> str:
    """Theme pages that are not built from docs/ (404.html) get the policy too."""
    if template_name.endswith(".html") and "<head>" in output:
        return _with_policy(output, template_name)
    return output
