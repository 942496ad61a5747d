# Sourced by the setup-*.sh scripts (not run on its own): the Python virtual environment they
# install into. The sourcing script defines `log` and `die` (its own message prefix) first.

# make_venv VENV: creates the venv VENV with python3 (or python) unless it already has a
# Python, and checks it has pip; dies with the fix when the machine lacks what that needs.
make_venv() {
    local venv="$1" python="" candidate
    if [[ ! -x "$venv/bin/python" ]]; then
        for candidate in python3 python; do
            if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
        done
        [[ -n "$python" ]] || die "no python3 on PATH (Debian/Ubuntu: apt-get install python3 python3-venv)"
        log "creating venv $venv with $("$python" --version 2>&1)"
        if ! "$python" -m venv "$venv" >&2; then
            rm -rf "$venv"
            die "'$python -m venv' failed: the venv module or ensurepip is missing (Debian/Ubuntu: apt-get install python3-venv)"
        fi
    fi
    [[ -x "$venv/bin/pip" ]] || die "$venv has no pip (delete the folder and rerun; Debian/Ubuntu: apt-get install python3-venv)"
}
