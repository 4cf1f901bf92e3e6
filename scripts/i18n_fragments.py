"""Fill the catalogs from per-part translation files, easel/locale/fragments/<part>.<lang>.po.

Used while several people translate different parts of the app in parallel: each part keeps its own small .po,
so their work merges without conflicts, and `bash scripts/i18n.sh update` folds them into the one catalog per
language. A fragment entry whose msgid the source no longer has is ignored.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "easel" / "locale"


def fold() -> int:
    fragments = sorted((LOCALES / "fragments").glob("*.po"))
    filled = 0
    for po_path in sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")):
        lang = po_path.parent.parent.name
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=lang)
        catalog.fuzzy = False   # `pybabel init` marks a new catalog's header fuzzy, and compile skips it
        catalog.project, catalog.version = "Easel", ""
        for frag_path in fragments:
            if not frag_path.name.endswith(f".{lang}.po"):
                continue
            with frag_path.open("rb") as f:
                fragment = read_po(f, locale=lang)
            for message in fragment:
                if not message.id or not message.string:
                    continue
                target = catalog.get(message.id, message.context)
                if target is None:
                    continue
                target.string = message.string
                target.flags.discard("fuzzy")
                filled += 1
        with po_path.open("wb") as f:
            write_po(f, catalog, omit_header=False, sort_output=True, include_previous=False, width=120)
    return filled


if __name__ == "__main__":
    print(f"{fold()} translations folded in from fragments", file=sys.stderr)
