"""Daily budgets per person (issue 20): set by an admin, checked before a person's request goes out."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from easel.core.errors import ValidationError
from easel.core.i18n import use_language
from easel.core.i18n_text import shown
from easel.core.models import Money
from easel.store import Store
from easel.usage import person_budgets as pb
from easel.usage.currency import Rates

pytestmark = pytest.mark.usefixtures("engine")

NOW = datetime(2026, 3, 11, 4, 0, tzinfo=timezone.utc).timestamp()        # 12:00 Beijing
YESTERDAY_LATE = datetime(2026, 3, 10, 15, 59, 59, tzinfo=timezone.utc).timestamp()   # 23:59:59 Beijing, 10 March
ANA, BEN = "ana@example.com", "ben@example.com"


@pytest.fixture
def store():
    return Store()


def _spent(store, owner, provider, amount, currency, *, at=NOW - 60, status="completed", simulated=False,
           actual=True):
    jid = store.create_job(provider=provider, status=status, cost_estimated=amount, currency=currency,
                           created_at=at, simulated=simulated)
    if actual:
        store.update_job(jid, cost_actual=amount)
    with store._write() as conn:
        conn.execute("UPDATE jobs SET owner = ? WHERE id = ?", (owner, jid))


def test_the_request_that_would_cross_the_budget_is_refused_with_the_rule(store):
    pb.set_person_budget(store, ANA, Money(1.0, "USD"))
    _spent(store, ANA, "qcode", 0.5, "USD")
    _spent(store, ANA, "gccai", 0.25, "USD", status="running", actual=False)     # in flight: at its estimate
    _spent(store, ANA, "openai-hk", 71_000 * 0.23, "credits")                    # USD 0.23 converted
    _spent(store, ANA, "qcode", 3.0, "USD", status="failed", actual=False)       # failures cost nothing
    _spent(store, ANA, "qcode", 5.0, "USD", at=YESTERDAY_LATE)                   # yesterday (Beijing)
    _spent(store, BEN, "qcode", 9.0, "USD")                                      # another person's
    status = pb.person_budget_status(store, ANA, now=NOW, rates=Rates(7.0))
    assert status.spent == pytest.approx(0.98)
    assert pb.person_budget_refusal(store, ANA, [Money(0.02, "USD")], now=NOW, rates=Rates(7.0)) is None  # = budget
    msg = pb.person_budget_refusal(store, ANA, [Money(0.04, "USD")], now=NOW, rates=Rates(7.0))
    assert msg == ("Over your daily budget: this request (≈ USD 0.04) would take your spend today from USD 0.98 to "
                   "USD 1.02, over the USD 1.00 your admin set.")
    with pytest.raises(ValidationError) as err:
        pb.check_person_budget(store, ANA, [Money(0.04, "USD")], now=NOW, rates=Rates(7.0))
    assert err.value.code == "person_daily_budget" and str(err.value) == msg
    with use_language("zh"):
        assert shown(msg) == ("超出你的每日预算：此请求（≈ US$0.04）会使你今天的花费从 US$0.98 增至 US$1.02，超过管理员"
                              "设置的 US$1.00。")


def test_an_estimate_in_another_unit_is_converted_and_says_so(store):
    pb.set_person_budget(store, BEN, Money(7.0, "CNY"))
    _spent(store, BEN, "icodeeasy", 6.93, "CNY")
    msg = pb.person_budget_refusal(store, BEN, [Money(0.01, "USD"), Money(0.01, "USD")], now=NOW, rates=Rates(7.0))
    assert msg == ("Over your daily budget: this request (≈ CNY 0.14, converted at 1 USD = 7 CNY = 71,000 credits) "
                   "would take your spend today from CNY 6.93 to CNY 7.07, over the CNY 7.00 your admin set.")
    assert pb.person_budget_refusal(store, BEN, [Money(0.01, "USD")], now=NOW, rates=Rates(7.0)) is None


def test_an_unknown_price_is_refused_only_once_the_budget_is_reached(store):
    pb.set_person_budget(store, ANA, Money(1.0, "USD"))
    _spent(store, ANA, "qcode", 0.9, "USD")
    assert pb.person_budget_refusal(store, ANA, [Money(None, "USD")], now=NOW) is None
    _spent(store, ANA, "qcode", 0.1, "USD")
    assert pb.person_budget_refusal(store, ANA, [Money(None, "USD")], now=NOW) == (
        "Over your daily budget: your spend today (USD 1.00) has reached the USD 1.00 your admin set, and this "
        "request's cost is unknown until the provider reports it.")


def test_the_admin_sets_and_clears_a_budget(store):
    assert pb.get_person_budget(store, ANA) is None and pb.person_budgets(store) == {}
    pb.set_person_budget(store, ANA, Money(2.5, "CNY"))
    pb.set_person_budget(store, BEN, Money(1.0, "USD"))
    assert pb.person_budgets(store) == {ANA: Money(2.5, "CNY", "daily budget"), BEN: Money(1.0, "USD", "daily budget")}
    pb.set_person_budget(store, ANA, None)
    pb.set_person_budget(store, BEN, Money(0.0, "USD"))                 # 0 clears, as on the page
    assert pb.person_budgets(store) == {} and pb.get_person_budget(store, BEN) is None
    with pytest.raises(ValueError):
        pb.set_person_budget(store, ANA, Money(-1.0, "USD"))
    with pytest.raises(ValueError):
        pb.set_person_budget(store, "", Money(1.0, "USD"))           # the single user has no budget


def test_a_member_without_a_budget_is_not_blocked(store):
    _spent(store, BEN, "qcode", 500.0, "USD")
    assert pb.person_budget_status(store, BEN, now=NOW) is None
    assert pb.person_budget_refusal(store, BEN, [Money(100.0, "USD")], now=NOW) is None
    pb.check_person_budget(store, BEN, [Money(100.0, "USD")], now=NOW)


def test_one_members_budget_does_not_block_another(store):
    pb.set_person_budget(store, ANA, Money(1.0, "USD"))
    _spent(store, ANA, "qcode", 1.0, "USD")
    _spent(store, BEN, "qcode", 0.5, "USD")
    assert pb.person_budget_refusal(store, ANA, [Money(0.04, "USD")], now=NOW) is not None
    assert pb.person_budget_refusal(store, BEN, [Money(0.04, "USD")], now=NOW) is None
    assert pb.person_budget_refusal(store, "", [Money(0.04, "USD")], now=NOW) is None


def test_demo_spend_counts_only_against_demo_requests(store):
    pb.set_person_budget(store, ANA, Money(1.0, "USD"))
    _spent(store, ANA, "demo", 0.99, "USD", simulated=True)
    assert pb.person_budget_refusal(store, ANA, [Money(0.04, "USD")], now=NOW) is None
    assert pb.person_budget_refusal(store, ANA, [Money(0.04, "USD")], simulated=True, now=NOW) is not None


def test_requests_without_a_page_are_weighed_as_the_pages_gate_weighs_them(store):
    pb.set_person_budget(store, ANA, Money(1.0, "USD"))
    _spent(store, ANA, "qcode", 0.9, "USD")                          # real spend
    _spent(store, ANA, "demo", 0.5, "USD", simulated=True)           # Demo spend
    # A Demo request is weighed against Demo spend only, a real one against real spend only.
    assert pb.requests_refusal(store, ANA, [(Money(0.4, "USD"), True), (Money(0.1, "USD"), False)], now=NOW,
                               rates=Rates(7.0)) is None
    real = ("Over your daily budget: this request (≈ USD 0.20) would take your spend today from USD 0.90 to "
            "USD 1.10, over the USD 1.00 your admin set.")
    assert pb.requests_refusal(store, ANA, [(Money(0.4, "USD"), True), (Money(0.1, "USD"), False),
                                            (Money(0.1, "USD"), False)], now=NOW, rates=Rates(7.0)) == real
    with pytest.raises(ValidationError) as err:
        pb.check_requests(store, ANA, [(Money(0.2, "USD"), False)], now=NOW, rates=Rates(7.0))
    # Logged in English; shown (the CLI's EASEL_LANG, a page's language) in the reader's.
    assert err.value.code == "person_daily_budget" and str(err.value) == real
    assert err.value.user_message("zh") == ("超出你的每日预算：此请求（≈ US$0.20）会使你今天的花费从 US$0.90 增至 "
                                            "US$1.10，超过管理员设置的 US$1.00。 [person_daily_budget]")
    pb.check_requests(store, "", [(Money(99.0, "USD"), False)], now=NOW)      # the single user has no budget
