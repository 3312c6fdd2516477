"""Build-time code of PyTorch Zero to All: figures, MkDocs hooks and the test harness.

Nothing here is imported by a snippet: snippets are plain programs a reader copies.
"""

from pathlib import Path
import os

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
