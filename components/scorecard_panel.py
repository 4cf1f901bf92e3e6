"""The Scorecard page's action area: which checks, what the suite costs, the confirmation, the run's progress,
and the provider's latest card right under it (so the first screen holds the action and its result)."""

from __future__ import annotations

import streamlit as st

from easel import scorecard
from easel.core.errors import EaselError
from easel.store import scorecards

from components import md_escape, services
from components import scorecard_runner as runner
from components.errors_view import show_error
from components.scorecard_card import render_card

__all__ = ["render_scorecard_panel", "CONFIRM_KEY", "ERROR_KEY", "RUN_LABEL"]

CONFIRM_KEY = "easel.scorecard.confirm"
ERROR_KEY = "easel.scorecard.error"
CHECKS_KEY = "easel.scorecard.checks"
RUN_LABEL = "Run scorecard"


def render_scorecard_panel(sess, jobs) -> None:
    store = jobs.store
    profile = sess.profile
    sid = services.session_id()
    left, right = st.columns([5, 2], vertical_alignment="bottom")
    checks = left.multiselect("Checks", scorecard.CHECKS, default=list(scorecard.CHECKS), key=CHECKS_KEY,
                              help="Each check sends its probes (ordinary jobs, in the usage log) and ends pass, fail "
                                   "or n/a, with what the doc expects against what came back.")
    if not checks:
        st.info("Pick at least one check.", icon=":material/checklist:")
        return
    try:
        plan = scorecard.prepare(profile, checks, store=store)
    except EaselError as e:
        show_error(e)
        return
    price = ("free: the Demo runs on Easel's simulator" if plan.free
             else f"≈ {plan.cost.label()} billed to your key ({plan.cost.basis})")
    left.caption(f"{len(plan.probes)} probe requests to {md_escape(profile.label)} · {md_escape(price)}")
    running = (p := runner.progress(sid)) is not None and not p.finished
    clicked = right.button(RUN_LABEL, type="primary", icon=":material/fact_check:", width="stretch")
    if not sess.ready:
        show_error(sess.problem or "This provider is not ready.", code=sess.code or "", level="warning")
        return
    asked = (profile.id, tuple(checks), plan.cost.label())
    if clicked and running:
        st.info("A scorecard is already running in this session; its result appears below when it ends.")
    elif clicked and plan.free:
        running = runner.start(sid, jobs, sess.client, plan) is not None
    elif clicked:
        st.session_state[CONFIRM_KEY] = asked
    if st.session_state.get(CONFIRM_KEY) == asked and not running:
        running = _confirm(sid, jobs, sess, plan)
    if (error := st.session_state.pop(ERROR_KEY, None)) is not None:
        show_error(error)
    _watch(sid, running)
    latest = scorecards.latest_run(store, profile.id, simulated=profile.simulated)
    if latest is None:
        st.caption(f"No scorecard for {md_escape(profile.label)} yet: run it above.")
    else:
        render_card(latest, label=profile.label)


def _confirm(sid: str, jobs, sess, plan) -> bool:
    """The paid providers' confirmation step; True once the run has started."""
    cost = plan.cost.label() if plan.cost.amount is not None else f"an unknown amount ({plan.cost.basis})"
    st.warning(f"This sends {len(plan.probes)} real requests to {md_escape(sess.profile.label)} and costs "
               f"{md_escape(cost)}. Failed probes are not billed.", icon=":material/payments:")
    yes, no = st.columns(2)
    if yes.button(f"Confirm: spend {cost}", type="primary", width="stretch"):
        st.session_state.pop(CONFIRM_KEY, None)
        return runner.start(sid, jobs, sess.client, plan) is not None
    if no.button("Cancel", width="stretch"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()
    return False


def _watch(sid: str, running: bool) -> None:
    @st.fragment(run_every=0.5 if running else None)
    def progress_bar() -> None:
        p = runner.progress(sid)
        if p is None:
            return
        if not p.finished:
            st.progress(p.done / max(1, p.total), text=f"Running… {p.done} of {p.total} probes done ({p.last})")
            return
        if p.error:
            st.session_state[ERROR_KEY] = p.error
        runner.clear(sid)
        st.rerun(scope="app")

    progress_bar()
