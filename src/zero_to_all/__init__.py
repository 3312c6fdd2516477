"""Build-time code of PyTorch Zero to All: figures, MkDocs hooks and the test harness.

Nothing here is imported by a snippet: snippets are plain programs a reader copies.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"
CACHE = ROOT / ".cache"


def data_dir() -> Path:
    """The offline copy of the datasets that tests and the build show as `data/`.

    `ZTA_DATA_DIR` wins; otherwise `../shared/data` beside the checkout.
    """
    env = os.environ.get("ZTA_DATA_DIR")
    return Path(env).resolve() if env else (ROOT.parent / "shared" / "data").resolve()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write a file so that readers (other processes too) see the old or the new
    content, never half of it: a temporary file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=f".{path.name}.") as tmp:
        tmp.write(data.encode() if isinstance(data, str) else data)
    os.replace(tmp.name, path)


def cache_file(directory: Path, name: str, key: str, suffix: str) -> Path:
    """Where the cached result `name` (a figure name, a snippet path) for `key` lives."""
    return directory / f"{name.replace('/', '__')}.{key}{suffix}"


def cached_versions(directory: Path, name: str, suffix: str) -> list[Path]:
    """Every cached result of `name`, whatever its key, oldest first."""
    return sorted(directory.glob(f"{name.replace('/', '__')}.*{suffix}"), key=os.path.getmtime)
