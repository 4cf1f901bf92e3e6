"""Usage: cost, images, latency and errors over time, per provider, from the usage log.

All numbers come from easel.usage over trigger-kept rollups (the same functions `easel usage` prints), so
the page reads thousands of aggregated rows whatever the size of the log. The sections are tabs, so the first
screen holds the filters, the KPIs and the main chart.

With sign-in on, a member sees her own usage; an admin switches between her own, the Team's (with a People tab:
per person × provider, and daily budgets per person) and one person's (components/usage_people.py).
"""

import streamlit as st

from components import services
from components import usage_charts as charts
from components import usage_panels as panels
from components import usage_people
from components.reconcile_view import render_reconciliation
from components.router import ensure_routed
from easel.usage import quota
from easel import usage
from easel.core.i18n import _, format_percent
from easel.usage.currency import load_rates

ensure_routed()      # before anything is drawn: a fresh server's first deep link (components/router.py)

store = services.get_store()
rates = load_rates(store)
# Whose usage: everyone's for the single user (the rollups, as always); a signed-in person's own, or an admin's pick.
view = usage_people.current_view(store)

reader = view.reader(store, usage_people.picked_range())
filters, currency, split = panels.filter_bar(reader, title=_("Usage"))
usage_people.view_switch(store, view)
reader = view.reader(store, filters, reuse=reader)
board = usage.dashboard(reader, filters, split=split, currency=currency, rates=rates)
f = board.filters
days = (f.start, f.end)
hidden = panels.simulated_notice(reader, f, board.total_requests, board.simulated_requests)

team_table = view.kind == usage_people.TEAM
tabs = st.tabs([_("Overview"), *([_("People")] if team_table else []), _("Spend"), _("Latency & errors"),
                _("Requests"), _("Budgets & quota"), _("Reconciliation")])
overview, spend, latency, requests, limits, billing = (tabs[0], *tabs[-5:])
if team_table:
    with tabs[1]:
        usage_people.render_people(store, f, currency, rates)
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
    panels.render_requests(reader, f, board.total_requests, view=view)
    st.subheader(_("Top prompts"))
    if view.shows_people:       # prompts are each person's own: the Team view counts requests, it does not read them
        st.caption(_("Prompts are private to each person: switch to My usage to see your top prompts."))
    else:
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
        # The provider budgets and the rate are the team's settings: the single user's, or an admin's to change.
        if not view.team_mode or view.who.admin:
            with st.expander(_("Daily budgets per provider, USD → CNY rate"), key="easel.usage.budgets_expander"):
                panels.render_settings(store, rates, currency)
        panels.render_budget_bars(store, rates)
        usage_people.render_my_budget(store, view, rates)
with billing:
    render_reconciliation(reader, f)
