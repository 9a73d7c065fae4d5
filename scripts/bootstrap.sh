#!/usr/bin/env bash
# Make .venv with the newest Python >= 3.11 on this machine and install the project into it.
# Newest first: Python 3.11's workflow sandbox has an intermittent import-lock failure
# (temporalio/sdk-python #585); 3.12+ does not. Re-installs only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python() {
  local root="${PYENV_ROOT:-$HOME/.pyenv}" v c
  local candidates=()
  for v in 3.14 3.13 3.12 3.11; do
    candidates+=("python$v")
    for c in "$root"/versions/"$v".*/bin/python3 /usr/local/bin/python"$v" /usr/bin/python"$v"; do
      candidates+=("$c")
    done
  done
  candidates+=(python3)
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      echo "$c"
      return 0
    fi
  done
  echo "bootstrap: Python 3.11 or newer is required and none was found" >&2
  return 1
}

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -x .venv/bin/python ]; then
  python=$(pick_python)
  echo "bootstrap: creating .venv with $("$python" --version) ($python)" >&2
  "$python" -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing dependencies into .venv (first run takes a minute)" >&2
  if ! .venv/bin/python -m pip install -e ".[dev]" >.venv/pip.log 2>&1; then
    cat .venv/pip.log >&2
    echo "bootstrap: installing dependencies failed (log above, also in .venv/pip.log)" >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The worker's sandbox imports the workflow modules afresh for every workflow run; without
# bytecode (PYTHONDONTWRITEBYTECODE is often set) each run compiles their source again.
# A file that does not compile is left for ruff and pytest to report, with its line.
.venv/bin/python -m compileall -q domain workflows activities >/dev/null || true
