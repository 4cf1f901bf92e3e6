#!/usr/bin/env bash
# The gettext workflow, with Babel's pybabel. Catalogs live in easel/locale/<lang>/LC_MESSAGES/messages.po.
#   bash scripts/i18n.sh extract   # source -> easel/locale/messages.pot
#   bash scripts/i18n.sh update    # extract, then merge the template into every language's .po (new = empty)
#   bash scripts/i18n.sh compile   # every .po -> .mo (what the app loads; committed, checked by a test)
#   bash scripts/i18n.sh init LANG # start a new language (then add it to LANGUAGES in easel/core/i18n.py)
set -euo pipefail
cd "$(dirname "$0")/.."
LOCALES=easel/locale
POT=$LOCALES/messages.pot

extract() {
  # --no-location keeps the template stable when code moves; --sort-output keeps diffs small.
  pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o "$POT" app.py pages components easel
}

case "${1:-}" in
  extract) extract ;;
  update)
    extract
    # -N: never guess a translation from a similar string (a guessed, fuzzy entry would ship wrong text).
    pybabel -q update -N -i "$POT" -d "$LOCALES" -D messages ;;
  compile) pybabel compile -d "$LOCALES" -D messages --statistics ;;
  init) pybabel init -i "$POT" -d "$LOCALES" -D messages -l "${2:?language code}" ;;
  *) sed -n 2,7p "$0"; exit 2 ;;
esac
