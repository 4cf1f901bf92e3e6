"""Usage: cost, images, latency and errors over time, per provider, from the usage log.

All numbers come from easel.usage over trigger-kept rollups (the same functions `easel usage` prints), so
the page reads thousands of aggregated rows whatever the size of the log.
"""

import streamlit as st

from components import services
from components import usage_charts as uc
from easel.usage import quota
from easel import usage
from easel.usage.currency import load_rates

st.title("Usage")
store = services.get_store()
rates = load_rates(store)

filters, currency, split = uc.filter_bar(store)
board = usage.dashboard(store, filters, split=split, currency=currency, rates=rates)
f = board.filters

if board.simulated_requests:
    share = board.simulated_requests / board.total_requests if board.total_requests else 0
    st.info(f"{board.simulated_requests:,} of these {board.total_requests:,} requests ({share:.0%}) are simulated "
            "Demo usage, marked Demo in the table. Switch off “Include Demo usage” to see real spend only.",
            icon=":material/science:")

uc.render_kpis(board.kpis)

if not board.total_requests:
    st.info("No requests in this range yet. Generate something (Demo works offline), widen the dates, or run "
            "`easel simulate --seed-usage 5000` for demo data.", icon=":material/monitoring:")
volume, cost, cumulative, latency, errors, prompts = st.tabs(
    ["Images", "Spend", "Cumulative spend", "Latency", "Errors", "Top prompts"])
with volume:
    st.altair_chart(uc.volume_chart(board.daily, "images", currency, split), width="stretch")
with cost:
    st.altair_chart(uc.volume_chart(board.daily, "cost", currency, split), width="stretch")
    st.caption(f"Each provider's own unit converted to {currency}; tooltips show the original amounts.")
with cumulative:
    st.altair_chart(uc.cumulative_chart(board.cumulative, currency, split), width="stretch")
with latency:
    left, right = st.columns(2)
    left.altair_chart(uc.latency_hist_chart(board.latency_hist), width="stretch")
    right.altair_chart(uc.latency_pct_chart(board.latency_pct), width="stretch")
    st.caption("Percentiles from a log-scale histogram (20 buckets per decade: within 6 % of the exact value).")
with errors:
    st.altair_chart(uc.error_chart(board.errors), width="stretch")
with prompts:
    uc.render_top_prompts(board.top_prompts)

quotas, budget = st.columns(2)
with quotas:
    st.subheader("QCode daily quota")
    st.caption("100 images per key per day, reset at 00:00 Beijing time (16:00 UTC).")
    uc.render_quota(quota.quota_statuses(store, include_simulated=f.include_simulated))
with budget:
    st.subheader("Budgets and conversion")
    with st.expander("Daily budgets per provider, USD → CNY rate"):
        uc.render_settings(store, rates, currency)
    uc.render_budget_bars(store, rates)

st.subheader("Requests")
uc.render_requests(store, f, board.total_requests)
