"""The live cost line shown before the Generate/Edit button, the provider budget warning beside it, and the signed-in
person's daily budget: today's spend against it, or the refusal of a request that would cross it."""

from __future__ import annotations

import streamlit as st

from easel.core import i18n_text, identity
from easel.core.i18n import _, ngettext
from easel.usage import budgets, person_budgets
from easel.providers import pricing
from easel.providers.catalog import Profile
from easel.core.models import Money
from easel.providers.request import ImageRequest

from components import md_escape

__all__ = ["estimate", "cost_line", "show_cost", "money_text", "budget_gate", "retry_within_budget"]


def _history(store, profile: Profile) -> list[tuple[str, str, float]]:
    """Per-image costs the provider reported for past jobs: gccai's only price list."""
    if store is None or profile.pricing != "task_reported":
        return []
    return store.cost_history(profile.id)


def estimate(profile: Profile, request: ImageRequest, *, store=None, repeat: int = 1) -> Money:
    one = pricing.estimate(profile, request, history=_history(store, profile))
    if repeat <= 1 or one.amount is None:
        return one
    return Money(one.amount * repeat, one.currency,
                 ngettext("{runs} run × {basis}", "{runs} runs × {basis}", repeat).format(runs=repeat, basis=i18n_text.shown(one.basis)))


def money_text(money: Money) -> str:
    """A figure for reading: 'USD 0.16' in English (where '$' alone would not say which dollar), the locale's
    currency style in Chinese and Korean ('US$0.16', '¥0.40', '3,000 积分'), with the figure's own decimals."""
    return i18n_text.money_text(money.amount, money.currency)


def cost_line(profile: Profile, request: ImageRequest, *, store=None, repeat: int = 1) -> str:
    """'≈ CNY 0.40 (2 × medium)'; for gccai before any history, the reason there is no figure."""
    money = estimate(profile, request, store=store, repeat=repeat)
    line = f"≈ {money_text(money)} ({i18n_text.shown(money.basis)})"
    if money.amount is not None and profile.simulated:
        line += " · " + _("simulated, nothing is charged")
    return line


def show_cost(profile: Profile, request: ImageRequest, *, store=None, repeat: int = 1) -> str | None:
    """Draw the cost line, any provider budget warning and the person's budget line. Returns the refusal when
    this request would take the signed-in person over her daily budget (the caller must not send it), else None."""
    # Our own text (figures and basis), never the prompt: safe as markdown.
    st.markdown(f":material/payments: **{cost_line(profile, request, store=store, repeat=repeat)}**")
    money = estimate(profile, request, store=store, repeat=repeat)
    warning = budgets.budget_warning(store, profile.id, money, simulated=profile.simulated) if store is not None else None
    if warning:
        st.warning(md_escape(warning), icon=":material/savings:")
    return budget_gate(store, [(money, profile.simulated)])


def budget_gate(store, estimates: list[tuple[Money, bool]]) -> str | None:
    """The signed-in person's daily budget before a submit: the refusal as an error when these requests (each
    estimate with whether it runs on Demo) would cross it, returned so the caller does not send; else today's
    spend against it as a caption. Nothing for the single user or a person without a budget."""
    who = identity.current()
    if store is None or who.single:
        return None
    for simulated in (False, True):     # Demo spend counts against Demo requests only (easel.usage.person_budgets)
        group = [m for m, sim in estimates if bool(sim) == simulated]
        if not group:
            continue
        status = person_budgets.person_budget_status(store, who.id, simulated=simulated)
        if status is None:
            return None
        refusal = person_budgets.person_budget_refusal(store, who.id, group, simulated=simulated, status=status)
        if refusal is not None:
            text = i18n_text.shown(refusal)
            st.error(md_escape(text), icon=":material/block:")
            return text
        if not simulated or not any(not sim for _m, sim in estimates):
            st.caption(":material/savings: " + md_escape(status.line().shown()))
    return None


def retry_within_budget(jobs_service, job, client, *, session_id: str | None, viewer) -> str:
    """Retry `job` (new spend) once the acting person's daily budget allows its estimate; a refusal raises the
    budget's ValidationError (person_daily_budget) before anything is sent, as Generate's gate refuses a click."""
    store = jobs_service.store.for_viewer(viewer)
    request = jobs_service.rebuild_request(job)
    spend = person_budgets.request_estimate(store, client.profile, request)
    person_budgets.check_requests(store, identity.current().id, [(spend, client.profile.simulated)])
    return jobs_service.retry(job.id, client, session_id=session_id, viewer=viewer)
