#!/usr/bin/env bash
# The one test command: installs what is missing (Chromium included), then runs every test layer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --with-browser
# The layer contracts in pyproject.toml: a forbidden import or an import cycle fails the run.
lint-imports --no-cache
exec python3 -m pytest -q -p no:cacheprovider "$@"
