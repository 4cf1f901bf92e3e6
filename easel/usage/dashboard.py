"""Everything the Usage page draws, in one call, and the same numbers as a text report."""

from __future__ import annotations

from dataclasses import dataclass

from easel.core.i18n import _, format_number, ngettext
from easel.usage.charts import cumulative, daily, errors, latency, top_prompts
from easel.usage.currency import Rates
from easel.usage.filters import Filters
from easel.usage.kpis import Kpis, SpendMetric, kpis

__all__ = ["Dashboard", "dashboard", "report_text"]


@dataclass
class Dashboard:
    filters: Filters
    kpis: Kpis
    daily: object          # pandas frames
    cumulative: object
    latency_hist: object
    latency_pct: object
    errors: object
    top_prompts: object
    total_requests: int
    simulated_requests: int


def dashboard(store, filters: Filters = Filters(), *, split: str = "provider", currency: str = "CNY",
              rates: Rates = Rates(), now=None) -> Dashboard:
    f = filters.resolved(store, now)
    k = kpis(store, f, currency=currency, rates=rates, now=now)
    d = daily(store, f, split=split, currency=currency, rates=rates)
    h, pct = latency(store, f)
    return Dashboard(f, k, d, cumulative(d), h, pct, errors(store, f), top_prompts(store, f), int(k.requests.value),
                     k.simulated_requests if f.include_simulated else 0)


def report_text(store, filters: Filters = Filters(), *, currency: str = "CNY", rates: Rates = Rates(),
                now=None) -> str:
    """The CLI's `easel usage`: the page's KPIs as plain text, from the same functions."""
    k = kpis(store, filters, currency=currency, rates=rates, now=now)
    lines = [_("Usage {start} – {end} (previous: {previous_start} – {previous_end}); totals in {currency} at "
               "{rates}").format(start=k.range[0], end=k.range[1], previous_start=k.previous_range[0],
                                 previous_end=k.previous_range[1], currency=currency, rates=rates.describe().shown())]
    for m in k.row_spend + k.row_range:
        delta = m.delta_text()
        lines.append(f"  {m.label:<24} {m.text():>18}" + (f"   Δ {delta}" if delta else ""))
        if isinstance(m, SpendMetric) and m.amounts:
            lines.append(f"  {'':<24} {m.breakdown}")
    if k.unpriced:
        lines.append("  " + ngettext("{n} request counted at its estimate (no reported cost yet).",
                                     "{n} requests counted at their estimate (no reported cost yet).",
                                     k.unpriced).format(n=format_number(k.unpriced)))
    return "\n".join(lines)
