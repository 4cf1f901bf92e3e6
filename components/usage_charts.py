"""The Usage page's widgets: filters, KPIs, Altair charts, the quota gauge, budgets and the request table.

Every number comes from easel.usage (the CLI prints the same ones); this module only draws. Charts get the
aggregated frames (a few thousand rows at most) and carry tooltips on every mark. Prompts are data: they
appear in dataframe cells and tooltips, never in markdown.
"""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import streamlit as st

from easel.usage import budgets
from easel import usage
from easel.usage.currency import CURRENCIES, Rates, save_rates
from easel.core.models import Money

from components import md_escape

__all__ = ["filter_bar", "render_kpis", "volume_chart", "cumulative_chart", "latency_hist_chart",
           "latency_pct_chart", "error_chart", "quota_gauge", "render_quota", "render_top_prompts",
           "render_requests", "render_settings", "render_budget_bars", "PAGE_SIZE"]

PAGE_SIZE = 50
_K = "easel.usage."          # widget keys; tests set them through AppTest


def _money_fmt(currency: str) -> str:
    return ",.0f" if currency == "credits" else ",.2f"


def filter_bar(store) -> tuple[usage.Filters, str, str]:
    """Date range, provider, key fingerprint, status, Demo usage; the display currency and the chart split."""
    today = usage.usage_today(store)
    opts = usage.filter_options(store)
    c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
    picked = c1.date_input("Date range", value=(today - timedelta(days=usage.DEFAULT_RANGE_DAYS - 1), today),
                           max_value=today, key=_K + "range")
    start, end = (tuple(picked) + (None, None))[:2] if isinstance(picked, (tuple, list)) else (picked, picked)
    providers = c2.multiselect("Provider", opts["providers"], key=_K + "providers")
    keys = c3.multiselect("Key fingerprint", [k for k, *_ in opts["keys"]], key=_K + "keys",
                          format_func=lambda k: next((f"{k} ({p}{', demo' if s else ''})"
                                                      for kk, p, s in opts["keys"] if kk == k), k))
    statuses = c4.multiselect("Status", usage.STATUSES, key=_K + "statuses")
    c5, c6, c7 = st.columns([2, 2, 4])
    currency = c5.selectbox("Totals in", CURRENCIES, key=_K + "currency",
                            index=CURRENCIES.index(store.get_setting("usage.currency", "CNY") or "CNY"))
    include_sim = c6.toggle("Include Demo usage", value=True, key=_K + "sim",
                            help="Simulated requests (the Demo provider, seeded demo logs) are labelled Demo.")
    split = c7.segmented_control("Split charts by", usage.SPLITS, default="provider", key=_K + "split") or "provider"
    f = usage.Filters(start or None, end or start or None, tuple(providers), tuple(keys), tuple(statuses), include_sim)
    return f, currency, split


def render_kpis(k: usage.Kpis) -> None:
    for row in (k.row_spend, k.row_range):
        for col, m in zip(st.columns(len(row)), row):
            help_text = m.note + (f" · per currency: {m.breakdown}" if isinstance(m, usage.SpendMetric) else "")
            col.metric(m.label, m.text(), m.delta_text(), delta_color="normal" if m.higher_is_better else "inverse",
                       help=help_text, border=True)
            if isinstance(m, usage.SpendMetric):
                col.caption(m.breakdown)
    unpriced = f" {k.unpriced:,} request(s) are counted at their estimate." if k.unpriced else ""
    st.caption(f"Range {k.range[0]} – {k.range[1]}, compared with {k.previous_range[0]} – {k.previous_range[1]}. "
               f"Totals converted to {k.currency} at {k.rates.describe()}.{unpriced}")


def volume_chart(frame, measure: str, currency: str, split: str) -> alt.Chart:
    title = "Images per day" if measure == "images" else f"Spend per day ({currency})"
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X("yearmonthdate(date):T", title="Day"),
        y=alt.Y(f"sum({measure}):Q", title="Images" if measure == "images" else currency, stack="zero"),
        color=alt.Color("part:N", title=split),
        tooltip=[alt.Tooltip("yearmonthdate(date):T", title="Day"), alt.Tooltip("part:N", title=split),
                 alt.Tooltip("images:Q", format=","), alt.Tooltip("requests:Q", format=","),
                 alt.Tooltip("cost:Q", title=f"Spend ({currency})", format=_money_fmt(currency)),
                 alt.Tooltip("native:N", title="In its own unit")])


def cumulative_chart(frame, currency: str, split: str) -> alt.Chart:
    return alt.Chart(frame, title=f"Cumulative spend ({currency})").mark_area(opacity=0.8).encode(
        x=alt.X("yearmonthdate(date):T", title="Day"),
        y=alt.Y("cumulative:Q", stack="zero", title=currency),
        color=alt.Color("part:N", title=split),
        tooltip=[alt.Tooltip("yearmonthdate(date):T", title="Day"), alt.Tooltip("part:N", title=split),
                 alt.Tooltip("cost:Q", title="That day", format=_money_fmt(currency)),
                 alt.Tooltip("cumulative:Q", title="Running total", format=_money_fmt(currency))])


def latency_hist_chart(frame) -> alt.Chart:
    return alt.Chart(frame, title="Latency distribution (completed requests)").mark_line(
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


def error_chart(frame) -> alt.Chart:
    return alt.Chart(frame, title="Error rate by code").mark_bar().encode(
        x=alt.X("yearmonthdate(date):T", title="Day"),
        y=alt.Y("rate:Q", stack="zero", axis=alt.Axis(format="%"), title="Share of finished requests"),
        color=alt.Color("error_code:N", title="Code"),
        tooltip=[alt.Tooltip("yearmonthdate(date):T", title="Day"), alt.Tooltip("error_code:N", title="Code"),
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
    st.dataframe(frame, hide_index=True, column_order=(
        "thumbnail", "created_at", "provider", "model", "endpoint", "mode", "size", "resolution", "quality", "n",
        "status", "error_code", "latency_s", "cost", "key_fingerprint", "simulated", "prompt"), column_config={
        "thumbnail": st.column_config.ImageColumn("Image", width="small"),
        "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "latency_s": st.column_config.NumberColumn("Latency", format="%.1f s"),
        "cost": st.column_config.TextColumn("Cost", help="Actual, or ≈ the estimate while unreported"),
        "key_fingerprint": st.column_config.TextColumn("Key"),
        "simulated": st.column_config.CheckboxColumn("Demo"),
        "prompt": st.column_config.TextColumn("Prompt", width="large")})
    st.download_button("Download CSV", data=lambda: usage.export_csv(store, filters=filters), on_click="ignore",
                       file_name=f"easel-usage-{filters.start}-{filters.end}.csv", mime="text/csv", icon=":material/download:")


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

