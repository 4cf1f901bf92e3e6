"""A comparison before it is sent: each column's request, change notes, cost estimate and warnings; the total.

Costs stay in each provider's own unit (CNY, USD, credits); the total is given per unit and converted to one
unit at the user's rate (easel.usage.currency), with the rate beside it. A column whose price is unknown
(gccai before it has reported any) is left out of the total and named.

Languages: a column's notes and warnings are Texts (easel.core.i18n_text). `describe()`, what the store keeps
of the plan and what comparison.json repeats, holds them in English; `ColumnPlan.notes` and `.warnings`, what the
page and the CLI print, give them in the reader's language; `total_label()` is made to be read, so it is too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from easel.compare.mapping import CompareSettings, MappedRequest, map_settings, short_label
from easel.compare.targets import Target
from easel.core.errors import EaselError
from easel.core.i18n import N_, _
from easel.core.i18n_text import Template, Text, money_text, shown
from easel.core.models import Money
from easel.providers import pricing
from easel.providers.request import validate
from easel.store.rows import ACTIVE_STATUSES
from easel.usage import budgets, quota
from easel.usage.currency import Rates, convert, load_rates

__all__ = ["ColumnPlan", "ComparisonPlan", "plan_comparison", "quota_warnings"]

QUOTA_WOULD_BREAK = Template(N_("{provider}: {used} of {cap} images used today and {in_flight} in flight on this key; "
                               "{n} more would break its daily cap of {cap} (resets 00:00 Beijing)."))
SLOT_WAIT = Template(N_("{provider}: {running} requests already in flight on this key, and it runs at most "
                        "{concurrency} at once; this column waits for a slot."))
TOTAL_AT = Template(N_("at {rates}"), texts=("rates",))


@dataclass
class ColumnPlan:
    target: Target
    mapped: MappedRequest
    estimate: Money
    converted: Money | None = None                 # the estimate in the plan's currency
    problem: EaselError | None = None              # why this column cannot be sent as mapped
    cautions: list[Text] = field(default_factory=list)    # the warnings as kept (English Texts)

    @property
    def runnable(self) -> bool:
        return self.problem is None

    @property
    def notes(self) -> list[str]:
        """What changed on the way to this provider, in the reader's language."""
        return [shown(n) for n in self.mapped.notes]

    @property
    def warnings(self) -> list[str]:
        """The quota and budget warnings, in the reader's language."""
        return [shown(w) for w in self.cautions]

    def describe(self) -> dict:
        """What the store keeps of the plan (no image bytes, no key)."""
        r = self.mapped.request
        return {"provider": self.target.profile.id, "sent_size": self.mapped.sent_size,
                "expected_size": None if self.mapped.expected_size is None else
                f"{self.mapped.expected_size[0]}x{self.mapped.expected_size[1]}",
                "quality": r.quality, "n": r.n, "notes": [str(n) for n in self.mapped.notes],
                "warnings": [str(w) for w in self.cautions],
                "estimate": self.estimate.amount, "currency": self.estimate.currency, "basis": self.estimate.basis}


@dataclass
class ComparisonPlan:
    settings: CompareSettings
    columns: list[ColumnPlan]
    currency: str
    rates: Rates

    @property
    def runnable(self) -> list[ColumnPlan]:
        return [c for c in self.columns if c.runnable]

    def totals(self) -> dict[str, float]:
        """The sum of the known estimates of the columns that will run, per unit."""
        out: dict[str, float] = {}
        for c in self.runnable:
            if c.estimate.amount is not None:
                out[c.estimate.currency] = out.get(c.estimate.currency, 0.0) + c.estimate.amount
        return out

    def total(self) -> Money:
        """Every known estimate converted to the plan's currency and summed."""
        amount = sum((c.converted.amount or 0.0) for c in self.runnable
                     if c.converted is not None and c.converted.amount is not None)
        return Money(amount, self.currency, TOTAL_AT(rates=self.rates.describe()))

    def unpriced(self) -> list[str]:
        return [c.target.label for c in self.runnable if c.estimate.amount is None]

    def total_label(self) -> str:
        """'USD 0.41461 + CNY 0.40 ≈ USD 0.47095 (1 USD = 7.1 CNY = …)'; one unit alone is not converted. For
        reading: in the reader's language, amounts in her locale."""
        totals = self.totals()
        line = " + ".join(money_text(v, cur) for cur, v in totals.items()) or _("nothing priced")
        if len(totals) > 1 or (totals and self.currency not in totals):
            line += f" ≈ {money_text(self.total().amount, self.currency)} ({self.rates.describe().shown()})"
        unpriced = self.unpriced()
        if unpriced:
            line += _("; not counted: {columns} (no price before it reports one)").format(columns=", ".join(unpriced))
        return line

    def warnings(self) -> list[str]:
        """Every column's warnings, in the reader's language."""
        return [w for c in self.columns for w in c.warnings]


def quota_warnings(store, target: Target, n: int, *, now: float | None = None) -> list[Text]:
    """Where a column would break its key's daily cap or wait for a concurrency slot (QCode: 100 a day, 2 in
    flight per key; qcode.txt, Quotas)."""
    profile = target.profile
    name = short_label(profile)
    out: list[str] = []
    if profile.daily_image_cap:
        q = quota.quota_status(store, target.fingerprint, provider=profile.id, now=now)
        if q is not None and q.used + q.in_flight + n > q.cap:
            out.append(QUOTA_WOULD_BREAK(provider=name, used=q.used, cap=q.cap, in_flight=q.in_flight, n=n))
    active = ", ".join("?" for _status in ACTIVE_STATUSES)
    running = store.query(f"SELECT COUNT(*) FROM jobs WHERE provider = ? AND key_fingerprint = ? AND status IN "
                          f"({active})", (profile.id, target.fingerprint, *ACTIVE_STATUSES))[0][0]
    if running >= profile.concurrency:
        out.append(SLOT_WAIT(provider=name, running=running, concurrency=profile.concurrency))
    return out


def plan_comparison(store, targets: list[Target], settings: CompareSettings, *, currency: str = "USD",
                    rates: Rates | None = None, now: float | None = None) -> ComparisonPlan:
    rates = rates or load_rates(store)
    columns = []
    for target in targets:
        profile = target.profile
        mapped = map_settings(profile, settings)
        problem = None
        try:
            mapped.request = validate(mapped.request, profile)
        except EaselError as e:
            problem = e
        history = store.cost_history(profile.id) if profile.pricing == "task_reported" else None
        est = pricing.estimate(profile, mapped.request, history=history)
        col = ColumnPlan(target, mapped, est, convert(est, currency, rates), problem)
        if problem is None:
            col.cautions += quota_warnings(store, target, mapped.request.n, now=now)
            budget = budgets.budget_warning(store, profile.id, est, simulated=profile.simulated, now=now, rates=rates)
            if budget:
                col.cautions.append(budget)
        columns.append(col)
    return ComparisonPlan(settings, columns, currency, rates)
