"""Daily budgets per provider, set by the user, checked by Generate and Edit before a request goes out.

A budget is stored in the settings table as `budget.daily.<provider>` = {"amount": x, "currency": "CNY"}.
"Today" is the usage day (easel.usage, Beijing by default). Today's spend counts in-flight requests at their
estimate, so two quick requests cannot both slip under the line. Demo (simulated) usage counts only against
simulated requests, so seeded demo history never blocks a real key, and a demo run still shows the warning.

The budget line and the warning are Texts (easel.core.i18n_text): Compare keeps a column's warnings with its plan
(in English); Generate, Edit and Compare show them with `shown()`, amounts in the reader's locale.
"""

from __future__ import annotations

from datetime import datetime

from easel import usage
from easel.core.i18n import N_, _
from easel.core.i18n_text import Template, Text
from easel.usage.currency import Rates, amount_value, load_rates
from easel.core.models import Money

__all__ = ["get_budget", "set_budget", "all_budgets", "BudgetStatus", "budget_status", "budget_warning"]

_PREFIX = "budget.daily."

BUDGET_LINE = Template(N_("{provider}: {spent} of {budget} today"), money=("spent", "budget"))
BUDGET_LINE_CONVERTED = Template(N_("{provider}: {spent} of {budget} today (converted at {rates})"),
                                 money=("spent", "budget"), texts=("rates",))
BUDGET_REACHED = Template(N_("Today's {provider} spend ({spent}) has reached your daily budget of {budget}; this "
                             "request's cost is unknown until the provider reports it."), money=("spent", "budget"))
OVER_BUDGET = Template(N_("Over budget: this request (≈ {estimate}) would take today's {provider} spend from {spent} "
                          "to {after}, over your daily budget of {budget}."),
                       money=("estimate", "spent", "after", "budget"))
OVER_BUDGET_CONVERTED = Template(N_("Over budget: this request (≈ {estimate} ≈ {converted} at {rates}) would take "
                                    "today's {provider} spend from {spent} to {after}, over your daily budget of "
                                    "{budget}."),
                                 money=("estimate", "converted", "spent", "after", "budget"), texts=("rates",))


def read_budget(store, setting: str) -> Money | None:
    """The daily budget kept in settings under `setting` (a provider's or a person's), or None."""
    value = store.get_setting(setting)
    if not isinstance(value, dict) or value.get("amount") is None:
        return None
    return Money(float(value["amount"]), str(value.get("currency") or "USD"), "daily budget")


def write_budget(store, setting: str, budget: Money | None) -> None:
    """Keep a daily budget under `setting`; None or a zero amount clears it."""
    if budget is None or not budget.amount:
        store.set_setting(setting, None)
        return
    if budget.amount < 0:
        raise ValueError(_("A budget cannot be negative."))
    store.set_setting(setting, {"amount": float(budget.amount), "currency": budget.currency})


def get_budget(store, provider: str) -> Money | None:
    return read_budget(store, _PREFIX + provider)


def set_budget(store, provider: str, budget: Money | None) -> None:
    """Set (or with None / a zero amount, clear) a provider's daily budget."""
    write_budget(store, _PREFIX + provider, budget)


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
        """The budget bar's text, in the reader's language."""
        cur = self.budget.currency
        args = dict(provider=self.provider, spent=amount_value(self.spent, cur),
                    budget=amount_value(self.budget.amount or 0, cur))
        if self.converted:
            return BUDGET_LINE_CONVERTED(**args, rates=self.rates.describe()).shown()
        return BUDGET_LINE(**args).shown()


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
                   now: float | datetime | None = None, rates: Rates | None = None) -> Text | None:
    """The warning Generate and Edit show before a request that would take today's spend over the budget: a Text,
    English as a str (Compare keeps it with a column's plan), translated by `shown()`."""
    if simulated is None:
        from easel.providers.catalog import BUILTIN

        simulated = bool(getattr(BUILTIN.get(profile_id), "simulated", False))
    status = budget_status(store, profile_id, simulated=simulated, now=now, rates=rates)
    if status is None:
        return None
    budget, rates = status.budget, status.rates
    cap = budget.amount or 0.0
    spent_text = amount_value(status.spent, budget.currency)
    cap_text = amount_value(cap, budget.currency)
    if estimate.amount is None:
        if status.spent >= cap:
            return BUDGET_REACHED(provider=profile_id, spent=spent_text, budget=cap_text)
        return None
    try:
        cost = estimate.amount * rates.factor(estimate.currency, budget.currency)
    except ValueError:
        return None
    if status.spent + cost <= cap + 1e-9:
        return None
    args = dict(provider=profile_id, estimate=estimate, spent=spent_text,
                after=amount_value(status.spent + cost, budget.currency), budget=cap_text)
    if estimate.currency == budget.currency:
        return OVER_BUDGET(**args)
    return OVER_BUDGET_CONVERTED(**args, converted=amount_value(cost, budget.currency), rates=rates.describe())
