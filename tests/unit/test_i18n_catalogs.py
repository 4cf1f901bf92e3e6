"""The catalogs are complete, keep their placeholders, and the shipped .mo files say what the .po files say.

The message list comes from the source itself, extracted the way `pybabel extract` does (same map, same
keywords), so a new `_()` in any page, component or core module fails here until both languages translate it.
"""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from easel.core.i18n import LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _source_messages() -> set[str]:
    found: set[str] = set()
    for _lineno, message, _comments, _context in extract_from_file("python", ROOT / "app.py", keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    for folder in ("pages", "components", "easel"):
        for _file, _lineno, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.fixture(scope="module")
def source_messages() -> set[str]:
    messages = _source_messages()
    assert "Generate" in messages      # the extraction itself works: the first page's title is in it
    return messages


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(lang, source_messages):
    catalog = _catalog(lang)
    missing = sorted(m for m in source_messages if catalog.get(m) is None)
    empty, fuzzy = [], []
    for message in catalog:
        if not message.id or message.id not in source_messages:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not all(s.strip() for s in strings):
            empty.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not missing, f"{lang}: {len(missing)} messages missing, run `bash scripts/i18n.sh update`: {missing[:20]}"
    assert not empty, f"{lang}: {len(empty)} messages untranslated: {empty[:20]}"
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy messages: {fuzzy[:20]}"


_FIELD = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]")


def _placeholders(text: str) -> list[str]:
    """The str.format fields ({name}, {name:,.2f}) and any %-style ones, as formatting would consume them."""
    fields = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as e:
        return [f"<unparseable: {e}>"]
    for _literal, name, spec, conversion in parsed:
        if name is not None:
            fields.append(f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}")
    return sorted(fields + _FIELD.findall(text))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_translation_keeps_the_placeholders_of_its_source(lang):
    catalog = _catalog(lang)
    broken = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        # A plural's forms may drop the count when the language says it in words, but never invent a field,
        # and the singular's fields must all survive.
        wanted = set(_placeholders(ids[-1])) | set(_placeholders(ids[0]))
        for s in strings:
            if s and (set(_placeholders(s)) - wanted or set(_placeholders(ids[0])) - set(_placeholders(s))):
                broken.append((message.id, s))
    assert not broken, f"{lang}: placeholders differ: {broken[:10]}"


def test_placeholder_reading_sees_fields_and_specs():
    assert _placeholders("{n} images cost {amount:,.2f}") == ["{amount:,.2f}", "{n}"]
    assert _placeholders("{{literal}} %(x)s") == ["%(x)s"]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalog_matches_its_source(lang):
    """The app loads the .mo; a .po edited without `bash scripts/i18n.sh compile` would ship stale text."""
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    catalog = _catalog(lang)
    stale = []
    for message in catalog:
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not message.id or message.fuzzy or not all(strings):
            continue    # untranslated entries are the completeness test's business; the .mo leaves them out
        if isinstance(message.id, (list, tuple)):
            if compiled.ngettext(message.id[0], message.id[1], 1) != message.string[0]:
                stale.append(message.id[0])
        elif compiled.gettext(message.id) != message.string:
            stale.append(message.id)
    assert not stale, f"{lang}: .mo out of date for {stale[:10]}; run `bash scripts/i18n.sh compile`"
