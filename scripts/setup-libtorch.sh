#!/usr/bin/env bash
# Installs a CPU libtorch 2.9.0 for burn's `tch` backend (cargo feature `tch`) from the Python
# package registry only, and prints the environment to export.
#
#   eval "$(bash scripts/setup-libtorch.sh)"       # install (or reuse) and export
#   cargo build --release --features tch
#
# burn-tch 0.22.1 pins tch/torch-sys 0.22, which expect PyTorch 2.9.0. The only Linux x86-64 wheel of
# torch 2.9.0 is the CUDA build, so this is the lean recipe: the torch wheel without its dependencies
# plus the two NVIDIA runtime libraries that even libtorch_cpu.so links against (libcudart.so.12,
# libcupti.so.12), about 660 MB on disk. The CUDA parts of libtorch are then deleted, so torch-sys and
# burn-tch's build scripts see a CPU libtorch and link no other NVIDIA library. `import torch` does
# not work in that venv afterwards; it only serves as a libtorch folder.
#
# Options:  --dir DIR   the venv (default: .venv-libtorch/ at the repository root; or $LIBTORCH_VENV)
#           --quiet     no progress messages on stderr
# Standard output carries only shell lines (exports and comments), so it can be eval'd; progress and
# errors go to standard error. A second run reuses the venv and only prints the environment.
set -euo pipefail

TORCH_VERSION=2.9.0
PACKAGES=(
    "torch==${TORCH_VERSION}"
    "nvidia-cuda-runtime-cu12==12.8.90"
    "nvidia-cuda-cupti-cu12==12.8.90"
)
# CUDA parts of the wheel: with any of them present the build scripts link CUDA libtorch.
CUDA_LIBS=(
    libtorch_cuda.so
    libtorch_cuda_linalg.so
    libc10_cuda.so
    libtorch_nvshmem.so
    libcaffe2_nvrtc.so
    libtorch_python.so
)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${LIBTORCH_VENV:-$repo_root/.venv-libtorch}"
quiet=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dir) [[ $# -ge 2 ]] || { echo "setup-libtorch: --dir needs a path" >&2; exit 2; }; venv="$2"; shift 2 ;;
        --dir=*) venv="${1#--dir=}"; shift ;;
        --quiet) quiet=1; shift ;;
        -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "setup-libtorch: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

log() { [[ $quiet == 1 ]] || echo "setup-libtorch: $*" >&2; }
die() { echo "setup-libtorch: error: $*" >&2; exit 1; }
# shellcheck source=venv.sh
source "$repo_root/scripts/venv.sh"

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) die "this recipe is for Linux x86-64 (the torch ${TORCH_VERSION} CUDA wheel); on $(uname -s)-$(uname -m) install libtorch ${TORCH_VERSION} another way and set LIBTORCH" ;;
esac

mkdir -p "$(dirname "$venv")"
venv="$(cd "$(dirname "$venv")" && pwd)/$(basename "$venv")"
marker="$venv/.frameworm-libtorch"
want="${PACKAGES[*]}"

if [[ -f "$marker" && "$(cat "$marker")" == "$want" && -x "$venv/bin/python" ]]; then
    log "reusing $venv ($want)"
else
    start=$(date +%s)
    make_venv "$venv"
    log "pip install --no-deps $want (about 900 MB to download on a cold pip cache)"
    if ! "$venv/bin/pip" install --disable-pip-version-check --no-input --only-binary=:all: --no-deps \
        "${PACKAGES[@]}" >&2; then
        die "pip install failed (network, disk space, or no such wheel for this Python: torch ${TORCH_VERSION} has wheels for CPython 3.9-3.14); the venv at $venv is kept, rerun to retry"
    fi
    printf '%s\n' "$want" >"$marker"
    log "installed in $(( $(date +%s) - start )) s"
fi

site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
    || die "cannot run $venv/bin/python (delete $venv and rerun)"
libtorch="$site/torch"
[[ -f "$libtorch/lib/libtorch_cpu.so" && -d "$libtorch/include/torch" ]] \
    || die "no libtorch in $libtorch (lib/libtorch_cpu.so, include/torch): delete $venv and rerun"

for lib in "${CUDA_LIBS[@]}"; do
    if [[ -e "$libtorch/lib/$lib" ]]; then
        log "removing CUDA library $lib"
        rm -f "$libtorch/lib/$lib"
    fi
done

# What the binaries load must resolve (the NVIDIA runtimes through torch's own RPATH). libtorch.so is
# left out: it is an empty stub that still names libtorch_cuda.so, and the linker (--as-needed, the
# default of rustc) drops it from the binaries, which load libtorch_cpu.so and libc10.so only.
if command -v ldd >/dev/null 2>&1; then
    missing="$(LD_LIBRARY_PATH="$libtorch/lib" ldd "$libtorch/lib/libtorch_cpu.so" "$libtorch/lib/libc10.so" \
        | grep 'not found' | sort -u || true)"
    [[ -z "$missing" ]] || die "libtorch has unresolved libraries:
$missing
(delete $venv and rerun)"
fi

# torch-sys checks $LIBTORCH/build-version when the file exists; the wheel ships none, so no bypass
# is needed unless some other libtorch layout is in place.
bypass=""
if [[ -f "$libtorch/build-version" ]]; then
    found="$(tr -d '[:space:]' <"$libtorch/build-version")"
    [[ "${found%%+*}" == "$TORCH_VERSION" ]] || bypass=1
fi

log "libtorch ${TORCH_VERSION} (CPU) ready in $libtorch ($(du -sh "$venv" | cut -f1) on disk)"
[[ -z "${LIBTORCH_USE_PYTORCH:-}" ]] || log "note: LIBTORCH_USE_PYTORCH is set in this shell and takes precedence over LIBTORCH; it is unset below"

cat <<EOF
# libtorch ${TORCH_VERSION} (CPU) for burn's tch backend: cargo build --release --features tch
export LIBTORCH='$libtorch'
export LD_LIBRARY_PATH='$libtorch/lib'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
EOF
[[ -z "${LIBTORCH_USE_PYTORCH:-}" ]] || echo "unset LIBTORCH_USE_PYTORCH"
[[ -z "$bypass" ]] || echo "export LIBTORCH_BYPASS_VERSION_CHECK=1"
cat <<EOF
# LIBTORCH must be set for every cargo command with --features tch (torch-sys reruns its build
# script when it changes and otherwise tries a download). LD_LIBRARY_PATH is only needed to run
# what was built (binaries, tests). Alternative to LD_LIBRARY_PATH: bake the path into the binaries,
# e.g. RUSTFLAGS='-C link-arg=-Wl,-rpath,$libtorch/lib' (rebuilds everything), or
# println!("cargo::rustc-link-arg=-Wl,-rpath,{}/lib", env LIBTORCH) from the binary's build.rs.
EOF
