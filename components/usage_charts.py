"""The Usage page's Altair charts: per-day volume and spend, cumulative spend, latency, errors, the quota gauge.

Each builder takes an aggregated frame from easel.usage (a few thousand rows at most) and returns a chart with
tooltips on every mark; components/usage_panels.py places them. Prompts are data: they appear in tooltips,
never in markdown.
"""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt

from easel.core.i18n import N_, _, current_language

__all__ = ["day_axis", "day_format", "date_format", "moment_format", "split_title", "volume_chart", "cumulative_chart", "latency_hist_chart", "latency_pct_chart", "error_chart",
           "quota_gauge"]


MIN_AXIS_DAYS = 7            # a per-day chart's axis spans at least this many days

# Vega formats dates in the browser with d3's English month names, and Streamlit's st.altair_chart takes no
# embed options (no timeFormatLocale). d3 time formats keep literal characters, so Chinese and Korean get their
# own numeric patterns ('12月5日', '12월 5일') and never an English 'Dec'.
_DAY_FORMATS = {"en": "%b %d", "zh": "%-m月%-d日", "ko": "%-m월 %-d일"}
_DATE_FORMATS = {"en": "%b %d, %Y", "zh": "%Y年%-m月%-d日", "ko": "%Y년 %-m월 %-d일"}
_DATETIME_FORMATS = {"en": "%b %d, %Y %H:%M", "zh": "%Y年%-m月%-d日 %H:%M", "ko": "%Y년 %-m월 %-d일 %H:%M"}
_MOMENT_FORMATS = {"en": "%b %d %H:%M", "zh": "%-m月%-d日 %H:%M", "ko": "%-m월 %-d일 %H:%M"}

# The chart split's names (easel.usage.SPLITS values stay the codes; these are their legend titles).
SPLIT_TITLES = {"provider": N_("Provider"), "quality": N_("Quality"), "resolution": N_("Resolution"),
                "endpoint": N_("Endpoint"), "mode": N_("Mode")}


def day_format() -> str:
    """An axis label for a day: 'Dec 05' / '12月5日' / '12월 5일'."""
    return _DAY_FORMATS.get(current_language(), _DAY_FORMATS["en"])


def moment_format() -> str:
    """An axis label for a moment (runs minutes apart): 'Dec 05 06:38' / '12月5日 06:38' / '12월 5일 06:38'."""
    return _MOMENT_FORMATS.get(current_language(), _MOMENT_FORMATS["en"])


def date_format(*, time: bool = False) -> str:
    """A tooltip's full date (with the time of day if `time`)."""
    table = _DATETIME_FORMATS if time else _DATE_FORMATS
    return table.get(current_language(), table["en"])


def split_title(split: str) -> str:
    return _(SPLIT_TITLES[split]) if split in SPLIT_TITLES else split


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
                 axis=alt.Axis(format=day_format(), tickCount={"interval": "day", "step": step}, labelOverlap=True,
                               labelAngle=0, grid=False, bandPosition=0.5 if bars else 0))


def _day_tip() -> alt.Tooltip:
    return alt.Tooltip("utcyearmonthdate(date):T", title=_("Day"), format=date_format())


def volume_chart(frame, measure: str, currency: str, split: str, *, days: tuple[date, date] | None = None,
                 height: int = 260) -> alt.Chart:
    """Images or spend per day, stacked by the split; `days` is the selected range (the x axis covers all of it)."""
    unit = _currency_name(currency)
    title = _("Images per day") if measure == "images" else _("Spend per day ({currency})").format(currency=unit)
    return alt.Chart(frame, title=title, height=height).mark_bar(**_DAY_BAR).encode(
        x=day_axis(days),
        y=alt.Y(f"sum({measure}):Q", title=_("Images") if measure == "images" else unit, stack="zero",
                axis=alt.Axis(tickMinStep=1, format=",d") if measure == "images" else alt.Undefined),
        color=alt.Color("part:N", title=split_title(split)),
        tooltip=[_day_tip(), alt.Tooltip("part:N", title=split_title(split)),
                 alt.Tooltip("images:Q", title=_("Images"), format=","),
                 alt.Tooltip("requests:Q", title=_("Requests"), format=","),
                 alt.Tooltip("cost:Q", title=_("Spend ({currency})").format(currency=unit),
                             format=_money_fmt(currency)),
                 alt.Tooltip("native:N", title=_("In its own unit"))])


def _currency_name(currency: str) -> str:
    # CNY and USD are codes every reader of these pages knows; credits is a word.
    return _("credits") if currency == "credits" else currency


def cumulative_chart(frame, currency: str, split: str, *, days: tuple[date, date] | None = None,
                     height: int = 260) -> alt.Chart:
    unit = _currency_name(currency)
    # A single day is a point, not an area: points keep it visible.
    return alt.Chart(frame, title=_("Cumulative spend ({currency})").format(currency=unit), height=height).mark_area(
        opacity=0.8, point=bool(len(frame)) and bool(frame["date"].nunique() == 1)).encode(
        x=day_axis(days, bars=False),
        y=alt.Y("cumulative:Q", stack="zero", title=unit),
        color=alt.Color("part:N", title=split_title(split)),
        tooltip=[_day_tip(), alt.Tooltip("part:N", title=split_title(split)),
                 alt.Tooltip("cost:Q", title=_("That day"), format=_money_fmt(currency)),
                 alt.Tooltip("cumulative:Q", title=_("Running total"), format=_money_fmt(currency))])


def latency_hist_chart(frame, *, height: int = 260) -> alt.Chart:
    return alt.Chart(frame, title=_("Latency distribution (completed requests)"), height=height).mark_line(
        point=True, interpolate="monotone").encode(
        x=alt.X("seconds:Q", scale=alt.Scale(type="log"), title=_("Seconds (log scale)")),
        y=alt.Y("count:Q", title=_("Requests")), color=alt.Color("provider:N", title=_("Provider")),
        tooltip=[alt.Tooltip("provider:N", title=_("Provider")),
                 alt.Tooltip("seconds:Q", title=_("≈ seconds"), format=".1f"),
                 alt.Tooltip("count:Q", title=_("Requests"), format=",")])


def latency_pct_chart(frame) -> alt.Chart:
    base = alt.Chart(frame).encode(
        y=alt.Y("group:N", title=None, sort=None), color=alt.Color("provider:N", title=_("Provider")),
        tooltip=[alt.Tooltip("provider:N", title=_("Provider")), alt.Tooltip("quality:N", title=_("Quality")),
                 alt.Tooltip("requests:Q", title=_("Requests"), format=","),
                 alt.Tooltip("p50:Q", title=_("p50 (s)"), format=".1f"),
                 alt.Tooltip("p95:Q", title=_("p95 (s)"), format=".1f")])
    return (base.mark_rule(strokeWidth=3).encode(x=alt.X("p50:Q", title=_("Seconds")), x2="p95:Q")
            + base.mark_point(filled=True, size=80).encode(x="p50:Q")
            + base.mark_tick(thickness=3, size=16).encode(x="p95:Q")).properties(
        title=_("p50 → p95 latency per provider and quality"))


def error_chart(frame, *, days: tuple[date, date] | None = None, height: int = 260) -> alt.Chart:
    return alt.Chart(frame, title=_("Error rate by code"), height=height).mark_bar(**_DAY_BAR).encode(
        x=day_axis(days),
        y=alt.Y("rate:Q", stack="zero", axis=alt.Axis(format="%"), title=_("Share of finished requests")),
        color=alt.Color("error_code:N", title=_("Code")),
        tooltip=[_day_tip(), alt.Tooltip("error_code:N", title=_("Code")),
                 alt.Tooltip("failures:Q", title=_("Failures"), format=","),
                 alt.Tooltip("finished:Q", title=_("Finished that day"), format=","),
                 alt.Tooltip("rate:Q", title=_("Error rate"), format=".1%")])


# The gauge's parts, in drawing order; the data carries the translated names (the legend is hidden, the
# tooltip shows them), the order comes from the position here.
QUOTA_PARTS = (N_("used"), N_("in flight"), N_("left"))
_QUOTA_COLOURS = ("#e4572e", "#f3a712", "#d9d9d9")


def quota_gauge(q) -> alt.Chart:
    import pandas as pd

    names = [_(p) for p in QUOTA_PARTS]
    values = (q.used, q.in_flight, max(0, q.cap - q.used - q.in_flight))
    data = pd.DataFrame([{"part": n, "images": v, "order": i} for i, (n, v) in enumerate(zip(names, values))])
    arc = alt.Chart(data).mark_arc(innerRadius=45, outerRadius=70).encode(
        theta=alt.Theta("images:Q", stack=True),
        color=alt.Color("part:N", scale=alt.Scale(domain=names, range=list(_QUOTA_COLOURS)), legend=None),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("part:N", title=_("Quota")), alt.Tooltip("images:Q", title=_("Images"))])
    text = alt.Chart(pd.DataFrame([{"t": f"{q.used}/{q.cap}"}])).mark_text(size=18).encode(text="t:N")
    return (arc + text).properties(width=160, height=160)
