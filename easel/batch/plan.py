"""A batch before it is sent: each row's request, validated by the same path as a single generation
(easel.providers.request.validate, which names the rule a value breaks), its cost estimate, and the totals.

Readings:
- A row without a `provider` cell runs on the batch's provider with the form's settings as its defaults; a cell
  overrides only its own parameter. A row naming another provider starts from that provider's own defaults,
  since the form's size or quality may mean nothing there.
- Streaming is off in a batch (one final image per row is what is listed and archived); a provider whose every
  request is a task runs each row as one.
- Costs stay in their own unit; the total is given per unit and converted to one unit at the user's rate
  (easel.usage.currency), as Compare does. A row whose price is unknown before it runs (gccai with no history)
  is counted and named, not guessed.

`total_label()` and `limit_notes()` are made to be read (the preview, `easel batch`): in the reader's language,
amounts in her locale. Nothing of them is kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from easel.batch.parse import PARAM_COLUMNS, RowInput
from easel.compare.targets import Target
from easel.core.errors import EaselError
from easel.core.i18n import N_, _
from easel.core.i18n_text import Template, money_text, shown
from easel.core.models import Money
from easel.providers import pricing
from easel.providers.request import ImageRequest, validate
from easel.usage import quota
from easel.usage.currency import Rates, convert, load_rates

__all__ = ["RowPlan", "BatchPlan", "plan_batch", "row_request", "limit_notes", "FORM_FIELDS"]

FORM_FIELDS = ("model", "size", "resolution", "quality", "n", "extras", "async_")
_REQUEST_FIELDS = ("size", "resolution", "quality", "n", "model")

Resolver = Callable[[str], Target]

TOTAL_AT = Template(N_("at {rates}"), texts=("rates",))


@dataclass
class RowPlan:
    row: int
    prompt: str
    target_name: str
    target: Target | None
    request: ImageRequest | None            # validated; None when the row is invalid
    problem: EaselError | None
    estimate: Money | None = None

    @property
    def valid(self) -> bool:
        return self.problem is None

    @property
    def rule(self) -> str | None:
        return self.problem.code if self.problem is not None else None


@dataclass
class BatchPlan:
    rows: list[RowPlan]
    currency: str
    rates: Rates
    defaults: dict = field(default_factory=dict)

    @property
    def valid(self) -> list[RowPlan]:
        return [r for r in self.rows if r.valid]

    @property
    def invalid(self) -> list[RowPlan]:
        return [r for r in self.rows if not r.valid]

    def totals(self) -> dict[str, float]:
        """Known estimates of the rows that will be sent, per unit."""
        out: dict[str, float] = {}
        for r in self.valid:
            if r.estimate is not None and r.estimate.amount is not None:
                out[r.estimate.currency] = round(out.get(r.estimate.currency, 0.0) + r.estimate.amount, 9)
        return out

    def total(self) -> Money:
        amount = sum(convert(Money(v, cur), self.currency, self.rates).amount or 0.0
                     for cur, v in self.totals().items())
        return Money(round(amount, 9), self.currency, TOTAL_AT(rates=self.rates.describe()))

    def unpriced(self) -> list[int]:
        return [r.row for r in self.valid if r.estimate is None or r.estimate.amount is None]

    def total_label(self) -> str:
        """'CNY 3.30 + USD 0.50 ≈ CNY 6.85 (1 USD = 7.1 CNY = …)'; one unit alone is not converted."""
        totals = self.totals()
        line = " + ".join(money_text(v, cur) for cur, v in totals.items()) or _("nothing priced")
        if len(totals) > 1 or (totals and self.currency not in totals):
            total = self.total()
            line += f" ≈ {money_text(total.amount, total.currency)} ({shown(self.rates.describe())})"
        unpriced = self.unpriced()
        if unpriced:
            line += _("; not counted: {n} row(s) with no price before they run").format(n=len(unpriced))
        return line


def row_request(row: RowInput, target: Target, defaults: dict, *, same_target: bool) -> ImageRequest:
    profile = target.profile
    base = {k: v for k, v in defaults.items() if k in FORM_FIELDS} if same_target else {}
    fields = {k: base.get(k) for k in _REQUEST_FIELDS if base.get(k) is not None}
    extras = dict(base.get("extras") or {})
    for key, value in row.values.items():
        if key in _REQUEST_FIELDS:
            fields[key] = value
        elif key not in ("provider", "async") and key in PARAM_COLUMNS:
            extras[key] = value
    fields.setdefault("n", 1)
    async_ = profile.async_mode == "always" or bool(row.values.get("async", base.get("async_")))
    return ImageRequest(prompt=row.prompt, extras=extras, async_=async_, stream=False, **fields)


def plan_batch(store, rows: list[RowInput], default: Target, resolve: Resolver, *, defaults: dict | None = None,
               currency: str | None = None, rates: Rates | None = None) -> BatchPlan:
    """Every row checked and priced; nothing is sent. `resolve(name)` gives the target a `provider` cell names
    (raising an EaselError, e.g. missing_key, if it cannot)."""
    defaults = dict(defaults or {})
    rates = rates or load_rates(store)
    targets: dict[str, Target | EaselError] = {default.name: default}
    out: list[RowPlan] = []
    for row in rows:
        name = str(row.values.get("provider") or default.name).strip()
        if name not in targets:
            try:
                targets[name] = resolve(name)
            except EaselError as e:
                targets[name] = e
        target = targets[name]
        if isinstance(target, EaselError):
            out.append(RowPlan(row.row, row.prompt, name, None, None, target))
            continue
        if row.problem is not None:
            out.append(RowPlan(row.row, row.prompt, name, target, None, row.problem))
            continue
        profile = target.profile
        try:
            request = validate(row_request(row, target, defaults, same_target=name == default.name), profile)
        except EaselError as e:
            out.append(RowPlan(row.row, row.prompt, name, target, None, e))
            continue
        history = store.cost_history(profile.id) if profile.pricing == "task_reported" else None
        out.append(RowPlan(row.row, row.prompt, name, target, request, None,
                           pricing.estimate(profile, request, history=history)))
    if currency is None:
        units = Counter(r.estimate.currency for r in out if r.estimate is not None and r.estimate.amount is not None)
        currency = units.most_common(1)[0][0] if units else default.profile.currency
    return BatchPlan(out, currency, rates, defaults)


def limit_notes(store, plan: BatchPlan, *, now: float | None = None) -> list[str]:
    """What the preview says about each key's limits: how many rows run at once, and which rows the daily quota
    makes wait until its reset (QCode: 100 images a day per key, 00:00 Beijing)."""
    from easel.batch.dispatcher import reset_label       # the label the waiting rows will show

    by_key: dict[tuple[str, str], list[RowPlan]] = {}
    for r in plan.valid:
        by_key.setdefault((r.target.profile.id, r.target.fingerprint), []).append(r)
    notes = []
    for rows in by_key.values():
        profile = rows[0].target.profile
        name = rows[0].target.label
        if len(rows) > profile.concurrency:
            notes.append(_("{provider}: {rows} rows, at most {concurrency} at once on this key.").format(
                provider=name, rows=len(rows), concurrency=profile.concurrency))
        if not profile.daily_image_cap:
            continue
        q = quota.quota_status(store, rows[0].target.fingerprint, provider=profile.id, now=now)
        if q is None:
            continue
        left = q.remaining - q.in_flight
        over = []
        for r in rows:
            if r.request.n <= left:
                left -= r.request.n
            else:
                left = -1                                       # rows go in order: once one waits, the rest do
                over.append(r.row)
        if over:
            notes.append(_(
                "{provider}: {used} of {cap} images used today on this key; {n} row(s) (from row {first}) wait for "
                "the reset at {reset}.").format(
                provider=name, used=q.used, cap=q.cap, n=len(over), first=over[0],
                reset=shown(reset_label(q.resets_at, profile.quota_reset_tz))))
    return notes
