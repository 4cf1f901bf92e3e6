"""The Scorecard page's action area: which providers and checks, what the suites cost, the confirmation for paid
providers, the runs' progress, and each chosen provider's latest card right under it (so the first screen holds
the action and its result)."""

from __future__ import annotations

import streamlit as st

from easel import scorecard
from easel.core.errors import EaselError
from easel.core.i18n import N_, _, ngettext
from easel.store import scorecards

from components import md_escape, services
from components import scorecard_runner as runner
from components.errors_view import show_error
from components.money_view import money
from components.scorecard_card import render_card
from components.scorecard_targets import targets

__all__ = ["render_scorecard_panel", "CONFIRM_KEY", "ERROR_KEY", "CHECKS_KEY", "PROVIDERS_KEY", "RUN_LABEL"]

CONFIRM_KEY = "easel.scorecard.confirm"
ERROR_KEY = "easel.scorecard.error"
CHECKS_KEY = "easel.scorecard.checks"
PROVIDERS_KEY = "easel.scorecard.providers"
RUN_LABEL = N_("Run scorecard")


def render_scorecard_panel(sess, jobs) -> None:
    store = jobs.store
    sid = services.session_id()
    options = targets(sess)
    if not options:
        show_error(sess.problem or _("No provider is ready: pick one in the sidebar."), code=sess.code or "",
                   level="warning")
        return
    labels = list(options)
    if any(label not in options for label in st.session_state.get(PROVIDERS_KEY, [])):
        del st.session_state[PROVIDERS_KEY]       # a provider that left the list (sidebar changed, key removed)
    pick, checks_col, action = st.columns([2, 4, 2], vertical_alignment="bottom")
    chosen = pick.multiselect(_("Providers"), labels, default=labels[:1], key=PROVIDERS_KEY,
                              format_func=lambda k: options[k].label if k in options else k,
                              help=_("The sidebar's provider, the Demo playing each provider, and every provider "
                                     "with a key in secrets or the environment."))
    checks = checks_col.multiselect(_("Checks"), scorecard.CHECKS, default=list(scorecard.CHECKS), key=CHECKS_KEY,
                                    format_func=scorecard.check_label,
                                    help=_("Each check sends its probes (ordinary jobs, in the usage log) and ends "
                                           "pass, fail or n/a, with what the doc expects against what came back."))
    clicked = action.button(_(RUN_LABEL), type="primary", icon=":material/fact_check:", width="stretch",
                            key="easel.scorecard.run")
    if not chosen or not checks:
        st.info(_("Pick at least one provider and one check."), icon=":material/checklist:")
        return
    try:
        work = [(options[label], scorecard.prepare(options[label].profile, checks, store=store)) for label in chosen]
    except EaselError as e:
        show_error(e)
        return
    st.caption(" · ".join(md_escape(_price_line(t, plan)) for t, plan in work))
    paid = [(t, plan) for t, plan in work if not plan.free]
    p = runner.progress(sid)
    running = p is not None and not p.finished
    asked = (tuple(chosen), tuple(checks), tuple(plan.cost.label() for _unused, plan in paid))
    if clicked and running:
        st.info(_("A scorecard is already running in this session; its result appears below when it ends."))
    elif clicked and not paid:
        running = runner.start(sid, jobs, work) is not None
    elif clicked:
        st.session_state[CONFIRM_KEY] = asked
    if st.session_state.get(CONFIRM_KEY) == asked and not running:
        running = _confirm(sid, jobs, work, paid)
    for error in st.session_state.pop(ERROR_KEY, []):
        show_error(error)
    _watch(sid, running)
    _cards(store, [t for t, _unused in work])


def _price_line(target, plan) -> str:
    probes = len(plan.probes)
    if plan.free:
        return ngettext("{provider}: {count} probe, free (simulated)", "{provider}: {count} probes, free (simulated)",
                        probes).format(provider=target.label, count=probes)
    return ngettext("{provider}: {count} probe, ≈ {cost} billed to your key",
                    "{provider}: {count} probes, ≈ {cost} billed to your key", probes).format(
        provider=target.label, count=probes, cost=_cost_text(plan))


def _cost_text(plan) -> str:
    if plan.cost.amount is None:
        return _("an unknown amount ({basis})").format(basis=plan.cost.basis)
    return money(plan.cost.amount, plan.cost.currency, exact=True)


def _confirm(sid: str, jobs, work, paid) -> bool:
    """The paid providers' confirmation step; True once the runs have started."""
    probes = sum(len(plan.probes) for _unused, plan in paid)
    costs = ", ".join(f"{t.label} {_cost_text(plan)}" for t, plan in paid)
    st.warning(ngettext("This sends {count} real request and costs {costs}. Failed probes are not billed.",
                        "This sends {count} real requests and costs {costs}. Failed probes are not billed.",
                        probes).format(count=probes, costs=md_escape(costs)), icon=":material/payments:")
    yes, no = st.columns(2)
    total = " + ".join(_cost_text(plan) for _unused, plan in paid)
    if yes.button(_("Confirm: spend {total}").format(total=total), type="primary", width="stretch",
                  key="easel.scorecard.confirm_yes"):
        st.session_state.pop(CONFIRM_KEY, None)
        return runner.start(sid, jobs, work) is not None
    if no.button(_("Cancel"), width="stretch", key="easel.scorecard.confirm_no"):
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
            text = _("Running… {done} of {total} probes done").format(done=p.done, total=p.total)
            st.progress(p.done / max(1, p.total), text=text + (f" ({p.last})" if p.last else ""))
            return
        if p.errors:
            st.session_state[ERROR_KEY] = list(p.errors)
        runner.clear(sid)
        st.rerun(scope="app")

    progress_bar()


def _cards(store, chosen: list) -> None:
    """Each chosen provider's latest card: one directly, several in tabs."""
    places = [st.container()] if len(chosen) == 1 else st.tabs([t.label for t in chosen], key="easel.scorecard.tabs")
    for target, place in zip(chosen, places):
        with place:
            latest = scorecards.latest_run(store, target.profile.id, simulated=target.profile.simulated)
            if latest is None:
                st.caption(_("No scorecard for {provider} yet: run it above.").format(provider=md_escape(target.label)))
            else:
                render_card(latest, label=target.label)
