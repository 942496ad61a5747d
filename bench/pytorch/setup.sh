#!/usr/bin/env bash
# Creates bench/pytorch/.venv with PyTorch 2.9.0 from the Python package registry, for bench.py.
#
#   bash bench/pytorch/setup.sh && bench/pytorch/.venv/bin/python bench/pytorch/bench.py
#
# The only Linux x86-64 wheel of torch 2.9.0 is the CUDA build: with its nvidia-* dependencies the
# venv takes about 6.7 GB (about 3 GB to download on a cold pip cache). Only the CPU is used.
# A second run reuses the venv. Options: --dir DIR (default: bench/pytorch/.venv).
set -euo pipefail

TORCH_VERSION=2.9.0
NUMPY_VERSION=2.4.6   # not used by bench.py; without it torch warns at import
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dir) [[ $# -ge 2 ]] || { echo "setup: --dir needs a path" >&2; exit 2; }; venv="$2"; shift 2 ;;
        -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "setup: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
die() { echo "setup: error: $*" >&2; exit 1; }

if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c "import numpy, torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    echo "setup: reusing $venv (torch $TORCH_VERSION)" >&2
    exit 0
fi

command -v python3 >/dev/null 2>&1 || die "no python3 on PATH (Debian/Ubuntu: apt-get install python3 python3-venv)"
avail_kb="$(df -Pk "$(dirname "$venv")" | awk 'NR == 2 { print $4 }')"
if [[ -n "$avail_kb" && "$avail_kb" -lt $(( 10 * 1024 * 1024 )) ]]; then
    die "less than 10 GB free under $(dirname "$venv") ($(( avail_kb / 1024 / 1024 )) GB); the venv needs about 6.7 GB plus the download"
fi
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" >&2 || { rm -rf "$venv"; die "'python3 -m venv' failed: the venv module or ensurepip is missing (Debian/Ubuntu: apt-get install python3-venv)"; }
fi
start=$(date +%s)
"$venv/bin/pip" install --disable-pip-version-check --no-input --only-binary=:all: "torch==$TORCH_VERSION" "numpy==$NUMPY_VERSION" >&2 \
    || die "pip install torch==$TORCH_VERSION failed (network or disk space); rerun to retry"
"$venv/bin/python" -c "import torch; print('setup: torch', torch.__version__, 'in', '$venv', file=__import__('sys').stderr)"
echo "setup: installed in $(( $(date +%s) - start )) s ($(du -sh "$venv" | cut -f1))" >&2
