"""Which language a message speaks, and how numbers, money and dates look in each locale."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from easel.core import i18n
from easel.core.i18n import _, format_currency, format_datetime, format_number, ngettext, use_language


@pytest.mark.parametrize("tag, lang", [
    ("zh-CN", "zh"), ("zh_TW.UTF-8", "zh"), ("zh-Hans", "zh"), ("ko-KR", "ko"), ("ko_KR.UTF-8", "ko"),
    ("en-GB", "en"), ("fr-FR", None), ("C", None), ("", None), (None, None),
])
def test_browser_and_posix_tags_map_onto_the_shipped_languages(tag, lang):
    assert i18n.normalize(tag) == lang


@pytest.mark.parametrize("env, lang", [
    ({"EASEL_LANG": "ko", "LANG": "zh_CN.UTF-8"}, "ko"),     # Easel's own variable wins
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LC_ALL": "ko_KR.UTF-8", "LANG": "zh_CN.UTF-8"}, "ko"),  # gettext's order: LC_ALL before LANG
    ({"LANG": "C.UTF-8"}, "en"), ({"LANG": "de_DE.UTF-8"}, "en"), ({}, "en"),
])
def test_the_environment_picks_the_cli_language(env, lang):
    assert i18n.language_from_env(env) == lang


def test_a_pinned_language_beats_the_session_resolver_which_beats_the_environment(monkeypatch):
    monkeypatch.setenv("EASEL_LANG", "ko")
    monkeypatch.setattr(i18n, "_resolver", None)
    assert _("Generate") == "생성"
    i18n.set_language_resolver(lambda: "zh-CN")
    try:
        assert _("Generate") == "生成"
        with use_language("en"):
            assert _("Generate") == "Generate"
        assert i18n.current_language() == "zh"
    finally:
        i18n.set_language_resolver(None)


def test_a_resolver_that_fails_outside_a_session_falls_back_to_the_environment(monkeypatch):
    monkeypatch.setenv("EASEL_LANG", "zh")
    # Restored at teardown: the UI's resolver, once installed, must outlive this test for the AppTests after it.
    monkeypatch.setattr(i18n, "_resolver", i18n._resolver)

    def outside_a_session():
        raise RuntimeError("no script run context")

    i18n.set_language_resolver(outside_a_session)
    try:
        assert _("Gallery") == "图库"
    finally:
        i18n.set_language_resolver(None)


@pytest.mark.parametrize("lang, expected", [("en", "45,000 credits"), ("zh", "45,000 积分"), ("ko", "45,000 크레딧")])
def test_credits_are_a_number_and_the_translated_unit(lang, expected):
    with use_language(lang):
        assert format_currency(45000, "credits") == expected


@pytest.mark.parametrize("lang, usd, cny", [
    ("en", "$0.0423", "CN¥1,312.40"),
    ("zh", "US$0.0423", "¥1,312.40"),
    ("ko", "US$0.0423", "CN¥1,312.40"),
])
def test_money_uses_the_locales_symbols(lang, usd, cny):
    with use_language(lang):
        assert format_currency(0.0423, "USD", digits=4) == usd
        assert format_currency(1312.4, "CNY") == cny


def test_dates_follow_the_locale_and_the_given_zone():
    moment = datetime(2026, 12, 5, 16, 0, tzinfo=timezone.utc)     # midnight in Beijing
    with use_language("zh"):
        assert format_datetime(moment, "short", tz=i18n.BEIJING) == "2026/12/6 00:00"
    with use_language("ko"):
        assert format_datetime(moment, "short", tz=i18n.BEIJING) == "26. 12. 6. 오전 12:00"
    with use_language("en"):
        assert format_datetime(moment, "short", tz=timezone.utc) == "12/5/26, 4:00\u202fPM"
        assert format_number(1234567) == "1,234,567"


def test_plural_forms_follow_each_language():
    with use_language("en"):
        assert ngettext("{amount} credit", "{amount} credits", 1) == "{amount} credit"
        assert ngettext("{amount} credit", "{amount} credits", 2) == "{amount} credits"
    with use_language("ko"):
        assert ngettext("{amount} credit", "{amount} credits", 2) == "{amount} 크레딧"
