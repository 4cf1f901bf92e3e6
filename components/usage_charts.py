"""The Usage page's widgets: filters, KPIs, Altair charts, the quota gauge, budgets and the request table.

Every number comes from easel.usage (the CLI prints the same ones); this module only draws. Charts get the
aggregated frames (a few thousand rows at most) and carry tooltips on every mark. Prompts are data: they
appear in dataframe cells and tooltips, never in markdown.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import altair as alt
import streamlit as st

from easel.usage import budgets
from easel import usage
from easel.usage.currency import CURRENCIES, Rates, format_amount, save_rates
from easel.core.models import Money

from components import md_escape

__all__ = ["filter_bar", "simulated_notice", "render_kpis", "render_range_note", "day_axis", "volume_chart",
           "cumulative_chart", "latency_hist_chart", "latency_pct_chart", "error_chart", "quota_gauge", "render_quota",
           "render_top_prompts", "render_requests", "table_frame", "render_settings", "render_budget_bars",
           "PAGE_SIZE", "SIM_TOGGLE", "EMPTY"]

PAGE_SIZE = 50
MIN_AXIS_DAYS = 7            # a per-day chart's axis spans at least this many days
EMPTY = "—"                  # a missing value in the request table
SIM_TOGGLE = "Simulated usage"
SIMULATED_BADGE = ":orange-badge[:material/science: simulated · not charged]"
_K = "easel.usage."          # widget keys; tests set them through AppTest
_KPIS = "easel-usage-kpis"   # the KPI block's container key (CSS class st-key-<key>)
# A metric's value is sized to its tile (container query units), so 'CNY 12,345.67' fits a quarter of a
# 1366 px screen instead of being cut off; tiles are tightened so the main chart still fits the first screen.
_KPI_CSS = f"""<style>
.st-key-{_KPIS} {{ container-type: inline-size; }}
.st-key-{_KPIS} [data-testid="stMetric"] > div {{ padding: 0.45rem 0.75rem; }}
.st-key-{_KPIS} [data-testid="stMetricValue"], .st-key-{_KPIS} [data-testid="stMetricValue"] p {{
  font-size: clamp(0.9rem, 2.5cqw, 1.75rem);
}}
</style>"""


def _money_fmt(currency: str) -> str:
    return ",.0f" if currency == "credits" else ",.2f"


def filter_bar(store, *, title: str = "Usage") -> tuple[usage.Filters, str, str]:
    """One row: the title, the date range, the provider, the simulated-usage switch, and a Filters popover with
    the key fingerprint, status, display currency and chart split. One row, so the KPIs and the main chart fit
    the first screen.

    Simulated (Demo) usage is off by default once the log holds any real request: Demo amounts were never
    charged and must not read as spend. With only Demo usage in the log it is shown, labelled."""
    today = usage.usage_today(store)
    opts = usage.filter_options(store)
    head, c1, c2, c3, c4 = st.columns([1.4, 2.3, 2.1, 1.9, 1.4], vertical_alignment="center")
    head.title(title, anchor=False)
    picked = c1.date_input("Date range", value=(today - timedelta(days=usage.DEFAULT_RANGE_DAYS - 1), today),
                           max_value=today, key=_K + "range", label_visibility="collapsed")
    start, end = (tuple(picked) + (None, None))[:2] if isinstance(picked, (tuple, list)) else (picked, picked)
    providers = c2.multiselect("Provider", opts["providers"], key=_K + "providers", placeholder="All providers",
                               label_visibility="collapsed")
    include_sim = c3.toggle(SIM_TOGGLE, value=not usage.has_real_usage(store), key=_K + "sim",
                            help="Requests on the Demo provider, on any provider in simulator mode, and seeded demo "
                                 "logs. Nothing in them was charged; their amounts are what a real provider would "
                                 "have billed. Off by default once the log holds real requests.")
    narrowed = sum(bool(st.session_state.get(_K + k)) for k in ("keys", "statuses"))
    with c4.popover(f"Filters ({narrowed})" if narrowed else "Filters", icon=":material/tune:", width="stretch"):
        keys = st.multiselect("Key fingerprint", [k for k, *_ in opts["keys"]], key=_K + "keys",
                              placeholder="All keys",
                              format_func=lambda k: next((f"{k} ({p}{', demo' if s else ''})"
                                                          for kk, p, s in opts["keys"] if kk == k), k))
        statuses = st.multiselect("Status", usage.STATUSES, key=_K + "statuses", placeholder="All statuses")
        currency = st.selectbox("Totals in", CURRENCIES, key=_K + "currency",
                                index=CURRENCIES.index(store.get_setting("usage.currency", "CNY") or "CNY"))
        split = st.segmented_control("Split charts by", usage.SPLITS, default="provider", key=_K + "split") \
            or "provider"
    f = usage.Filters(start or None, end or start or None, tuple(providers), tuple(keys), tuple(statuses), include_sim)
    return f, currency, split


def simulated_notice(store, filters: usage.Filters, total: int, simulated: int) -> int:
    """What is simulated in the figures below, or how many simulated requests are hidden from them (returned)."""
    if filters.include_simulated and simulated:
        share = simulated / total if total else 0
        share_text = f"{share:.0%}" if 0.01 <= share <= 0.99 else ("<1%" if share < 0.01 else ">99%")
        if simulated == total:
            st.warning(f"**Simulated usage only: nothing here was charged.** All {total:,} requests in this range "
                       "ran on Easel's simulator (the Demo provider or a seeded demo log); the amounts are what a "
                       "real provider would have billed.", icon=":material/science:")
        else:
            st.info(f"{simulated:,} of these {total:,} requests ({share_text}) are simulated Demo usage, not charged, "
                    f"and marked Demo in the table. Switch off “{SIM_TOGGLE}” to see real spend only.",
                    icon=":material/science:")
    elif not filters.include_simulated:
        hidden = usage.count_simulated(store, replace(filters, include_simulated=True))
        if hidden:
            many = hidden != 1
            st.caption(f":material/science: {hidden:,} simulated Demo request{'s' if many else ''} in this range "
                       f"{'are' if many else 'is'} hidden (never charged). Switch on “{SIM_TOGGLE}” to include them.")
        return hidden
    return 0


def _spend_caption(m: usage.SpendMetric) -> str:
    """Under a spend KPI: the per-currency amounts, and how much of it is simulated (never charged)."""
    text = md_escape(m.breakdown)
    if m.all_simulated:
        return f"{SIMULATED_BADGE} {text}"
    if m.simulated:       # first: the line may be cut at the tile's edge (the tooltip has it all)
        return f":orange[incl. {md_escape(format_amount(m.simulated, m.currency or ''))} simulated] · {text}"
    return text


def render_kpis(k: usage.Kpis) -> None:
    """Eight KPIs in two rows of four, their values sized to the tile so none is cut off."""
    st.html(_KPI_CSS)
    with st.container(key=_KPIS, gap="small"):
        for row in (k.row_spend, k.row_range):
            for col, m in zip(st.columns(len(row), gap="small"), row):
                spend = isinstance(m, usage.SpendMetric)
                help_text = m.note + (f" · per currency: {m.breakdown}" if spend else "")
                if spend and m.simulated:
                    help_text += f" · simulated (not charged): {format_amount(m.simulated, m.currency or '')}"
                col.metric(m.label, m.text(), m.delta_text(), height="stretch",
                           delta_color="normal" if m.higher_is_better else "inverse", help=help_text, border=True)
                if spend:
                    col.caption(_spend_caption(m), wrap=False)


def render_range_note(k: usage.Kpis) -> None:
    unpriced = f" {k.unpriced:,} request(s) are counted at their estimate." if k.unpriced else ""
    st.caption(f"Range {k.range[0]} – {k.range[1]}, compared with {k.previous_range[0]} – {k.previous_range[1]}. "
               f"Totals converted to {k.currency} at {k.rates.describe()}.{unpriced}")


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


def render_quota(statuses) -> None:
    if not statuses:
        st.caption("No QCode key used in the last 7 days.")
        return
    for col, q in zip(st.columns(min(4, len(statuses))), statuses[:4]):
        col.altair_chart(quota_gauge(q))
        col.text(f"{q.key_fingerprint}{' (Demo)' if q.simulated else ''}\n{q.label()}")


def render_top_prompts(frame) -> None:
    st.dataframe(frame, hide_index=True, column_config={
        "prompt": st.column_config.TextColumn("Prompt", width="large"),
        "requests": st.column_config.NumberColumn("Requests", format="%d"),
        "images": st.column_config.NumberColumn("Images", format="%d"),
        "failed": st.column_config.NumberColumn("Failed", format="%d"),
        "share": st.column_config.ProgressColumn("Share of requests", min_value=0.0, max_value=1.0, format="percent")})


def render_requests(store, filters: usage.Filters, total: int) -> None:
    pages = max(1, -(-total // PAGE_SIZE))
    if st.session_state.get(_K + "page", 1) > pages:      # a narrower filter leaves fewer pages
        st.session_state[_K + "page"] = pages
    page = st.number_input(f"Page (of {pages:,}; {total:,} requests)", 1, pages, 1, key=_K + "page", width=240) - 1
    frame = usage.requests_page(store, filters, page=int(page), page_size=PAGE_SIZE)
    thumbs = usage.thumbnails(store, list(frame["id"]))
    frame.insert(0, "thumbnail", [thumbs.get(i) for i in frame["id"]])
    st.dataframe(table_frame(frame), hide_index=True, column_order=(
        "thumbnail", "created_at", "provider", "model", "endpoint", "mode", "size", "resolution", "quality", "n",
        "status", "error_code", "latency_s", "cost", "key_fingerprint", "simulated", "prompt"), column_config={
        "thumbnail": st.column_config.ImageColumn("Image", width="small"),
        "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "latency_s": st.column_config.TextColumn("Latency"),
        "cost": st.column_config.TextColumn("Cost", help="Actual, or ≈ the estimate while unreported"),
        "key_fingerprint": st.column_config.TextColumn("Key"),
        "simulated": st.column_config.CheckboxColumn("Demo"),
        "prompt": st.column_config.TextColumn("Prompt", width="large")})
    st.download_button("Download CSV", data=lambda: usage.export_csv(store, filters=filters), on_click="ignore",
                       file_name=f"easel-usage-{filters.start}-{filters.end}.csv", mime="text/csv", icon=":material/download:")


def table_frame(frame):
    """The request page as shown: a missing value is an em dash, never the word None (or nan); latency reads
    '12.3 s'. A request without an image has an empty image cell (a null there would read None too)."""
    out = frame.copy()
    out["thumbnail"] = [v if isinstance(v, str) and v else "" for v in out["thumbnail"]]
    out["latency_s"] = [EMPTY if v is None or v != v else f"{v:.1f} s" for v in out["latency_s"]]
    for col in ("model", "endpoint", "mode", "size", "resolution", "quality", "status", "error_code", "cost",
                "key_fingerprint", "currency", "prompt"):
        if col in out:
            out[col] = [EMPTY if v is None or v != v or v == "" else v for v in out[col].astype(object)]
    return out


def _providers(store) -> list[str]:
    return sorted(set(usage.filter_options(store)["providers"]) | {"icodeeasy", "qcode", "gccai", "openai-hk",
                                                                      "openai"})


def render_settings(store, rates: Rates, currency: str) -> None:
    """Conversion rate and per-provider daily budgets, saved to the settings table on submit."""
    providers = _providers(store)
    with st.form(_K + "settings", border=False):
        usd_cny = st.number_input("1 USD = … CNY", min_value=0.01, value=float(rates.usd_cny), step=0.01,
                                  format="%.4f", help="openai-hk's credits: 1 credit = 1/71,000 USD (its formula).")
        rows = {}
        for p in providers:
            current = budgets.get_budget(store, p)
            c1, c2 = st.columns([3, 1])
            amount = c1.number_input(f"Daily budget: {p} (0 = none)", min_value=0.0, key=_K + f"budget.{p}",
                                     value=float(current.amount) if current else 0.0)
            cur = c2.selectbox("Unit", CURRENCIES, key=_K + f"budget_cur.{p}",
                               index=CURRENCIES.index(current.currency if current else currency))
            rows[p] = Money(amount, cur)
        if st.form_submit_button("Save"):
            save_rates(store, Rates(usd_cny))
            store.set_setting("usage.currency", currency)
            for p, m in rows.items():
                budgets.set_budget(store, p, m if m.amount else None)
            st.toast("Saved")


def render_budget_bars(store, rates: Rates) -> None:
    """Today's spend against each budget that is set (real requests only, as budget_warning counts)."""
    shown = 0
    for p in _providers(store):
        s = budgets.budget_status(store, p, rates=rates)
        if s is not None:
            st.progress(min(1.0, max(0.0, s.fraction)), text=md_escape(s.label()))
            shown += 1
    if not shown:
        st.caption("No daily budget set.")

