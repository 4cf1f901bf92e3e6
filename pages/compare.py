"""Compare: one prompt and one set of settings sent to 2–6 providers at once, side by side.

Left: the inputs, the total estimate and Submit. Right, in the first screen: each column's plan before
submitting, then its result. The comparison's id sits in the URL (`?comparison=ID`), so a reload shows it again.
"""

from __future__ import annotations

import streamlit as st

from easel import compare
from easel.core.errors import EaselError
from easel.core.i18n import _, ngettext

from components import compare_form, compare_grid, compare_targets, cost, md_escape, services
from components.errors_view import show_error
from components.money_view import plan_total
from components.router import ensure_routed

ensure_routed()      # before anything is drawn: a fresh server's first deep link (components/router.py)

store = services.get_store()
jobs = services.get_jobs()
options = compare_targets.choices()
by_name = {c.name: c for c in options}
active = st.query_params.get("comparison")

st.title(_("Compare"))
left, right = st.columns([0.3, 0.7], gap="medium")
with left:
    form, action, secondary = st.container(), st.container(), st.container()
with form:
    chosen, settings, problem = compare_form.compare_form(options, inputs_slot=secondary)
with action:
    plan = None
    if settings is not None:
        plan = compare.plan_comparison(store, [c.target for c in chosen if c.usable], settings)
        warned = len(plan.warnings())
        warning = ngettext("{count} warning: see the columns", "{count} warnings: see the columns", warned)
        st.caption(md_escape(_("Total ≈ {total}").format(total=plan_total(plan))) +
                   (f" · :orange[{warning.format(count=warned)}]" if warned else ""))
    elif problem:
        st.caption(md_escape(problem))
    runnable = plan is not None and len(plan.runnable) >= 2 and not cost.budget_gate(
        store, [(c.estimate, c.target.profile.simulated) for c in plan.runnable])
    clicked = st.button(_("Compare"), type="primary", icon=":material/compare:", width="stretch", key="cmp.go",
                        disabled=not runnable)
    if active and st.button(_("New comparison"), icon=":material/add:", width="stretch", key="cmp.new"):
        st.query_params.pop("comparison", None)
        st.rerun()

if clicked and runnable:
    try:
        active = compare.start(jobs, plan, session_id=services.session_id())
    except EaselError as e:
        with action:
            show_error(e, icon=":material/error:")
    else:
        st.query_params["comparison"] = active

with right:
    if active:
        compare_grid.results_grid(store, jobs, active, by_name)
    elif plan is not None:
        compare_grid.plan_grid(plan)
    else:
        st.info(_("Choose 2–6 providers and type a prompt: each column's request, changes and cost appear here "
                  "before anything is sent."), icon=":material/compare:")
