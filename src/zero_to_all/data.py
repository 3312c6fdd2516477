"""Fetch the datasets the course uses into one directory, for machines with a
network (GitHub Actions); the tests then show it to the code as `data/` via
ZTA_DATA_DIR. On machines without one, a prepared copy lives in ../shared/data.

    python -m zero_to_all.data DEST

Downloads go through the same calls the pages teach (torchvision's MNIST with
its own checksums, download_url with an md5), so a file that arrives corrupted
is rejected rather than used.
"""

from __future__ import annotations

import sys
from pathlib import Path

# file name -> (url, md5); the layout matches ../shared/data
FILES = {
    "diabetes.csv.gz": (
        "https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/master/data/diabetes.csv.gz",
        "b7f372850118dfaf306e2f334e6a718f",
    ),
    "names_train.csv.gz": (
        "https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/master/data/names_train.csv.gz",
        "279fed4465b63788995257cf0a81f3af",
    ),
    "names_test.csv.gz": (
        "https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/master/data/names_test.csv.gz",
        "3729799e72df4be417721aab647340e3",
    ),
    "shakespeare.txt.gz": (
        "https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/master/data/shakespeare.txt.gz",
        "86a7586eb0ceb4cf161aeae4190c90a2",
    ),
    "names.txt": (
        "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt",
        "401b3c4cac9e28a586ed15e81256680d",
    ),
}


def fetch(dest: Path) -> None:
    from torchvision import datasets
    from torchvision.datasets.utils import download_url

    dest.mkdir(parents=True, exist_ok=True)
    for train in (True, False):
        datasets.MNIST(root=str(dest), train=train, download=True)
    for name, (url, md5) in FILES.items():
        download_url(url, root=str(dest), filename=name, md5=md5)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    fetch(Path(sys.argv[1]))
