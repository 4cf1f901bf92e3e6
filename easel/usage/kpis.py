"""The KPI row: spend today, this week and this month, images, cost per image, success rate and latency,
each against the previous period, in one currency at the user's rates.

A Metric is made to be read: its label, note, `text()` and `delta_text()` speak the language current when they are
made or called (easel.core.i18n), numbers and money in that locale. Nothing of it is stored. A caller that writes
it as data (`easel usage --json`) builds it under `use_language("en")`; `key`, `value`, `kind` and the amounts are
the machine fields.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from easel.core.i18n import _, format_decimal, format_number
from easel.store import rollup_schema as us
from easel.usage.currency import Rates, breakdown_label, format_amount
from easel.usage.days import day_number, usage_today
from easel.usage.filters import Filters
from easel.usage.latency_buckets import percentile_from_hist

__all__ = ["Kpis", "Metric", "SpendMetric", "kpis", "latency_hist", "spend_on_day", "total_in", "earliest_day"]


def total_in(amounts: dict[str, float], currency: str, rates: Rates) -> tuple[float, dict[str, float]]:
    """One total in `currency`, plus what could not be converted (a row with no or an unknown unit)."""
    total, left = 0.0, {}
    for cur, amount in amounts.items():
        try:
            total += amount * rates.factor(cur, currency)
        except ValueError:
            if amount:
                left[cur or _("no unit")] = amount
    return total, left


def _delta_pct(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None or previous == 0:
        return None
    return (value - previous) / previous * 100


@dataclass(frozen=True)
class Metric:
    """A KPI with its previous-period value. `text()` and `delta_text()` are what the page and CLI print."""

    key: str
    label: str
    value: float | None
    previous: float | None
    kind: str                      # "money" | "count" | "percent" | "seconds"
    currency: str | None = None
    note: str = ""
    higher_is_better: bool = True

    def _fmt(self, v: float | None) -> str:
        if v is None:
            return "—"
        if self.kind == "money":
            return format_amount(v, self.currency or "")
        if self.kind == "count":
            return format_number(round(v))
        if self.kind == "percent":
            return format_decimal(v * 100, 1) + "%"
        return _("{seconds} s").format(seconds=format_decimal(v, 1))

    def text(self) -> str:
        return self._fmt(self.value)

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def delta_text(self) -> str | None:
        d = self.delta
        # Nothing in either period is no change to report, not a rise of zero.
        if d is None or (d == 0 and not self.value and not self.previous):
            return None
        sign = "+" if d >= 0 else "-"          # ASCII: st.metric reads a leading "-" as a fall
        if self.kind == "percent":
            body = _("{points} pts").format(points=format_decimal(abs(d) * 100, 1))
        elif self.kind == "money":
            body = format_amount(abs(d), self.currency or "")
        elif self.kind == "count":
            body = format_number(round(abs(d)))
        else:
            body = _("{seconds} s").format(seconds=format_decimal(abs(d), 1))
        pct = _delta_pct(self.value, self.previous)
        return f"{sign}{body}" + (f" ({pct:+.0f}%)" if pct is not None and self.kind != "percent" else "")


@dataclass(frozen=True)
class SpendMetric(Metric):
    amounts: dict[str, float] = field(default_factory=dict)          # per currency, this period
    previous_amounts: dict[str, float] = field(default_factory=dict)
    unconverted: dict[str, float] = field(default_factory=dict)
    simulated_amounts: dict[str, float] = field(default_factory=dict)  # the Demo part of `amounts`: never charged
    simulated: float = 0.0          # that part converted, like `value`

    @property
    def breakdown(self) -> str:
        return breakdown_label(self.amounts)

    @property
    def all_simulated(self) -> bool:
        """The whole amount is simulated Demo usage (and it is not zero): nothing behind it was charged."""
        return any(self.simulated_amounts.values()) and all(
            math.isclose(v, self.simulated_amounts.get(c, 0.0), abs_tol=1e-9) for c, v in self.amounts.items())


@dataclass(frozen=True)
class Kpis:
    today: SpendMetric
    week: SpendMetric
    month: SpendMetric
    spend: SpendMetric              # the selected range
    requests: Metric
    images: Metric
    cost_per_image: Metric
    success_rate: Metric
    median_latency: Metric
    unpriced: int                   # requests in the range counted at their estimate
    range: tuple[date, date]
    previous_range: tuple[date, date]
    currency: str
    rates: Rates
    simulated_requests: int = 0     # Demo requests among those in the range

    @property
    def row_spend(self) -> list[SpendMetric]:
        return [self.today, self.week, self.month, self.spend]

    @property
    def row_range(self) -> list[Metric]:
        return [self.images, self.cost_per_image, self.success_rate, self.median_latency]


def _day_stats(store, f: Filters, lo: date, hi: date) -> dict[int, dict]:
    """Per usage day: spend per currency (and its simulated part), requests, images, completed, failed, unpriced,
    simulated requests."""
    where, args = f.where(start=lo, end=hi, days=False)
    fail = ", ".join(f"'{s}'" for s in us.FAILURE_STATUSES)
    out: dict[int, dict] = {}
    for day, cur, cost, req, img, ok, bad, unpriced, sim, sim_cost in store.query(
            "SELECT day, currency, SUM(cost), SUM(requests), SUM(images), "
            "SUM(CASE WHEN status = 'completed' THEN requests ELSE 0 END), "
            f"SUM(CASE WHEN status IN ({fail}) THEN requests ELSE 0 END), SUM(unpriced), "
            "SUM(CASE WHEN simulated = 1 THEN requests ELSE 0 END), "
            f"SUM(CASE WHEN simulated = 1 THEN cost ELSE 0 END) FROM usage_daily{where} "
            "GROUP BY day, currency", args):
        d = out.setdefault(day, {"amounts": defaultdict(float), "sim_amounts": defaultdict(float), "requests": 0,
                                 "images": 0, "completed": 0, "failed": 0, "unpriced": 0, "simulated": 0})
        d["amounts"][cur] += cost
        if sim:
            d["sim_amounts"][cur] += sim_cost
        for k, v in (("requests", req), ("images", img), ("completed", ok), ("failed", bad), ("unpriced", unpriced),
                     ("simulated", sim)):
            d[k] += v
    return out


def _sum_days(stats: dict[int, dict], lo: date, hi: date) -> dict:
    acc: dict = {"amounts": defaultdict(float), "sim_amounts": defaultdict(float), "requests": 0, "images": 0,
                 "completed": 0, "failed": 0, "unpriced": 0, "simulated": 0}
    for d in range(day_number(lo), day_number(hi) + 1):
        st = stats.get(d)
        if st is None:
            continue
        for part in ("amounts", "sim_amounts"):
            for cur, v in st[part].items():
                acc[part][cur] += v
        for k in ("requests", "images", "completed", "failed", "unpriced", "simulated"):
            acc[k] += st[k]
    acc["amounts"] = dict(acc["amounts"])
    acc["sim_amounts"] = dict(acc["sim_amounts"])
    return acc


def _spend_metric(key, label, rows, prev_rows, currency, rates, note) -> SpendMetric:
    amounts, prev, sim = rows["amounts"], prev_rows["amounts"], rows["sim_amounts"]
    total, left = total_in(amounts, currency, rates)
    prev_total, _unconverted = total_in(prev, currency, rates)
    return SpendMetric(key, label, total, prev_total, "money", currency, note, higher_is_better=False,
                       amounts=amounts, previous_amounts=prev, unconverted=left, simulated_amounts=sim,
                       simulated=total_in(sim, currency, rates)[0])


def _month_back(d: date) -> date:
    first_prev = (d.replace(day=1) - timedelta(days=1)).replace(day=1)
    nxt = (first_prev + timedelta(days=32)).replace(day=1)
    return first_prev.replace(day=min(d.day, (nxt - first_prev).days))


def spend_on_day(store, d: date, *, providers=(), simulated: bool | None = None) -> dict[str, float]:
    """Per-currency spend on one usage day; `simulated` True/False keeps only Demo / only real requests."""
    where, args = Filters(providers=tuple(providers)).where(start=d, end=d, days=False)
    if simulated is not None:
        where += " AND simulated = ?"
        args.append(int(simulated))
    return {cur: cost for cur, cost in store.query(
        f"SELECT currency, SUM(cost) FROM usage_daily{where} GROUP BY currency", args)}


def latency_hist(store, f: Filters, lo: date, hi: date, by: str = "") -> list[tuple]:
    """(…by columns, bucket, count) of completed requests: the rollup holds only those."""
    if f.statuses and "completed" not in f.statuses:
        return []
    where, args = f.where(start=lo, end=hi, days=False, table_has_status=False)
    cols = f"{by}, " if by else ""
    return store.query(f"SELECT {cols}bucket, SUM(count) FROM usage_latency{where} GROUP BY {cols}bucket", args)


def _fixed_from(today: date) -> date:
    """The first day the fixed periods read: last month's first, last week's Monday, or yesterday."""
    week0 = today - timedelta(days=today.weekday())
    return min(_month_back(today).replace(day=1), week0 - timedelta(days=7), today - timedelta(days=1))


def earliest_day(store, filters: Filters = Filters(), now: float | datetime | None = None) -> date:
    """The first usage day kpis() reads for these filters (the fixed periods' and the previous range's days): the
    charts, the tables and the export read only the range, which begins later. A person's view reads from here."""
    f = filters.resolved(store, now)
    length = (f.end - f.start).days + 1
    return min(_fixed_from(usage_today(store, now)), f.start - timedelta(days=length))


def kpis(store, filters: Filters = Filters(), *, currency: str = "CNY", rates: Rates = Rates(),
         now: float | datetime | None = None) -> Kpis:
    f = filters.resolved(store, now)
    today = usage_today(store, now)
    week0 = today - timedelta(days=today.weekday())
    month0 = today.replace(day=1)
    prev_month_day = _month_back(today)
    lo = _fixed_from(today)
    start, end = f.start, f.end
    length = (end - start).days + 1
    pstart, pend = start - timedelta(days=length), start - timedelta(days=1)
    # The fixed periods ignore the date filter (they are "today", "this week"...) but honour every other one.
    # One scan covers both when they overlap, as they do by default; two when the range lies far back.
    if pstart <= today + timedelta(days=1) and lo <= end + timedelta(days=1):
        fixed = ranged = _day_stats(store, f, min(lo, pstart), max(today, end))
    else:
        fixed, ranged = _day_stats(store, f, lo, today), _day_stats(store, f, pstart, end)
    periods = {
        "today": (_("Spend today"), (today, today), (today - timedelta(days=1),) * 2, _("vs yesterday")),
        "week": (_("Spend this week"), (week0, today), (week0 - timedelta(days=7), today - timedelta(days=7)),
                 _("vs the same days last week")),
        "month": (_("Spend this month"), (month0, today), (prev_month_day.replace(day=1), prev_month_day),
                  _("vs the same days last month")),
    }
    spend = {k: _spend_metric(k, label, _sum_days(fixed, *c), _sum_days(fixed, *p), currency, rates, note)
             for k, (label, c, p, note) in periods.items()}

    note = _("vs the {days} days before").format(days=format_number(length))
    cur, prev = _sum_days(ranged, start, end), _sum_days(ranged, pstart, pend)
    range_spend = _spend_metric("spend", _("Spend in range"), cur, prev, currency, rates, note)

    def per_image(rows):
        return total_in(rows["amounts"], currency, rates)[0] / rows["images"] if rows["images"] else None

    def rate(rows):
        done = rows["completed"] + rows["failed"]
        return rows["completed"] / done if done else None

    hist = latency_hist(store, f, pstart, end, by=f"day >= {day_number(start)}")
    med = percentile_from_hist([(b, n) for c, b, n in hist if c], 0.5)
    pmed = percentile_from_hist([(b, n) for c, b, n in hist if not c], 0.5)
    return Kpis(
        today=spend["today"], week=spend["week"], month=spend["month"], spend=range_spend,
        requests=Metric("requests", _("Requests"), cur["requests"], prev["requests"], "count", note=note),
        images=Metric("images", _("Images"), cur["images"], prev["images"], "count", note=note),
        cost_per_image=Metric("cost_per_image", _("Average cost per image"), per_image(cur), per_image(prev), "money",
                              currency, note, higher_is_better=False),
        success_rate=Metric("success_rate", _("Success rate"), rate(cur), rate(prev), "percent", note=note),
        median_latency=Metric("median_latency", _("Median latency"), med, pmed, "seconds", note=note,
                              higher_is_better=False),
        unpriced=cur["unpriced"], range=(start, end), previous_range=(pstart, pend), currency=currency, rates=rates,
        simulated_requests=cur["simulated"])
