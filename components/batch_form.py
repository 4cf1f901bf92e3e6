"""Generate's Batch mode: prompts pasted one per line or a CSV/TXT upload, the form's settings as defaults, and
a preview before anything is sent: the row count, the total estimate, and every invalid row with its rule.
Nothing goes out until "Send N rows"; then the batch runs in the dispatcher (easel.batch), not in this session,
and the right column follows it (components/batch_progress.py).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from easel import batch
from easel.batch.targets import resolver
from easel.compare.targets import DEMO_KEY, Target
from easel.core.errors import EaselError
from easel.core.i18n import N_, _, format_number, ngettext
from easel.core.models import Money
from easel.simulator import local

from components import cost, md_escape, params, services
from components.batch_progress import CURRENT, PASTED, batch_progress
from components.demo_provider import SIMULATE_KEY
from components.errors_view import show_error

__all__ = ["MODE_KEY", "mode_toggle", "batch_mode", "session_target"]

MODE_KEY = "gen.mode"
KEY = "batch"
MODES = ("Single", "Batch")
_MODE_LABELS = {"Single": N_("Single"), "Batch": N_("Batch")}
# The invalid-rows table's column headers, shown translated over stable English column keys.
_INVALID_COLUMNS = {"Row": N_("Row"), "Rule": N_("Rule"), "Why": N_("Why"), "Prompt": N_("Prompt")}
QUERY = "batch"            # the followed batch's id in the URL, so a reload or a shared link shows it again


def mode_toggle() -> str:
    """Single or Batch, under the page title. A `?batch=` link (what Send puts in the URL) opens Batch."""
    default = "Batch" if st.query_params.get(QUERY) else "Single"
    return st.segmented_control(_("Mode"), MODES, key=MODE_KEY, default=default, label_visibility="collapsed",
                                format_func=lambda m: _(_MODE_LABELS[m]),
                                help=_("Batch: one prompt per line, or a CSV with a prompt column and any "
                                       "parameter; each row becomes an ordinary job.")) or "Single"


def session_target(sess) -> Target:
    """The sidebar's provider as a batch's default target: the Demo as its Simulate choice names it."""
    if sess.demo:
        mode = st.session_state.get(SIMULATE_KEY) or "demo"
        name = "demo" if mode == "demo" else f"demo:{mode}"
    else:
        name = sess.profile.id
    return Target(name, sess.profile, sess.client.api_key, sess.base_url)


def _rows(text: str, upload):
    if upload is not None:
        return upload.name, batch.parse_file(upload.name, upload.getvalue())
    return PASTED, batch.parse_text(text)


def _preview(store, plan) -> None:
    sent, bad = len(plan.valid), len(plan.invalid)
    rows = len(plan.rows)
    st.markdown(ngettext("**{rows} row** · {sent} to send · {bad} invalid",
                         "**{rows} rows** · {sent} to send · {bad} invalid", rows)
                .format(rows=format_number(rows), sent=format_number(sent), bad=format_number(bad)))
    st.markdown(md_escape(_("Estimate: {total}").format(total=plan.total_label())))
    for note in batch.limit_notes(store, plan):
        st.caption(":material/schedule: " + md_escape(note))
    if bad:
        st.caption(_("These rows break a rule and will not be sent:"))
        st.dataframe(pd.DataFrame([{"Row": r.row, "Rule": r.rule, "Why": r.problem.message,
                                    "Prompt": r.prompt} for r in plan.invalid]),
                     hide_index=True, width="stretch", height=min(36 * (bad + 1) + 2, 220), key=f"{KEY}.invalid",
                     column_config={k: _(v) for k, v in _INVALID_COLUMNS.items()})


def batch_mode(sess, store, jobs) -> None:
    left, right = st.columns(2, gap="large")
    with left:
        text = st.text_area(_("Prompts, one per line"), key=f"{KEY}.text", height=150,
                            placeholder=_("A watercolor fox reading under a lamp\nA paper boat on a rainy street"))
        upload = st.file_uploader(_("Or a CSV or TXT file"), type=["csv", "txt"], key=f"{KEY}.file",
                                  help=_("CSV: a `prompt` column and optional columns size, quality, n, provider, "
                                         "resolution, model, async, output_format, background… (empty = the "
                                         "defaults below)."))
        with st.expander(_("Defaults for every row"), icon=":material/tune:", key=f"{KEY}.defaults"):
            fields = params.parameter_form(sess.profile, edit=False, key=KEY)
    with right:
        plan, problem = None, None
        if text.strip() or upload is not None:
            try:
                name, rows = _rows(text, upload)
                if sess.ready:
                    default = session_target(sess)
                    resolve = resolver(local.ensure_simulator, DEMO_KEY)
                    plan = batch.plan_batch(store, rows, default,
                                            lambda n: default if n == default.name else resolve(n), defaults=fields)
            except EaselError as e:
                problem = e
        if problem is not None:
            show_error(problem, icon=":material/rule:")
        elif plan is not None:
            _preview(store, plan)
        # The signed-in person's daily budget, over every row that will be sent (components/cost.budget_gate).
        refused = plan is not None and bool(cost.budget_gate(store, [
            (r.estimate or Money(None, plan.currency), r.target.profile.simulated) for r in plan.valid]))
        label = (ngettext("Send {n} row", "Send {n} rows", len(plan.valid)).format(n=format_number(len(plan.valid)))
                 if plan is not None else _("Send batch"))
        clicked = st.button(label, type="primary",
                            icon=":material/playlist_play:", key=f"{KEY}.go", width="stretch",
                            disabled=plan is None or not plan.valid or refused)
        if not sess.ready:
            st.caption(md_escape(sess.problem or _("Pick a provider in the sidebar.")))
        elif plan is None and problem is None:
            st.caption(_("Paste prompts or upload a file: the count, the cost and any invalid rows show here "
                         "first; nothing is sent until you press Send."))
        if clicked and plan is not None and plan.valid and not refused:
            st.session_state[CURRENT] = batch.start(jobs, plan, name=name, session_id=services.session_id())
            st.query_params[QUERY] = st.session_state[CURRENT]
        batch_progress(store, jobs, st.session_state.get(CURRENT) or st.query_params.get(QUERY))
