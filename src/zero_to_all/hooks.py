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
import re
import time

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from zero_to_all import ROOT
from zero_to_all import figures as fig

log = logging.getLogger("mkdocs.hooks.zero_to_all")

KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
KATEX_FILES = ["katex.min.js", "katex.min.css", "contrib/auto-render.min.js"]
CSP_PLACEHOLDER = "__ZTA_CSP__"
INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)
ALIGN_STYLE = re.compile(r'style="text-align: (left|right|center);?"')
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


def on_files(files: Files, config) -> Files:
    started = time.perf_counter()
    fig.load(reload=True)
    shown = figures_shown(files)
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
    return files


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


def on_page_content(html: str, page, config, files) -> str:
    """Table alignment as classes (see stylesheets/extra.css), not inline styles."""
    return ALIGN_STYLE.sub(lambda m: f'class="zta-align-{m.group(1)}"', html)


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
