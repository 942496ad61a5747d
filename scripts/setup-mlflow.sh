#!/usr/bin/env bash
# Installs an MLflow tracking server from the Python package registry (for the `mlflow` callback's
# end-to-end test, tests/mlflow_e2e.rs, or to try the callback) and prints the environment to export.
#
#   eval "$(bash scripts/setup-mlflow.sh)"     # install (or reuse) and export FRAMEWORM_MLFLOW
#   cargo test --release --test mlflow_e2e
#
# mlflow 2.22.0 with SQLAlchemy below 2.1 (2.1 removed a pool class mlflow 2.22 imports; the test
# uses the file store, but `mlflow server` with a database needs it). About 300 MB in the venv.
#
# Options:  --dir DIR   the venv (default: .venv-mlflow/ at the repository root; or $MLFLOW_VENV)
#           --quiet     no progress messages on stderr
# Standard output carries only shell lines (an export and comments), so it can be eval'd; progress
# and errors go to standard error. A second run reuses the venv and only prints the environment.
set -euo pipefail

PACKAGES=("mlflow==2.22.0" "sqlalchemy<2.1")

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MLFLOW_VENV:-$repo_root/.venv-mlflow}"
quiet=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dir) [[ $# -ge 2 ]] || { echo "setup-mlflow: --dir needs a path" >&2; exit 2; }; venv="$2"; shift 2 ;;
        --dir=*) venv="${1#--dir=}"; shift ;;
        --quiet) quiet=1; shift ;;
        -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "setup-mlflow: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

log() { [[ $quiet == 1 ]] || echo "setup-mlflow: $*" >&2; }
die() { echo "setup-mlflow: error: $*" >&2; exit 1; }
# shellcheck source=venv.sh
source "$repo_root/scripts/venv.sh"

mkdir -p "$(dirname "$venv")"
venv="$(cd "$(dirname "$venv")" && pwd)/$(basename "$venv")"
marker="$venv/.frameworm-mlflow"
want="${PACKAGES[*]}"

if [[ -f "$marker" && "$(cat "$marker")" == "$want" && -x "$venv/bin/mlflow" ]]; then
    log "reusing $venv ($want)"
else
    start=$(date +%s)
    make_venv "$venv"
    log "pip install $want"
    if ! "$venv/bin/pip" install --disable-pip-version-check --no-input --quiet "${PACKAGES[@]}" >&2; then
        die "pip install failed (network or disk space); the venv at $venv is kept, rerun to retry"
    fi
    printf '%s\n' "$want" >"$marker"
    log "installed in $(( $(date +%s) - start )) s"
fi

"$venv/bin/mlflow" --version >/dev/null 2>&1 || die "$venv/bin/mlflow does not run (delete $venv and rerun)"
echo "# MLflow tracking server for tests/mlflow_e2e.rs"
echo "export FRAMEWORM_MLFLOW='$venv/bin/mlflow'"
