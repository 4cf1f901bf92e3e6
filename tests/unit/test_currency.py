"""Currency conversion: CNY, USD and openai-hk credits, at the edges a user's totals depend on."""

from __future__ import annotations

import pytest

from easel.usage.currency import (CREDITS_PER_USD, Rates, breakdown_label, convert, convert_amount, format_amount, load_rates, save_rates)
from easel.core.models import Money


def test_default_rate_is_openai_hk_formula_rate():
    assert Rates().usd_cny == 7.1
    assert convert_amount(1.0, "USD", "CNY") == pytest.approx(7.1)
    assert convert_amount(7.1, "CNY", "USD") == pytest.approx(1.0)


def test_credits_follow_openai_hk_formula():
    # (text*5 + image*10 + output*40) * 7.1 * 10000 / 1e6 credits; the bracket / 1e6 is USD.
    text, image, output = 6, 0, 275
    usd = (text * 5 + image * 10 + output * 40) / 1_000_000
    credits = (text * 5 + image * 10 + output * 40) * 7.1 * 10000 / 1_000_000
    assert CREDITS_PER_USD == 71_000
    assert convert_amount(credits, "credits", "USD") == pytest.approx(usd)
    assert convert_amount(usd, "USD", "credits") == pytest.approx(credits)
    # At the formula's own rate a credit is one ten-thousandth of a yuan.
    assert convert_amount(10_000, "credits", "CNY") == pytest.approx(1.0)


def test_credits_keep_their_usd_value_when_the_user_changes_the_cny_rate():
    r = Rates(7.25)
    assert convert_amount(71_000, "credits", "USD", r) == pytest.approx(1.0)
    assert convert_amount(71_000, "credits", "CNY", r) == pytest.approx(7.25)
    assert convert_amount(1.0, "CNY", "USD", r) == pytest.approx(1 / 7.25)


def test_round_trip_and_identity():
    r = Rates(6.9)
    for src in ("CNY", "USD", "credits"):
        assert r.factor(src, src) == 1.0
        for dst in ("CNY", "USD", "credits"):
            assert convert_amount(convert_amount(123.45, src, dst, r), dst, src, r) == pytest.approx(123.45)


def test_bad_rate_and_unknown_unit_are_refused():
    with pytest.raises(ValueError):
        Rates(0)
    with pytest.raises(ValueError):
        Rates(-7.1)
    with pytest.raises(ValueError):
        Rates().factor("EUR", "USD")


def test_convert_money_keeps_unknown_amounts_unknown_and_says_the_rate():
    assert convert(Money(None, "USD"), "CNY").amount is None
    m = convert(Money(2.0, "USD"), "CNY")
    assert (m.amount, m.currency) == (pytest.approx(14.2), "CNY")
    assert "7.1" in m.basis
    same = Money(1.0, "CNY")
    assert convert(same, "CNY") is same


def test_labels_never_mix_units():
    assert format_amount(1312.4, "CNY") == "CNY 1,312.40"
    assert format_amount(0.211, "USD") == "USD 0.21"
    assert format_amount(0.04231, "USD") == "USD 0.0423"        # a fraction of a cent per image still shows
    assert format_amount(45000, "credits") == "45,000 credits"
    assert breakdown_label({"USD": 1.05, "CNY": 3.2, "credits": 48000}) == "CNY 3.20 · USD 1.05 · 48,000 credits"
    assert breakdown_label({}) == "nothing spent"


def test_rate_is_saved_in_settings():
    from easel.store import Store

    store = Store()
    assert load_rates(store) == Rates()
    save_rates(store, Rates(7.3))
    assert load_rates(Store(store.path)).usd_cny == 7.3
