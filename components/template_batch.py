"""Templates on Generate: one field per variable, and a batch of every combination, shown (count, each prompt,
the total estimate) and confirmed before anything is sent. Each prompt becomes an ordinary job
(easel.prompts.batch), queued within the provider's concurrency cap and refused whole over a daily cap.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from easel.core.errors import EaselError
from easel.core.i18n import N_, _, format_number, ngettext
from easel.prompts import batch
from easel.prompts.templates import TemplateError, expand, parse

from components import cost, md_escape, truncate
from components.errors_view import show_error

__all__ = ["TemplateState", "variable_fields", "batch_action", "VALUES_HELP"]

# One line per variable, so the form keeps its button in the first screen: several values are separated by |
# (easel.prompts.templates also splits on newlines, for values pasted from a list).
VALUES_HELP = N_("The value for this variable. Several values, separated by |, make a batch: one job for every "
                 "combination of the variables' values. Write {{ and }} in the prompt for literal braces.")


@dataclass
class TemplateState:
    names: tuple[str, ...]
    prompts: list[str]
    problem: TemplateError | None = None


def variable_fields(prompt: str, *, key: str) -> TemplateState | None:
    """One field per variable under the prompt; None for a prompt without variables."""
    try:
        names = parse(prompt).names
    except TemplateError as e:
        return TemplateState((), [], e)
    if not names:
        return None
    cols = st.columns(min(len(names), 3))
    values = {}
    for i, name in enumerate(names):
        values[name] = cols[i % len(cols)].text_input(md_escape(f"{{{name}}}"), key=f"{key}.var.{name}",
                                                      help=_(VALUES_HELP), placeholder=_("fox | owl"))
    try:
        return TemplateState(names, expand(prompt, values))
    except TemplateError as e:
        return TemplateState(names, [], e)


def _total_line(plan: batch.BatchPlan) -> str:
    total = plan.total()
    # The amount is Money's own label (easel.core.models); an unknown price names its currency and basis.
    cost = total.label() if total.amount is not None else f"{total.currency} ? ({total.basis})"
    line = ngettext("{n} job · total ≈ {cost}", "{n} jobs · total ≈ {cost}", plan.count).format(
        n=format_number(plan.count), cost=cost)
    if plan.repeat > 1:
        line = _("{prompts} prompts × {runs} runs = {jobs}").format(
            prompts=format_number(len(plan.prompts)), runs=format_number(plan.repeat), jobs=line)
    if plan.profile.simulated:
        line = _("{line} · simulated, nothing is charged").format(line=line)
    return line


def batch_action(profile, request, prompts: list[str], *, repeat: int, store, jobs, sess, session_id: str,
                 key: str) -> list[str] | None:
    """The count and total first, then "Review N jobs…", then a confirmation listing every prompt; only
    "Send N jobs" submits. Returns the job ids once sent."""
    from components import notifier

    plan = batch.plan_batch(profile, request, prompts, repeat=repeat, store=store,
                            api_key=getattr(sess.client, "api_key", None))
    st.markdown(f":material/payments: **{md_escape(_total_line(plan))}**")
    if plan.queue_note:
        st.caption(md_escape(plan.queue_note))
    if plan.quota_problem:
        st.error(md_escape(plan.quota_problem), icon=":material/block:")
    confirm_key = f"{key}.batch.confirm"
    sig = tuple(r.prompt for r in plan.requests) + (repr(request.describe()),)
    if st.session_state.get(confirm_key) not in (None, sig):
        st.session_state.pop(confirm_key)                    # the batch changed since it was reviewed
    blocked = not sess.ready or plan.quota_problem is not None or bool(
        cost.budget_gate(store, [(plan.total(), plan.profile.simulated)]))
    if st.session_state.get(confirm_key) != sig:
        review = ngettext("Review {n} job…", "Review {n} jobs…", plan.count).format(n=format_number(plan.count))
        if st.button(review, type="primary", icon=":material/auto_awesome:", width="stretch",
                     disabled=blocked, key=f"{key}.batch.review"):
            st.session_state[confirm_key] = sig
            st.rerun()
        return None
    with st.container(border=True, key=f"{key}-batch-confirm"):
        st.markdown(ngettext("**Send {n} job to {provider}?**", "**Send {n} jobs to {provider}?**", plan.count)
                    .format(n=format_number(plan.count), provider=md_escape(profile.label)))
        shown = plan.prompts[:12]
        st.markdown("\n".join(f"{i}. {md_escape(truncate(p, 90))}" for i, p in enumerate(shown, start=1)))
        if len(plan.prompts) > len(shown):
            st.caption(_("…and {n} more.").format(n=format_number(len(plan.prompts) - len(shown))))
        send_col, cancel_col = st.columns(2)
        send = send_col.button(ngettext("Send {n} job", "Send {n} jobs", plan.count).format(
                                   n=format_number(plan.count)), type="primary", icon=":material/send:", width="stretch",
                               key=f"{key}.batch.send", disabled=blocked)
        if cancel_col.button(_("Cancel"), key=f"{key}.batch.cancel", width="stretch"):
            st.session_state.pop(confirm_key, None)
            st.rerun()
    if not send or blocked:
        return None
    st.session_state.pop(confirm_key, None)
    try:
        ids = batch.submit_batch(jobs, sess.client, plan, session_id=session_id)
    except EaselError as e:
        show_error(e, icon=":material/error:")
        return None
    notifier.watch(ids)
    return ids
