"""MkDocs hook: every page's Content-Security-Policy and "last verified" stamp.

on_page_content: table alignment becomes classes (stylesheets/extra.css), so
  no page needs an inline style; every page built from markdown ends with its
  stamp: which snippet passed its tests, when, with which PyTorch and Python,
  on which CPU, how long it ran, and the wall-clock lines that run printed.
on_post_page / on_post_template: the policy (the meta tag in
  overrides/main.html) allows only the site itself plus the hashes of the
  page's own inline scripts. `mkdocs serve` goes without it: its live-reload
  script is injected after the build.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import re
import time

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from zero_to_all import ROOT
from zero_to_all.sources import snippets_shown

CSP_PLACEHOLDER = "__ZTA_CSP__"
INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)
ALIGN_STYLE = re.compile(r'style="text-align:\s*(left|right|center);?"')
_serving = False


def on_startup(command: str, dirty: bool) -> None:
    global _serving
    _serving = command == "serve"


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    html = ALIGN_STYLE.sub(lambda m: f'class="zta-align-{m.group(1)}"', html)
    if page.file.src_uri.endswith(".md"):
        html += stamp(page.file.content_string)
    return html


def stamp(markdown: str) -> str:
    """The page's 'last verified' line, from what the last test run recorded in
    .cache/verified.json for the page's snippets (never invented)."""
    from zero_to_all import runs

    records = runs.verified()
    parts = []
    for snippet in snippets_shown(markdown):
        record = records.get(snippet)
        source = ROOT / snippet
        current = record and source.exists() and record["key"] == runs.source_key(source.read_text(), record["torch"])
        if not current:
            parts.append(f"<code>{snippet}</code>: not yet measured for its current code (run <code>make test</code>)")
            continue
        seconds = f"{record['seconds']:.1f} s" if record["seconds"] >= 0.1 else "under 0.1 s"
        cpu = f" on {html_lib.escape(record['cpu'])}" if record.get("cpu") else " on a CPU"
        text = (
            f"<code>{snippet}</code> passed its tests on {record['date']} with PyTorch "
            f"{record['torch']} and Python {record['python']}{cpu}, one thread, running in {seconds}"
        )
        if record.get("timings"):
            shown = "; ".join(f"<code>{html_lib.escape(t)}</code>" for t in record["timings"][:6])
            text += f". The times it printed there: {shown}"
        parts.append(text)
    code = "; ".join(parts) + ". " if parts else ""
    return f'<aside class="zta-verified">{code}Page built {time.strftime("%Y-%m-%d")}.</aside>'


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    return with_policy(output, f"docs/{page.file.src_uri}")


def on_post_template(output_content: str, template_name: str, config: MkDocsConfig) -> str:
    """Theme pages that are not built from docs/ (404.html) get the policy too."""
    if template_name.endswith(".html") and "<head>" in output_content:
        return with_policy(output_content, template_name)
    return output_content


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


def with_policy(output: str, where: str) -> str:
    if CSP_PLACEHOLDER not in output:
        raise PluginError(
            f"{where} has no Content-Security-Policy placeholder; is theme.custom_dir set to overrides/ in mkdocs.yml?"
        )
    if _serving:
        return re.sub(r'\s*<meta http-equiv="Content-Security-Policy" content="__ZTA_CSP__">', "", output)
    return output.replace(CSP_PLACEHOLDER, content_security_policy(output))
