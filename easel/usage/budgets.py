"""Daily budgets per provider, set by the user, checked by Generate and Edit before a request goes out.

A budget is stored in the settings table as `budget.daily.<provider>` = {"amount": x, "currency": "CNY"}.
"Today" is the usage day (easel.usage, Beijing by default). Today's spend counts in-flight requests at their
estimate, so two quick requests cannot both slip under the line. Demo (simulated) usage counts only against
simulated requests, so seeded demo history never blocks a real key, and a demo run still shows the warning.
"""

from __future__ import annotations

from datetime import datetime

from easel import usage
from easel.usage.currency import Rates, format_amount, load_rates
from easel.core.models import Money

__all__ = ["get_budget", "set_budget", "all_budgets", "BudgetStatus", "budget_status", "budget_warning"]

_PREFIX = "budget.daily."


def get_budget(store, provider: str) -> Money | None:
    value = store.get_setting(_PREFIX + provider)
    if not isinstance(value, dict) or value.get("amount") is None:
        return None
    return Money(float(value["amount"]), str(value.get("currency") or "USD"), "daily budget")


def set_budget(store, provider: str, budget: Money | None) -> None:
    """Set (or with None / a zero amount, clear) a provider's daily budget."""
    if budget is None or not budget.amount:
        store.set_setting(_PREFIX + provider, None)
        return
    if budget.amount < 0:
        raise ValueError("A budget cannot be negative.")
    store.set_setting(_PREFIX + provider, {"amount": float(budget.amount), "currency": budget.currency})


def all_budgets(store, providers: list[str]) -> dict[str, Money]:
    return {p: b for p in providers if (b := get_budget(store, p)) is not None}


class BudgetStatus:
    """Today's spend against one provider's budget, in the budget's currency."""

    def __init__(self, provider: str, budget: Money, spent: float, amounts: dict[str, float], rates: Rates):
        self.provider, self.budget, self.spent, self.amounts, self.rates = provider, budget, spent, amounts, rates

    @property
    def left(self) -> float:
        return (self.budget.amount or 0.0) - self.spent

    @property
    def fraction(self) -> float:
        return self.spent / self.budget.amount if self.budget.amount else 0.0

    @property
    def converted(self) -> bool:
        return any(c != self.budget.currency for c, v in self.amounts.items() if v)

    def label(self) -> str:
        note = f" (converted at {self.rates.describe()})" if self.converted else ""
        return (f"{self.provider}: {format_amount(self.spent, self.budget.currency)} of "
                f"{format_amount(self.budget.amount or 0, self.budget.currency)} today{note}")


def budget_status(store, provider: str, *, simulated: bool = False, now: float | datetime | None = None,
                  rates: Rates | None = None) -> BudgetStatus | None:
    budget = get_budget(store, provider)
    if budget is None:
        return None
    rates = rates or load_rates(store)
    today = usage.usage_today(store, now)
    amounts = usage.spend_on_day(store, today, providers=(provider,), simulated=simulated)
    spent = 0.0
    for cur, amount in amounts.items():
        try:
            spent += amount * rates.factor(cur, budget.currency)
        except ValueError:
            continue
    return BudgetStatus(provider, budget, spent, amounts, rates)


def budget_warning(store, profile_id: str, estimate: Money, *, simulated: bool | None = None,
                   now: float | datetime | None = None, rates: Rates | None = None) -> str | None:
    """The warning Generate and Edit show before a request that would take today's spend over the budget."""
    if simulated is None:
        from easel.providers.catalog import BUILTIN

        simulated = bool(getattr(BUILTIN.get(profile_id), "simulated", False))
    status = budget_status(store, profile_id, simulated=simulated, now=now, rates=rates)
    if status is None:
        return None
    budget, rates = status.budget, status.rates
    cap = budget.amount or 0.0
    spent_text = format_amount(status.spent, budget.currency)
    cap_text = format_amount(cap, budget.currency)
    if estimate.amount is None:
        if status.spent >= cap:
            return (f"Today's {profile_id} spend ({spent_text}) has reached your daily budget of {cap_text}; this "
                    f"request's cost is unknown until the provider reports it.")
        return None
    try:
        cost = estimate.amount * rates.factor(estimate.currency, budget.currency)
    except ValueError:
        return None
    if status.spent + cost <= cap + 1e-9:
        return None
    after = format_amount(status.spent + cost, budget.currency)
    est_text = estimate.label() if estimate.currency == budget.currency else \
        f"{estimate.label()} ≈ {format_amount(cost, budget.currency)} at {rates.describe()}"
    return (f"Over budget: this request (≈ {est_text}) would take today's {profile_id} spend from {spent_text} to "
            f"{after}, over your daily budget of {cap_text}.")
