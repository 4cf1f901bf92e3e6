#!/usr/bin/env bash
# The one test command: installs what is missing (Chromium included), then runs every test layer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --with-browser
exec python3 -m pytest -q -p no:cacheprovider "$@"
