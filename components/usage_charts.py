"""The Usage page's Altair charts: per-day volume and spend, cumulative spend, latency, errors, the quota gauge.

Each builder takes an aggregated frame from easel.usage (a few thousand rows at most) and returns a chart with
tooltips on every mark; components/usage_panels.py places them. Prompts are data: they appear in tooltips,
never in markdown.
"""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt

__all__ = ["day_axis", "volume_chart", "cumulative_chart", "latency_hist_chart", "latency_pct_chart", "error_chart",
           "quota_gauge"]


MIN_AXIS_DAYS = 7            # a per-day chart's axis spans at least this many days


def _money_fmt(currency: str) -> str:
    return ",.0f" if currency == "credits" else ",.2f"


_DAY_BAR = {"timeUnitBandSize": 0.8, "timeUnitBandPosition": 0.1}    # a bar covers 80 % of its day, centred


def _utc_day(d: date) -> alt.DateTime:
    return alt.DateTime(year=d.year, month=d.month, date=d.day, utc=True)


def day_axis(days: tuple[date, date] | None, *, bars: bool = True) -> alt.X:
    """The x axis of every per-day chart: a UTC time scale over the whole selected range (not just the days that
    have data), at least a week long, with a tick per day. A bar spans its day, so one day of data is one narrow
    bar, not a block across the chart with the date repeated under it. The dates are usage days at midnight;
    UTC keeps the browser's time zone from moving them to the day before."""
    scale = alt.Undefined
    step = 1
    if days and days[0] and days[1]:
        lo, hi = days
        lo = min(lo, hi - timedelta(days=MIN_AXIS_DAYS - 1))
        scale = alt.Scale(domain=[_utc_day(lo), _utc_day(hi + timedelta(days=1) if bars else hi)])
        step = max(1, -(-((hi - lo).days + 1) // 62))      # a tick a day up to two months, then every few days
    return alt.X("utcyearmonthdate(date):T", title=None, scale=scale,
                 axis=alt.Axis(format="%b %d", tickCount={"interval": "day", "step": step}, labelOverlap=True,
                               labelAngle=0, grid=False, bandPosition=0.5 if bars else 0))


def volume_chart(frame, measure: str, currency: str, split: str, *, days: tuple[date, date] | None = None,
                 height: int = 260) -> alt.Chart:
    """Images or spend per day, stacked by the split; `days` is the selected range (the x axis covers all of it)."""
    title = "Images per day" if measure == "images" else f"Spend per day ({currency})"
    return alt.Chart(frame, title=title, height=height).mark_bar(**_DAY_BAR).encode(
        x=day_axis(days),
        y=alt.Y(f"sum({measure}):Q", title="Images" if measure == "images" else currency, stack="zero",
                axis=alt.Axis(tickMinStep=1, format=",d") if measure == "images" else alt.Undefined),
        color=alt.Color("part:N", title=split),
        tooltip=[alt.Tooltip("utcyearmonthdate(date):T", title="Day"), alt.Tooltip("part:N", title=split),
                 alt.Tooltip("images:Q", format=","), alt.Tooltip("requests:Q", format=","),
                 alt.Tooltip("cost:Q", title=f"Spend ({currency})", format=_money_fmt(currency)),
                 alt.Tooltip("native:N", title="In its own unit")])


def cumulative_chart(frame, currency: str, split: str, *, days: tuple[date, date] | None = None,
                     height: int = 260) -> alt.Chart:
    # A single day is a point, not an area: points keep it visible.
    return alt.Chart(frame, title=f"Cumulative spend ({currency})", height=height).mark_area(
        opacity=0.8, point=bool(len(frame)) and bool(frame["date"].nunique() == 1)).encode(
        x=day_axis(days, bars=False),
        y=alt.Y("cumulative:Q", stack="zero", title=currency),
        color=alt.Color("part:N", title=split),
        tooltip=[alt.Tooltip("utcyearmonthdate(date):T", title="Day"), alt.Tooltip("part:N", title=split),
                 alt.Tooltip("cost:Q", title="That day", format=_money_fmt(currency)),
                 alt.Tooltip("cumulative:Q", title="Running total", format=_money_fmt(currency))])


def latency_hist_chart(frame, *, height: int = 260) -> alt.Chart:
    return alt.Chart(frame, title="Latency distribution (completed requests)", height=height).mark_line(
        point=True, interpolate="monotone").encode(
        x=alt.X("seconds:Q", scale=alt.Scale(type="log"), title="Seconds (log scale)"),
        y=alt.Y("count:Q", title="Requests"), color=alt.Color("provider:N"),
        tooltip=[alt.Tooltip("provider:N"), alt.Tooltip("seconds:Q", title="≈ seconds", format=".1f"),
                 alt.Tooltip("count:Q", format=",")])


def latency_pct_chart(frame) -> alt.Chart:
    base = alt.Chart(frame).encode(
        y=alt.Y("group:N", title=None, sort=None), color=alt.Color("provider:N"),
        tooltip=[alt.Tooltip("provider:N"), alt.Tooltip("quality:N"), alt.Tooltip("requests:Q", format=","),
                 alt.Tooltip("p50:Q", title="p50 (s)", format=".1f"), alt.Tooltip("p95:Q", title="p95 (s)", format=".1f")])
    return (base.mark_rule(strokeWidth=3).encode(x=alt.X("p50:Q", title="Seconds"), x2="p95:Q")
            + base.mark_point(filled=True, size=80).encode(x="p50:Q")
            + base.mark_tick(thickness=3, size=16).encode(x="p95:Q")).properties(
        title="p50 → p95 latency per provider and quality")


def error_chart(frame, *, days: tuple[date, date] | None = None, height: int = 260) -> alt.Chart:
    return alt.Chart(frame, title="Error rate by code", height=height).mark_bar(**_DAY_BAR).encode(
        x=day_axis(days),
        y=alt.Y("rate:Q", stack="zero", axis=alt.Axis(format="%"), title="Share of finished requests"),
        color=alt.Color("error_code:N", title="Code"),
        tooltip=[alt.Tooltip("utcyearmonthdate(date):T", title="Day"), alt.Tooltip("error_code:N", title="Code"),
                 alt.Tooltip("failures:Q", format=","), alt.Tooltip("finished:Q", title="Finished that day", format=","),
                 alt.Tooltip("rate:Q", format=".1%")])


def quota_gauge(q) -> alt.Chart:
    import pandas as pd

    data = pd.DataFrame([{"part": "used", "images": q.used}, {"part": "in flight", "images": q.in_flight},
                         {"part": "left", "images": max(0, q.cap - q.used - q.in_flight)}])
    arc = alt.Chart(data).mark_arc(innerRadius=45, outerRadius=70).encode(
        theta=alt.Theta("images:Q", stack=True),
        color=alt.Color("part:N", scale=alt.Scale(domain=["used", "in flight", "left"],
                                                  range=["#e4572e", "#f3a712", "#d9d9d9"]), legend=None),
        order=alt.Order("order:Q"), tooltip=[alt.Tooltip("part:N"), alt.Tooltip("images:Q")]
    ).transform_calculate(order="datum.part == 'used' ? 0 : datum.part == 'in flight' ? 1 : 2")
    text = alt.Chart(pd.DataFrame([{"t": f"{q.used}/{q.cap}"}])).mark_text(size=18).encode(text="t:N")
    return (arc + text).properties(width=160, height=160)
