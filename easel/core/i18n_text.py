"""Texts that are kept in English and shown translated: a stored English sentence, re-rendered for the reader.

Some texts Easel builds are both kept and shown: a comparison's change notes (in the store and in
comparison.json), a scorecard check's expected / got / why (its table, `easel scorecard --json`), a reconciliation
flag's reason (`easel usage --reconcile --json`), a batch row's rule (the store and batch.csv). What is kept stays
English, the machine form scripts and other readers rely on; what a reader sees is in her language. So such a
text is built from a `Template`:

    SIZE_RATIO = Template(N_("size {asked} → {sent} at {tier} ({provider} takes ratios)"))
    note = SIZE_RATIO(asked="1536x1024", sent="3:2", tier="1K", provider="gccai")

`note` is a `Text`: a str whose value is the English sentence (what the store, a JSON file or a test sees) and
which keeps its template and parameters, so `shown(note)` formats the translated template, money in the
reader's locale. A text read back from the store is a plain str again: `shown()` finds the template whose
English pattern it matches, reads the parameters back out of it and renders the translation the same way. A text
no template matches (a provider's own message, a quote from a doc) is shown as it is, verbatim.

Money parameters (declared with `money=`) are `Money` values (or (amount, currency) pairs): English as
`Money.label()` writes them ('USD 0.422', '3,000 credits'), shown with `money_text` (US$0.422, ¥0.42 in Chinese).
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from typing import Callable, Iterable

from easel.core.i18n import _, _translations, current_language, format_currency, use_language
from easel.core.models import Money

__all__ = ["Template", "Text", "Value", "shown", "money_text", "money_digits", "translate_sentence",
           "VERBATIM_FIELDS"]

_REGISTRY: list["Template"] = []
# A Money label as Money.label() writes it: 'USD 0.422', 'CNY 1,312.40', 'USD ?', '3,000 credits'.
_MONEY = r"(?:[A-Z]{3} (?:-?[0-9][0-9,]*(?:\.[0-9]+)?|\?)|-?[0-9][0-9,]*(?:\.[0-9]+)? credits)"
_MONEY_RE = re.compile(r"(?P<cur>[A-Z]{3}) (?P<amt>-?[0-9][0-9,]*(?:\.[0-9]+)?|\?)|(?P<credits>-?[0-9][0-9,]*"
                       r"(?:\.[0-9]+)?) credits")
_CODE_SUFFIX = re.compile(r"(?s)(.*?)( \[[^\[\]]+\])")


def money_digits(amount: float, max_digits: int = 5) -> int:
    """The decimals Money.label() shows: at least two, up to `max_digits`, no trailing zeros."""
    frac = f"{abs(amount):.{max_digits}f}".partition(".")[2].rstrip("0")
    return max(2, len(frac))


def money_text(amount: float | None, currency: str, *, max_digits: int = 5) -> str:
    """An amount for a reader. English keeps Easel's own form, Money.label() ('USD 0.422', '3,000 credits': a unit
    code, never a symbol, so USD and CNY cannot be mistaken); Chinese and Korean use their locale's currency format
    (US$0.422, ¥0.42, 3,000 积分) with the same decimals."""
    if amount is None:
        return f"{currency} ?"
    # Rounded once, here: Python's float formatting and Babel's decimal rounding can disagree on a half
    # (0.051495 → '0.05149' vs '0.05150'), which would leave a trailing zero.
    amount = round(amount, max_digits)
    if current_language() == "en":
        return Money(amount, currency).label()
    if currency == "credits":
        return format_currency(round(amount), "credits")
    if len(currency) != 3 or not currency.isalpha():
        return f"{currency} {amount:,.{money_digits(amount, max_digits)}f}"
    return format_currency(amount, currency, digits=money_digits(amount, max_digits))


class Value:
    """A field value written by a formatter of the reader's locale: `show()` in English for the kept sentence,
    in the reader's language when shown (an amount in usage's own style, a count, a date)."""

    def __init__(self, show: Callable[[], str]):
        self._show = show

    def english(self) -> str:
        with use_language("en"):
            return self._show()

    def shown(self) -> str:
        return self._show()

    def __str__(self) -> str:
        return self.english()


def _as_money(value) -> Money | None:
    if value is None:
        return None
    if isinstance(value, Money):
        return value
    amount, currency = value
    return Money(amount, currency)


def _money_en(value) -> str:
    if isinstance(value, Value):
        return value.english()
    m = _as_money(value)
    return "" if m is None else m.label()


def _money_shown(value) -> str:
    if isinstance(value, Value):
        return value.shown()
    m = _as_money(value)
    return "" if m is None else money_text(m.amount, m.currency)


def _money_parse(text: str) -> Money | None:
    found = _MONEY_RE.fullmatch(text)
    if found is None:
        return None
    if found["credits"] is not None:
        return Money(float(found["credits"].replace(",", "")), "credits")
    amount = None if found["amt"] == "?" else float(found["amt"].replace(",", ""))
    return Money(amount, found["cur"])


class Template:
    """A sentence with named fields, written in English and marked for translation where it is defined
    (`Template(N_("…"))`). Calling it with the fields makes a `Text`. `money` names the fields that are amounts;
    `texts` the fields that are themselves Texts (shown translated in turn); `patterns` narrows what a field may
    hold when a stored sentence is read back (a short template would otherwise claim sentences it never made);
    `labels` maps a field's machine values to their translatable names (a status 'failed' shown as 失败)."""

    def __init__(self, msgid: str, *, money: Iterable[str] = (), texts: Iterable[str] = (),
                 patterns: dict[str, str] | None = None, labels: dict[str, dict[str, str]] | None = None):
        self.msgid = msgid
        self.labels = labels or {}
        self.money = frozenset(money)
        self.texts = frozenset(texts)
        self.patterns = tuple(sorted((patterns or {}).items()))
        parsed = list(string.Formatter().parse(msgid))
        self.fields = [name for _lit, name, _spec, _conv in parsed if name]
        self.literal_length = sum(len(lit) for lit, _n, _s, _c in parsed)
        # The longest fixed piece: a sentence without it cannot be this template's (a cheap test before the regex).
        self.anchor = max((lit for lit, _n, _s, _c in parsed), key=len, default="")
        self._pattern: re.Pattern | None = None
        _REGISTRY.append(self)
        _ordered.cache_clear()
        _parse.cache_clear()

    def __call__(self, **args) -> "Text":
        missing = set(self.fields) - set(args)
        if missing:
            raise KeyError(f"{self.msgid!r} needs {sorted(missing)}")
        return Text(self, args)

    def __repr__(self) -> str:
        return f"Template({self.msgid!r})"

    def english(self, args: dict) -> str:
        return self.msgid.format(**{k: _money_en(v) if k in self.money else str(v) for k, v in args.items()})

    def _field(self, name: str, value) -> str:
        if name in self.money:
            return _money_shown(value)
        if name in self.texts:
            return shown(value)
        if isinstance(value, (Value, Text)):
            return value.shown()
        names = self.labels.get(name)
        if names and str(value) in names:
            return _(names[str(value)])
        return value

    def render(self, args: dict) -> str:
        return _(self.msgid).format(**{k: self._field(k, v) for k, v in args.items()})

    @property
    def pattern(self) -> re.Pattern:
        if self._pattern is None:
            self._pattern = _pattern(self.msgid, self.money, self.patterns)
        return self._pattern

    def parse(self, english: str) -> "Text | None":
        """The Text this English sentence was made from, or None when it is not one of this template's."""
        if self.anchor not in english:
            return None
        found = self.pattern.fullmatch(english)
        if found is None:
            return None
        args: dict = {}
        for name in self.fields:
            value = found[name]
            if name in self.money:
                value = _money_parse(value)
                if value is None:
                    return None
            args[name] = value
        return Text(self, args)


@lru_cache(maxsize=None)
def _pattern(msgid: str, money: frozenset, patterns: tuple) -> re.Pattern:
    parts, seen, narrow = [], set(), dict(patterns)
    for literal, name, _spec, _conv in string.Formatter().parse(msgid):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            body = _MONEY if name in money else narrow.get(name, ".*?")
            parts.append(f"(?P<{name}>{body})")
    return re.compile("".join(parts), re.DOTALL)


@lru_cache(maxsize=1)
def _ordered() -> tuple[Template, ...]:
    # The most specific template first: more fixed text means fewer sentences it can wrongly claim.
    return tuple(sorted(_REGISTRY, key=lambda t: -t.literal_length))


class Text(str):
    """An English sentence (the str value, what is stored and exported) that can be shown translated."""

    template: Template
    args: dict

    def __new__(cls, template: Template, args: dict) -> "Text":
        obj = super().__new__(cls, template.english(args))
        obj.template, obj.args = template, dict(args)
        return obj

    def shown(self) -> str:
        return self.template.render(self.args)

    def __reduce__(self):
        # Pickled or deep-copied, it is its English sentence: shown() re-reads the parameters from it.
        return (str, (str(self),))


@lru_cache(maxsize=4096)
def _parse(text: str) -> Text | None:
    # Cached: a page shows the same kept sentences on every rerun (a Text holds no language, so any reader's).
    for template in _ordered():
        found = template.parse(text)
        if found is not None:
            return found
    return None


def shown(text) -> str:
    """`text` for the reader, in her language: a Text rendered from its template; a stored English sentence
    re-rendered from the template it matches (a trailing ' [code]' kept as it is); anything else verbatim."""
    if text is None:
        return ""
    if isinstance(text, Text):
        return text.shown()
    if not isinstance(text, str):
        return str(text)
    if current_language() == "en":
        return text
    found = _parse(text)
    if found is not None:
        return found.shown()
    tail = _CODE_SUFFIX.fullmatch(text)
    if tail is not None:
        found = _parse(tail.group(1))
        if found is not None:
            return found.shown() + tail.group(2)
    # A list of sentences joined by Easel ('jpeg bytes, webp bytes', 'a; b'): each part, if every part is one.
    for sep in ("; ", ", "):
        if sep in text:
            parts = [_parse(p) for p in text.split(sep)]
            if all(p is not None for p in parts):
                return sep.join(p.shown() for p in parts)
    return translate_sentence(text) or text


# ---- any sentence of the catalog, read back from its English -----------------------------------------------
# Most of what Easel keeps in English is a plain `_()`/`N_()` message, not a Template: a fit note, a pricing
# basis, an error's explanation. Such a sentence is found by its catalog entry: an entry without fields by
# lookup, an entry with fields as a pattern whose fields are carried into the translation.

# Fields that carry a provider's (or a user's) own words: never looked up, even when they read like Easel's.
VERBATIM_FIELDS = frozenset({"text", "reason", "error", "prompt", "name", "url", "body"})


@lru_cache(maxsize=None)
def _catalog_patterns(lang: str) -> tuple[tuple[re.Pattern, str, str], ...]:
    """The catalog's ids with fields as patterns (the private `_catalog` of gettext's GNUTranslations, stable
    since Python 2), most literal letters first, each with its longest fixed piece for a cheap pre-check."""
    found = []
    for msgid in getattr(_translations(lang), "_catalog", {}) or {}:
        if not (isinstance(msgid, str) and "{" in msgid):
            continue
        try:
            parsed = list(string.Formatter().parse(msgid))
        except ValueError:
            continue
        if any(name is not None and not name.isidentifier() for _lit, name, *_rest in parsed):
            continue        # not a format string, e.g. a JSON example with single braces
        letters = sum(c.isalpha() for literal, *_rest in parsed for c in literal)
        # An id that is mostly fields ("{label}: {value}") would match any text: only real sentences are patterns.
        if not any(name for _lit, name, *_rest in parsed) or letters < 8:
            continue
        anchor = max((literal for literal, *_rest in parsed), key=len)
        found.append((letters, _pattern(msgid, frozenset(), ()), msgid, anchor))
    found.sort(key=lambda item: -item[0])
    return tuple((pattern, msgid, anchor) for _letters, pattern, msgid, anchor in found)


def _fill(template: str, values: dict) -> str:
    """`template` with each field replaced by the text captured for it (a format spec no longer applies)."""
    out = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, "{" + name + "}"))
    return "".join(out)


def translate_sentence(text: str, lang: str | None = None, depth: int = 0) -> str | None:
    """`text`, English as Easel wrote it, in the current language; None when no catalog entry produces it."""
    if not text or not text.strip():
        return None         # gettext's "" is the catalog's header, never a sentence
    lang = lang or current_language()
    translated = _(text)
    if translated != text:
        return translated
    for pattern, msgid, anchor in _catalog_patterns(lang):
        if anchor not in text:
            continue
        found = pattern.fullmatch(text)
        if found:
            values = found.groupdict()
            if depth < 1:       # one level of nesting: "{detail} ({label} size rule: {rule})"
                values = {k: v if k in VERBATIM_FIELDS else (translate_sentence(v, lang, depth + 1) or v)
                          for k, v in values.items()}
            try:
                return _fill(_(msgid), values)
            except ValueError:
                return None
    return None
