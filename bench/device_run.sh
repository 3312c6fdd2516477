#!/usr/bin/env bash
# make test-device on a lent GPU machine that has torch but reaches no registry (see README,
# "On a GPU"). `make device-bundle` first fills .device/ (git-ignored): the two packages that
# machine lacks, as wheels, and the datasets as a tarball; carry .device there, then run
# `bash bench/device_run.sh`. Results land in $OUT (or .device/out).
set -uo pipefail
OUT=${OUT:-.device/out}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee $OUT/gpu.txt
tar xzf .device/data.tar.gz -C ..
python3 -m pip install -q --no-index --no-deps .device/wheels/*.whl 2>&1 | tail -2
export ZTA_DATA_DIR=$(cd ../shared/data && pwd) PYTHONPATH=$PWD/src
python3 -c "import torch, torchvision, pytest, markdown; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'pytest', pytest.__version__, 'markdown', markdown.__version__)" | tee -a $OUT/gpu.txt
W=$(python3 -c "import pytest; print(0 if int(pytest.__version__.split('.')[0]) >= 9 else 6)")
# the four snippets of issue 21 as a reader runs them: python file.py in a fresh folder, data/ beside it
for s in practice/checkpoints practice/common_errors sequences/makemore sequences/names_classifier; do
  d=$(mktemp -d); ln -s "$ZTA_DATA_DIR" "$d/data"; cp "snippets/$s.py" "$d/"
  ( cd "$d" && timeout 380 python3 "$(basename $s).py" > "$OUT/reader-$(basename $s).txt" 2>&1; echo "exit $?" >> "$OUT/reader-$(basename $s).txt" ) &
done
timeout 400 python3 -m zero_to_all.device_check --workers $W 2>&1 | tee $OUT/device-log.txt | grep -v "^\.*$" | tail -60
cp .cache/device.md $OUT/ 2>/dev/null
wait
for f in $OUT/reader-*.txt; do echo "== $f"; tail -4 "$f"; done
