"""Usage: cost, images, latency and errors over time, per provider, from the usage log.

All numbers come from easel.usage over trigger-kept rollups (the same functions `easel usage` prints), so
the page reads thousands of aggregated rows whatever the size of the log. The sections are tabs, so the first
screen holds the filters, the KPIs and the main chart.
"""

import streamlit as st

from components import services
from components import usage_charts as charts
from components import usage_panels as panels
from components.reconcile_view import render_reconciliation
from components.router import ensure_routed
from easel.usage import quota
from easel import usage
from easel.core.i18n import _, format_percent
from easel.usage.currency import load_rates

ensure_routed()      # before anything is drawn: a fresh server's first deep link (components/router.py)

store = services.get_store()
rates = load_rates(store)

filters, currency, split = panels.filter_bar(store, title=_("Usage"))
board = usage.dashboard(store, filters, split=split, currency=currency, rates=rates)
f = board.filters
days = (f.start, f.end)
hidden = panels.simulated_notice(store, f, board.total_requests, board.simulated_requests)

overview, spend, latency, requests, limits, billing = st.tabs(
    [_("Overview"), _("Spend"), _("Latency & errors"), _("Requests"), _("Budgets & quota"), _("Reconciliation")])
with overview:
    panels.render_kpis(board.kpis)
    if not board.total_requests and not hidden:
        st.info(_("No requests in this range yet. Generate something (Demo works offline), widen the dates, or run "
                  "`{command}` for demo data.").format(command="easel simulate --seed-usage 5000"),
                icon=":material/monitoring:")
    st.altair_chart(charts.volume_chart(board.daily, "images", currency, split, days=days), width="stretch")
    panels.render_range_note(board.kpis)
with spend:
    left, right = st.columns(2)
    left.altair_chart(charts.volume_chart(board.daily, "cost", currency, split, days=days), width="stretch")
    right.altair_chart(charts.cumulative_chart(board.cumulative, currency, split, days=days), width="stretch")
    st.caption(_("Each provider's own unit converted to {currency}; tooltips show the original amounts.").format(
        currency=_("credits") if currency == "credits" else currency))
with latency:
    left, right = st.columns(2)
    left.altair_chart(charts.latency_hist_chart(board.latency_hist), width="stretch")
    right.altair_chart(charts.latency_pct_chart(board.latency_pct), width="stretch")
    st.caption(_("Percentiles from a log-scale histogram (20 buckets per decade: within {error} of the exact "
                 "value).").format(error=format_percent(0.06)))
    st.altair_chart(charts.error_chart(board.errors, days=days), width="stretch")
with requests:
    panels.render_requests(store, f, board.total_requests)
    st.subheader(_("Top prompts"))
    panels.render_top_prompts(board.top_prompts)
with limits:
    quotas, budget = st.columns(2)
    with quotas:
        st.subheader(_("QCode daily quota"))
        st.caption(_("100 images per key per day, reset at 00:00 Beijing time.") + " "
                   + panels.reset_line(quota.next_reset()))
        panels.render_quota(quota.quota_statuses(store, include_simulated=f.include_simulated))
    with budget:
        st.subheader(_("Budgets and conversion"))
        with st.expander(_("Daily budgets per provider, USD → CNY rate"), key="easel.usage.budgets_expander"):
            panels.render_settings(store, rates, currency)
        panels.render_budget_bars(store, rates)
with billing:
    render_reconciliation(store, f)
