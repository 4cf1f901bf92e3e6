"""Daily budgets per person, set by an admin, checked before a person's request goes out.

A budget is stored in the settings table as `budget.person.<id>` = {"amount": x, "currency": "USD"} (the id is the
person's lower-cased e-mail, easel.core.identity). The single user (id "") has none: without sign-in there is no
one to set it for.

Today's spend is the person's own requests on the usage day (Beijing by default) across every provider, each
converted to the budget's currency at the page's rates, in-flight requests at their estimate and failures at 0,
exactly as the Usage page counts spend (easel.usage.scope reads the person's rows through the rollups'
definitions). As with the per-provider budgets (easel.usage.budgets), Demo (simulated) usage counts only against
simulated requests: a Demo run never spends real money, and a person's real spend never blocks the Demo.

A request is refused when today's spend plus its estimate would go over the budget. A request whose price is not
known yet (gccai before any reported cost) is refused only once the budget is reached.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from easel.core.errors import ValidationError
from easel.core.i18n import N_, _, use_language
from easel.core.i18n_text import Template, Text
from easel.core.models import Money
from easel.providers import pricing
from easel.providers.request import validate
from easel.usage.budgets import read_budget, write_budget
from easel.usage.currency import Rates, amount_value, load_rates
from easel.usage.days import day_offset, day_start_ts, usage_today
from easel.usage.kpis import spend_on_day
from easel.usage.scope import OwnerScope

__all__ = ["PREFIX", "get_person_budget", "set_person_budget", "person_budgets", "PersonBudgetStatus",
           "person_budget_status", "person_budget_refusal", "check_person_budget", "requests_refusal",
           "check_requests", "request_estimate"]

PREFIX = "budget.person."

PERSON_BUDGET_LINE = Template(N_("Your daily budget: {spent} of {budget} spent today"), money=("spent", "budget"))
OVER_PERSON_BUDGET = Template(N_("Over your daily budget: this request (≈ {estimate}) would take your spend today "
                                 "from {spent} to {after}, over the {budget} your admin set."),
                              money=("estimate", "spent", "after", "budget"))
OVER_PERSON_BUDGET_CONVERTED = Template(N_("Over your daily budget: this request (≈ {estimate}, converted at "
                                           "{rates}) would take your spend today from {spent} to {after}, over the "
                                           "{budget} your admin set."),
                                        money=("estimate", "spent", "after", "budget"), texts=("rates",))
PERSON_BUDGET_REACHED = Template(N_("Over your daily budget: your spend today ({spent}) has reached the {budget} "
                                    "your admin set, and this request's cost is unknown until the provider reports "
                                    "it."), money=("spent", "budget"))


def get_person_budget(store, person_id: str) -> Money | None:
    return read_budget(store, PREFIX + person_id) if person_id else None


def set_person_budget(store, person_id: str, budget: Money | None) -> None:
    """Set (or with None / a zero amount, clear) a person's daily budget."""
    if not person_id:
        raise ValueError(_("A daily budget is set for a signed-in person, not for the single user."))
    write_budget(store, PREFIX + person_id, budget)


def person_budgets(store) -> dict[str, Money]:
    """Every person's budget that is set, by person id."""
    out = {}
    for key, _value in store.query("SELECT key, value FROM settings WHERE key LIKE ? ORDER BY key", (PREFIX + "%",)):
        budget = get_person_budget(store, key[len(PREFIX):])
        if budget is not None:
            out[key[len(PREFIX):]] = budget
    return out


@dataclass(frozen=True)
class PersonBudgetStatus:
    """Today's spend of one person against her budget, in the budget's currency."""

    person_id: str
    budget: Money
    spent: float
    amounts: dict[str, float]           # today's spend per currency, as logged
    rates: Rates

    @property
    def fraction(self) -> float:
        return self.spent / self.budget.amount if self.budget.amount else 0.0

    def line(self) -> Text:
        cur = self.budget.currency
        return PERSON_BUDGET_LINE(spent=amount_value(self.spent, cur), budget=amount_value(self.budget.amount or 0, cur))


def _in(amounts: dict[str, float], currency: str, rates: Rates) -> float:
    total = 0.0
    for cur, amount in amounts.items():
        try:
            total += amount * rates.factor(cur, currency)
        except ValueError:       # a row without a unit cannot be converted: it is not money we can count
            continue
    return total


def person_budget_status(store, person_id: str, *, simulated: bool = False, now: float | datetime | None = None,
                         rates: Rates | None = None) -> PersonBudgetStatus | None:
    budget = get_person_budget(store, person_id)
    if budget is None:
        return None
    rates = rates or load_rates(store)
    today = usage_today(store, now)
    offset = day_offset(store)
    # Only today's rows of this person, by the jobs(owner, created_at) index.
    scope = OwnerScope(store, (person_id,), since=day_start_ts(today, offset),
                       until=day_start_ts(today + timedelta(days=1), offset))
    amounts = spend_on_day(scope, today, simulated=simulated)
    return PersonBudgetStatus(person_id, budget, _in(amounts, budget.currency, rates), amounts, rates)


def person_budget_refusal(store, person_id: str, estimates: Iterable[Money], *, simulated: bool = False,
                          now: float | datetime | None = None, rates: Rates | None = None,
                          status: PersonBudgetStatus | None = None) -> Text | None:
    """Why this request (its estimates: one per currency, or one per column) may not go out for this person, or
    None. A Text: English as a str, `shown()` in the reader's language. `status`: today's, when the caller has it."""
    if status is None:
        status = person_budget_status(store, person_id, simulated=simulated, now=now, rates=rates)
    if status is None:
        return None
    budget, rates = status.budget, status.rates
    cur, cap = budget.currency, budget.amount or 0.0
    estimates = list(estimates)
    known = [m for m in estimates if m.amount is not None]
    cost = 0.0
    converted = False
    for m in known:
        try:
            cost += m.amount * rates.factor(m.currency, cur)
        except ValueError:
            continue
        converted = converted or m.currency != cur
    if len(known) < len(estimates) and status.spent >= cap - 1e-9:
        return PERSON_BUDGET_REACHED(spent=amount_value(status.spent, cur), budget=amount_value(cap, cur))
    if not known or status.spent + cost <= cap + 1e-9:
        return None
    args = dict(estimate=amount_value(cost, cur), spent=amount_value(status.spent, cur),
                after=amount_value(status.spent + cost, cur), budget=amount_value(cap, cur))
    if converted:
        return OVER_PERSON_BUDGET_CONVERTED(**args, rates=rates.describe())
    return OVER_PERSON_BUDGET(**args)


def check_person_budget(store, person_id: str, estimates: Iterable[Money], *, simulated: bool = False,
                        now: float | datetime | None = None, rates: Rates | None = None) -> None:
    """Raise (code `person_daily_budget`) when the request may not go out: for callers that submit (the CLI)."""
    refusal = person_budget_refusal(store, person_id, estimates, simulated=simulated, now=now, rates=rates)
    if refusal is not None:
        raise _refused(refusal)


class _Shown:
    """A refusal as an error param: English in the log (str), the reader's language when shown (render)."""

    def __init__(self, text: Text):
        self.text = text

    def render(self, lang: str | None = None) -> str:
        with use_language(lang) if lang else contextlib.nullcontext():
            return self.text.shown()

    def __str__(self) -> str:
        return str(self.text)


def _refused(refusal: Text) -> ValidationError:
    # "{reason}" is no catalog entry: the refusal's own Template is, and _Shown renders it in the reader's language.
    return ValidationError("{reason}", {"reason": _Shown(refusal)}, code="person_daily_budget")


def requests_refusal(store, person_id: str, estimates: Iterable[tuple[Money, bool]], *,
                     now: float | datetime | None = None, rates: Rates | None = None) -> Text | None:
    """Why these requests (each estimate with whether it runs on the Demo) may not go out together for this person,
    or None. Demo requests are weighed against Demo spend and real ones against real spend, as the pages' gate
    (components/cost.budget_gate) does."""
    estimates = list(estimates)
    for simulated in (False, True):
        group = [m for m, sim in estimates if bool(sim) == simulated]
        if not group:
            continue
        refusal = person_budget_refusal(store, person_id, group, simulated=simulated, now=now, rates=rates)
        if refusal is not None:
            return refusal
    return None


def check_requests(store, person_id: str, estimates: Iterable[tuple[Money, bool]], *,
                   now: float | datetime | None = None, rates: Rates | None = None) -> None:
    """Raise (code `person_daily_budget`) when these requests may not go out for this person: for callers that
    submit without a page's gate (the CLI's generate, compare and batch; a comparison column's rerun)."""
    if not person_id:
        return
    refusal = requests_refusal(store, person_id, estimates, now=now, rates=rates)
    if refusal is not None:
        raise _refused(refusal)


def request_estimate(store, profile, request) -> Money:
    """A request's estimate as JobService.submit will log it: validated for its provider (a ValidationError
    here is the one submit would raise), priced with gccai's reported history."""
    r = validate(request, profile)
    history = store.cost_history(profile.id) if profile.pricing == "task_reported" else None
    return pricing.estimate(profile, r, history=history)
