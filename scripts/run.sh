#!/usr/bin/env bash
# Opens Easel on the offline Demo provider (http://localhost:8501).
#
# It runs in a virtual environment of its own, .venv beside this repository (git-ignored), made on the first run,
# unless one is already active (VIRTUAL_ENV set): then it uses that one. Easel is installed into it (editable)
# on the first run and again whenever pyproject.toml changes. Extra arguments go to `streamlit run`:
#
#   bash scripts/run.sh --server.port 8502
#   bash scripts/run.sh --server.address 0.0.0.0
#
# The tests do not use this: scripts/test.sh installs into the current Python (scripts/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${VIRTUAL_ENV:-}" ]; then
  venv="$VIRTUAL_ENV"
else
  venv="$PWD/.venv"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
      || { echo "Easel needs Python 3.10 or newer; python3 is $(python3 -V 2>&1)." >&2; exit 1; }
    echo "Making a virtual environment in .venv …" >&2
    python3 -m venv "$venv" || {
      rm -rf "$venv"
      echo "Could not make .venv. On Debian or Ubuntu: sudo apt-get install python3-venv, then run this again." >&2
      exit 1
    }
  fi
fi
python="$venv/bin/python"

# Install when this venv has not got this checkout's Easel yet, or pyproject.toml changed since.
stamp="$venv/.easel-installed"
want="$PWD $(cksum < pyproject.toml)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing Easel into $venv …" >&2
  "$python" -m pip install --quiet --disable-pip-version-check -e .
  printf '%s' "$want" > "$stamp"
fi

exec "$python" -m streamlit run app.py "$@"
