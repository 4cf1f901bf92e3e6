#!/usr/bin/env bash
# Installs everything Easel and its tests need on a fresh Debian machine: the package with its test extras,
# and Debian's Chromium for the browser tests (Playwright's own browser download does not work here), with a
# CJK font and an emoji font, so Chinese and Korean prompts and the docs' quoted signs (⏳) draw as text, not
# boxes, in the browser tests and their screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

# PostgreSQL (team mode, EASEL_DATABASE_URL): the tests start their own server from Debian's binaries
# (tests/pg_server.py); without them the PostgreSQL runs are skipped outside CI.
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "Missing postgresql and this user cannot install it; the PostgreSQL test runs will be skipped." >&2
  fi
fi

if [ "${1:-}" = "--with-browser" ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
  [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
  [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ]; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
      sudo apt-get update -qq
      sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "Missing ${missing[*]} and this user cannot install them; the browser tests may be skipped." >&2
    fi
  fi
fi
