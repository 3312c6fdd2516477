"""MkDocs hook: a notebook for every chapter, its nav section and its buttons.

on_files: generate two notebooks per chapter from the page itself
  (`notebooks.build`): one rendered by mkdocs-jupyter under notebooks/ (links
  relative to it), one to download under downloads/ (links to the published site).
on_nav: a "Notebooks" section listing the rendered notebooks in chapter order.
on_page_content: Download / Open in Colab / View buttons on each chapter and on
  its notebook; mkdocs-jupyter's HTML made self-contained (no CDN, no inline CSS).
"""

from __future__ import annotations

import logging
import posixpath
import re
import time
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

from zero_to_all import CACHE, atomic_write
from zero_to_all import notebooks as nbs
from zero_to_all.sources import Chapter, is_chapter

NOTEBOOK_CACHE = CACHE / "notebooks"

log = logging.getLogger("mkdocs.hooks.zero_to_all")
# mkdocs-jupyter says "Converting notebook" / "Cache hit" for each of the 27 notebooks on
# every build: the build's output is its own summary lines (and warnings, which stay)
for _name in ("mkdocs.plugins.mkdocs_jupyter", "mkdocs.mkdocs-jupyter"):
    logging.getLogger(_name).setLevel(logging.WARNING)


@event_priority(100)  # before mkdocs-jupyter turns the generated notebooks into pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """For every chapter page: notebooks/<page>.ipynb, rendered by mkdocs-jupyter,
    and downloads/<page>.ipynb, both generated from the page and its snippet."""
    started = time.perf_counter()
    chapters = [p for p in files.documentation_pages() if is_chapter(p.src_uri) and p.src_uri.endswith(".md")]
    for page in chapters:
        add_notebooks(files, config, page)
    log.info("notebooks: %d generated (%.1f s)", len(chapters), time.perf_counter() - started)
    return files


def add_notebooks(files: Files, config: MkDocsConfig, page: File) -> None:
    chapter = Chapter(page.src_uri)
    site_url, repository = config["site_url"] or "", config["extra"].get("repository")
    for variant, target in (("site", chapter.notebook), ("download", chapter.download)):
        try:
            nb = nbs.build(Path(page.abs_src_path), page.src_uri, variant, site_url, repository)
        except Exception as exc:
            raise PluginError(f"docs/{page.src_uri}: its notebook cannot be generated: {exc}") from exc
        text = nbs.dumps(nb)
        if variant == "download":
            files.append(File.generated(config, target, content=text))
            continue
        # mkdocs-jupyter reads notebooks from disk: keep them in the cache, never in docs/,
        # as a File with a real src_dir (its wrapper needs one to find it)
        cached = NOTEBOOK_CACHE / target
        if not cached.exists() or cached.read_text() != text:
            atomic_write(cached, text)
        files.append(
            File(
                target,
                src_dir=str(NOTEBOOK_CACHE),
                dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"],
            )
        )


def on_nav(nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    """A "Notebooks" section listing every chapter's rendered notebook, in chapter order."""
    notebooks = {f.src_uri: f.page for f in files if f.src_uri.startswith("notebooks/") and f.page}
    pages = [
        notebooks[Chapter(p.file.src_uri).notebook] for p in nav.pages if Chapter(p.file.src_uri).notebook in notebooks
    ]
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


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Buttons under a chapter's title; a rendered notebook cleaned and given its buttons."""
    src = page.file.src_uri
    if is_chapter(src) and src.endswith(".md"):
        chapter = Chapter(src)
        buttons = _buttons(config, chapter, page.url, chapter.notebook[: -len(".ipynb")])
        return re.sub(r"(</h1>)", r"\1" + buttons.replace("\\", "\\\\"), html, count=1)
    if src.startswith("notebooks/") and src.endswith(".ipynb"):
        chapter = Chapter(src[len("notebooks/") : -len(".ipynb")] + ".md")
        page.meta["search"] = {"exclude": True}  # its page is indexed already
        page_ids = page_heading_ids((Path(config["docs_dir"]) / chapter.page).read_text())
        html = _use_page_ids(_clean_notebook_html(html), page.toc, page_ids)
        return _buttons(config, chapter, page.url, chapter.stem) + html
    return html


def colab_url(config: MkDocsConfig | dict, chapter: Chapter) -> str | None:
    repository = config["extra"].get("repository", "")
    m = re.match(r"https://github\.com/([^/]+/[^/]+?)/?$", repository)
    if not m:
        return None
    branch = config["extra"].get("notebooks_branch", "notebooks")
    return f"https://colab.research.google.com/github/{m.group(1)}/blob/{branch}/{chapter.stem}.ipynb"


def _buttons(config: MkDocsConfig, chapter: Chapter, here: str, view: str | None) -> str:
    """Download / Colab / view buttons as HTML, with links relative to `here` (a site URL path)."""

    def rel(target: str) -> str:
        return posixpath.relpath(target, here.rstrip("/") or ".")

    links = [f'<a class="md-button" href="{rel(chapter.download)}" download>Download notebook</a>']
    colab = colab_url(config, chapter)
    if colab:
        links.append(f'<a class="md-button" href="{colab}">Open in Colab</a>')
    if view:
        label = "View as notebook" if view.startswith("notebooks/") else "Back to the page"
        links.append(f'<a class="md-button" href="{rel(view)}/">{label}</a>')
    return f'<p class="zta-notebook-buttons">{" ".join(links)}</p>'


def page_heading_ids(markdown_text: str) -> list[str]:
    """The ids MkDocs gives the headings of a chapter page, in order (toc's slugs)."""
    import markdown

    md = markdown.Markdown(extensions=["toc", "admonition", "pymdownx.details", "pymdownx.superfences", "attr_list"])
    md.convert(markdown_text)
    ids: list[str] = []

    def walk(tokens):
        for token in tokens:
            ids.append(token["id"])
            walk(token["children"])

    walk(md.toc_tokens)
    return ids


def _use_page_ids(html: str, toc, page_ids: list[str]) -> str:
    """Give the notebook's headings, and its table of contents, the ids its chapter
    page uses: mkdocs-jupyter slugs headings with `code` in them differently, so
    the sidebar and the page's own `#anchor` links would miss."""
    items = []

    def walk(entries):
        for entry in entries:
            items.append(entry)
            walk(entry.children)

    walk(toc)
    headings = list(re.finditer(r'<h([1-6]) id="([^"]*)"', html))
    if not (len(headings) == len(items) == len(page_ids)):
        return html
    for item, anchor in zip(items, page_ids):
        item.id = anchor
    out, last = [], 0
    for m, anchor in zip(headings, page_ids):
        out.append(html[last : m.start()] + f'<h{m.group(1)} id="{anchor}"')
        last = m.end()
    out.append(html[last:])
    html = "".join(out)
    # the pilcrow links nbconvert puts in each heading point at the old ids
    return re.sub(
        r'(<h([1-6]) id="([^"]*)"[^>]*>.*?)<a class="anchor-link" href="#[^"]*">',
        r'\1<a class="anchor-link" href="#\3">',
        html,
        flags=re.S,
    )


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
