"""Daily budgets per provider: the warning Generate and Edit show before a request that would break one."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from easel.usage import budgets
from easel.usage.currency import Rates, save_rates
from easel.core.models import Money
from easel.store import Store

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

NOW = datetime(2026, 3, 11, 4, 0, tzinfo=timezone.utc).timestamp()        # 12:00 Beijing
YESTERDAY_LATE = datetime(2026, 3, 10, 15, 59, 59, tzinfo=timezone.utc).timestamp()   # 23:59:59 Beijing, 10 March


@pytest.fixture
def store():
    return Store()


def _spent(store, provider, amount, currency, *, at=NOW - 60, status="completed", simulated=False, actual=True):
    jid = store.create_job(provider=provider, status=status, cost_estimated=amount, currency=currency,
                           created_at=at, simulated=simulated)
    if actual:
        store.update_job(jid, cost_actual=amount)


def test_no_budget_no_warning(store):
    _spent(store, "icodeeasy", 100.0, "CNY")
    assert budgets.budget_warning(store, "icodeeasy", Money(0.4, "CNY"), now=NOW) is None


def test_warns_only_when_the_request_would_cross_the_line(store):
    budgets.set_budget(store, "icodeeasy", Money(1.0, "CNY"))
    _spent(store, "icodeeasy", 0.6, "CNY")
    _spent(store, "icodeeasy", 5.0, "CNY", at=YESTERDAY_LATE)       # yesterday (Beijing) does not count
    _spent(store, "qcode", 5.0, "USD")                              # another provider does not count
    assert budgets.budget_warning(store, "icodeeasy", Money(0.4, "CNY"), now=NOW) is None      # exactly at budget
    msg = budgets.budget_warning(store, "icodeeasy", Money(0.41, "CNY"), now=NOW)
    assert msg is not None
    assert "CNY 0.60" in msg and "CNY 1.01" in msg and "CNY 1.00" in msg


def test_in_flight_requests_count_at_their_estimate_and_failures_at_zero(store):
    budgets.set_budget(store, "qcode", Money(0.2, "USD"))
    _spent(store, "qcode", 0.08, "USD", status="running", actual=False)
    _spent(store, "qcode", 0.211, "USD", status="failed", actual=False)
    status = budgets.budget_status(store, "qcode", now=NOW)
    assert status.spent == pytest.approx(0.08)
    assert budgets.budget_warning(store, "qcode", Money(0.08, "USD"), now=NOW) is None
    assert budgets.budget_warning(store, "qcode", Money(0.16, "USD"), now=NOW) is not None


def test_budget_in_another_unit_is_converted_at_the_users_rate(store):
    save_rates(store, Rates(7.0))
    budgets.set_budget(store, "openai-hk", Money(1.0, "CNY"))
    _spent(store, "openai-hk", 71_000 * 0.1, "credits")             # USD 0.10 = CNY 0.70
    status = budgets.budget_status(store, "openai-hk", now=NOW)
    assert status.spent == pytest.approx(0.7)
    assert budgets.budget_warning(store, "openai-hk", Money(71_000 * 0.04, "credits"), now=NOW) is None   # CNY 0.98
    msg = budgets.budget_warning(store, "openai-hk", Money(71_000 * 0.05, "credits"), now=NOW)         # CNY 1.05
    assert msg is not None and "credits" in msg and "1 USD = 7 CNY" in msg


def test_unknown_estimate_warns_only_once_the_budget_is_reached(store):
    budgets.set_budget(store, "gccai", Money(0.5, "USD"))
    assert budgets.budget_warning(store, "gccai", Money(None, "USD"), now=NOW) is None
    _spent(store, "gccai", 0.5, "USD")
    assert "reached" in budgets.budget_warning(store, "gccai", Money(None, "USD"), now=NOW)


def test_demo_usage_never_counts_against_a_real_budget(store):
    budgets.set_budget(store, "qcode", Money(1.0, "USD"))
    _spent(store, "qcode", 5.0, "USD", simulated=True)
    assert budgets.budget_warning(store, "qcode", Money(0.08, "USD"), now=NOW) is None
    assert budgets.budget_warning(store, "qcode", Money(0.08, "USD"), simulated=True, now=NOW) is not None


def test_budgets_are_settings_and_can_be_cleared(store):
    budgets.set_budget(store, "qcode", Money(2.5, "USD"))
    assert budgets.get_budget(Store(store.path), "qcode") == Money(2.5, "USD", "daily budget")
    budgets.set_budget(store, "qcode", None)
    assert budgets.get_budget(store, "qcode") is None
    with pytest.raises(ValueError):
        budgets.set_budget(store, "qcode", Money(-1.0, "USD"))
