#!/usr/bin/env bash
# Installs Easel and opens it on the offline Demo provider.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec python3 -m streamlit run app.py "$@"
