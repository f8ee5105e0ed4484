# shellcheck shell=bash
# ensure_venv SPEC: create .venv if needed and `pip install -e SPEC` into it, unless the stamp
# file is newer than pyproject.toml. Expects ROOT to be the repository root.

ensure_venv() {
    local spec="$1"
    local venv="$ROOT/.venv"
    local stamp="$venv/.stamp-install-${spec//[^a-z]/}"
    if [ ! -x "$venv/bin/python" ]; then
        echo "Creating $venv"
        python3 -m venv "$venv" || { echo "python3 -m venv failed (apt package: python3-venv)" >&2; return 1; }
        rm -f "$venv"/.stamp-install*
    fi
    if [ -f "$stamp" ] && [ "$stamp" -nt "$ROOT/pyproject.toml" ]; then
        echo "Dependencies up to date (delete $stamp to force a reinstall)"
        return 0
    fi
    # Build-backend chatter goes to a log; it is shown only when pip fails.
    local pip_log="$venv/pip-install.log"
    echo "Installing $spec into .venv (log: $pip_log)"
    if ! { "$venv/bin/python" -m pip install --upgrade pip \
            && "$venv/bin/python" -m pip install -e "$spec"; } >"$pip_log" 2>&1; then
        tail -n 60 "$pip_log" >&2
        echo "pip install -e '$spec' failed (full log: $pip_log)" >&2
        return 1
    fi
    touch "$stamp"
}
