"""Translation (gettext catalogs managed with Babel's pybabel) and locale formatting (Babel), for every layer.

Which language a call speaks is decided per call, not per process: one Streamlit server serves browsers in
English, Chinese and Korean at once, from threads it reuses. So `_()` asks, in order:
  1. a language pinned for this context with `use_language()` (the CLI, tests, a background job's message);
  2. the resolver the UI installed with `set_language_resolver()` (the browser session's choice);
  3. the environment: EASEL_LANG, then gettext's LC_ALL, LC_MESSAGES and LANG.
A message is written in English in the source and looked up in `easel/locale/<lang>/LC_MESSAGES/messages.mo`.

Placeholders are `str.format` fields, `_("Saved {count} images").format(count=n)`, never f-strings: an f-string
is formatted before the lookup, so it can never match a catalog entry.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import os
from contextvars import ContextVar
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.support import Translations

__all__ = [
    "LANGUAGES", "DEFAULT_LANGUAGE", "LOCALE_DIR", "DOMAIN", "_", "gettext", "ngettext", "N_", "normalize",
    "language_from_env", "current_language", "use_language", "set_language_resolver", "ensure_resolvers", "babel_locale",
    "format_number", "format_decimal", "format_percent", "format_currency", "format_datetime", "format_date",
    "format_time", "set_timezone_resolver", "current_timezone", "BEIJING",
]

# The languages Easel ships, in the picker's order, each named in its own language.
LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
# Babel locales for formatting: Simplified Chinese as used in mainland China, Korean as used in Korea.
_BABEL_LOCALES = {"en": "en_US", "zh": "zh_Hans_CN", "ko": "ko_KR"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
BEIJING = ZoneInfo("Asia/Shanghai")

_pinned: ContextVar[str | None] = ContextVar("easel_language", default=None)
_resolver: Callable[[], str | None] | None = None
_tz_resolver: Callable[[], str | None] | None = None


def normalize(tag: str | None) -> str | None:
    """One of LANGUAGES for a browser or POSIX language tag ('zh-CN', 'zh_TW.UTF-8', 'ko-KR', 'en-GB'), or
    None when Easel has no catalog for it. Any Chinese reads the Simplified catalog: it is the only one."""
    if not tag:
        return None
    base = tag.replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()
    return base if base in LANGUAGES else None


def language_from_env(environ: os._Environ | dict | None = None) -> str:
    env = os.environ if environ is None else environ
    # gettext's own order, with Easel's variable first; "C"/"POSIX" and unknown languages mean English.
    for var in ("EASEL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return normalize(value) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def set_language_resolver(resolver: Callable[[], str | None] | None) -> None:
    """The UI installs a function that returns the current browser session's language (None outside one)."""
    global _resolver
    _resolver = resolver


def set_timezone_resolver(resolver: Callable[[], str | None] | None) -> None:
    """The UI installs a function that returns the browser's IANA time zone name (None outside a session)."""
    global _tz_resolver
    _tz_resolver = resolver


def ensure_resolvers(language: Callable[[], str | None], timezone_: Callable[[], str | None]) -> None:
    """Install the UI's resolvers where none is installed (one already there, e.g. a test's, is kept)."""
    global _resolver, _tz_resolver
    if _resolver is None:
        _resolver = language
    if _tz_resolver is None:
        _tz_resolver = timezone_


def current_language() -> str:
    pinned = _pinned.get()
    if pinned:
        return pinned
    if _resolver is not None:
        try:
            lang = normalize(_resolver())
        except Exception:  # noqa: BLE001 - a resolver asked outside a session must not break a message
            lang = None
        if lang:
            return lang
    return language_from_env()


@contextlib.contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Speak `lang` inside the block (None or an unknown tag: English)."""
    chosen = normalize(lang) or DEFAULT_LANGUAGE
    token = _pinned.set(chosen)
    try:
        yield chosen
    finally:
        _pinned.reset(token)


@lru_cache(maxsize=None)
def _translations(lang: str) -> _gettext.NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    return Translations.load(str(LOCALE_DIR), [lang], DOMAIN)


def gettext(message: str) -> str:
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(current_language()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined (a module constant) and translate it with `_()` where
    it is shown, so it follows the language of the session that shows it."""
    return message


def babel_locale(lang: str | None = None) -> Locale:
    return Locale.parse(_BABEL_LOCALES[lang or current_language()])


def format_number(value: int | float) -> str:
    """Grouped by the locale: 12,345 (all three shipped locales group by thousands)."""
    return numbers.format_decimal(value, locale=babel_locale())


def format_decimal(value: float, digits: int = 2) -> str:
    return numbers.format_decimal(value, format=f"#,##0.{'0' * digits}" if digits else "#,##0",
                                  locale=babel_locale())


def format_percent(value: float, digits: int = 0) -> str:
    return numbers.format_percent(value, format=f"#,##0.{'0' * digits}%" if digits else "#,##0%",
                                  locale=babel_locale())


def format_currency(amount: float, currency: str, digits: int | None = None) -> str:
    """$0.21 / US$0.21 / ¥1.50 / 45,000 credits, in the session's locale. `currency` is an ISO code, or
    'credits' (icodeeasy's unit, which has no symbol: a number and the translated word). `digits` fixes the
    decimals (a per-image price below a cent needs four); by default the currency's own."""
    if currency == "credits":
        shown = format_decimal(amount, digits or 0)
        return ngettext("{amount} credit", "{amount} credits", int(amount) if float(amount).is_integer() else 2) \
            .format(amount=shown)
    pattern = None
    if digits is not None:
        base = babel_locale().currency_formats["standard"].pattern.split(";")[0]
        pattern = base.replace("0.00", "0." + "0" * digits) if digits else base.replace(".00", "")
    return numbers.format_currency(amount, currency, format=pattern, currency_digits=digits is None,
                                   locale=babel_locale())


def current_timezone() -> tzinfo:
    """The browser's time zone in a session (st.context.timezone), else the machine's."""
    name = None
    if _tz_resolver is not None:
        try:
            name = _tz_resolver()
        except Exception:  # noqa: BLE001
            name = None
    if name:
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):
            pass
    return datetime.now().astimezone().tzinfo or timezone.utc


def _dt(ts: float | datetime) -> datetime:
    return ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, timezone.utc)


def format_datetime(ts: float | datetime, format: str = "medium", tz: tzinfo | None = None) -> str:
    """A moment (epoch seconds or an aware datetime) in the locale's style and the viewer's time zone."""
    return dates.format_datetime(_dt(ts), format=format, tzinfo=tz or current_timezone(), locale=babel_locale())


def format_date(ts: float | datetime, format: str = "medium", tz: tzinfo | None = None) -> str:
    return dates.format_date(_dt(ts).astimezone(tz or current_timezone()), format=format, locale=babel_locale())


def format_time(ts: float | datetime, format: str = "short", tz: tzinfo | None = None) -> str:
    return dates.format_time(_dt(ts), format=format, tzinfo=tz or current_timezone(), locale=babel_locale())
