"""Generate: prompt + profile-driven parameters → cost estimate → k jobs → live progress → results.

Two columns, so the primary path fits the first screen: the form on the left (prompt, parameters, cost, the
Generate button, then the secondary things in expanders), the result on the right, where the user looks.
"""

from __future__ import annotations

import streamlit as st

from components import code_view, cost, md_escape, notifier, params, references, services, session, truncate
from components import png_info_panel
from components import prompt_library, template_batch
from components import batch_form
from components.result_area import result_area
from components.errors_view import show_error
from components.router import ensure_routed
from easel.core.errors import EaselError
from easel.core.i18n import _
from easel.providers.request import ImageRequest, validate

ensure_routed()      # before anything is drawn: a fresh server's first deep link (components/router.py)

LAST_JOB = "easel.last_job.generate"
FORM = "gen"

sess = session.current()
profile = sess.profile
store = services.get_store()
jobs = services.get_jobs()

reuse = st.session_state.pop("easel.reuse", None)
if reuse:
    st.session_state[f"{FORM}.prompt"] = reuse.get("prompt", "")
    params.load_params(profile, reuse, key=FORM, edit=False)
prompt_library.apply_pick(profile, form_key=FORM, prompt_key=f"{FORM}.prompt", edit=False)


def _recall() -> None:
    choice = st.session_state.get(f"{FORM}.recent")
    if choice:
        st.session_state[f"{FORM}.prompt"] = choice
    st.session_state[f"{FORM}.recent"] = None


title_col, library_col = st.columns(2, gap="large", vertical_alignment="center")
with title_col, st.container(horizontal=True, vertical_alignment="center", gap="medium"):
    st.title(_("Generate"), width="content")
    mode = batch_form.mode_toggle()          # Single or Batch (components/batch_form.py)
if mode == "Batch":                          # many prompts at once, each row an ordinary job
    batch_form.batch_mode(sess, store, jobs)
    st.stop()
with library_col, st.container(horizontal=True, vertical_alignment="center", gap="small"):
    # Beside the title, not above the prompt: the form and its button stay in the first screen.
    prompt_library.picker(store, form_key=FORM)
    prompt_library.save_popover(store, prompt=st.session_state.get(f"{FORM}.prompt") or "", form_key=FORM)
left, right = st.columns(2, gap="large")
with left:
    # Drawn top to bottom; filled in the order the values are needed (references before validation).
    form, action, secondary = st.container(), st.container(), st.container()
    options = secondary.container()     # the provider's extra options: first of the secondary things
with form:
    st.text_area(_("Prompt"), key=f"{FORM}.prompt", height=100,
                 placeholder=_("A watercolor fox reading under a lamp"))
    template = template_batch.variable_fields(st.session_state.get(f"{FORM}.prompt") or "", key=FORM)
    fields = params.parameter_form(profile, edit=False, key=FORM,
                                   repeat_help=_("Runs of the same request; at most {count} run at once for one "
                                                 "{provider} key.").format(count=profile.concurrency,
                                                                           provider=profile.label),
                                   options=options)
repeat = int(st.session_state.get(f"{FORM}.repeat") or 1)
with secondary:
    refs = references.reference_inputs(profile, store, key=FORM)
    # Only this browser session's prompts: in a shared team demo, one visitor's prompts are not another's to see.
    mine = store.list_jobs(session_id=services.session_id(), limit=60)
    recent = list(dict.fromkeys(j.prompt for j in mine if j.prompt))[:15]
    if recent:
        with st.expander(_("Recent prompts ({count})").format(count=len(recent)), icon=":material/history:",
                         key=f"{FORM}.recent_box"):
            st.selectbox(_("Recent prompts"), recent, index=None, key=f"{FORM}.recent", on_change=_recall,
                         placeholder=_("Recall a recent prompt…"), format_func=lambda p: truncate(p, 90),
                         label_visibility="collapsed")
    png_info_panel.expander(key=f"{FORM}.pnginfo")

prompt = st.session_state.get(f"{FORM}.prompt") or ""
# A template sends its expanded prompts; with one value per variable it is an ordinary single request.
batch_prompts = template.prompts if template is not None and len(template.prompts) > 1 else None
request, problem = None, template.problem if template is not None else None
try:
    if problem is None:
        sent = template.prompts[0] if template is not None else prompt
        request = validate(ImageRequest(prompt=sent, images=refs, **fields), profile)
except EaselError as e:
    problem = e

with action:
    batching = bool(batch_prompts) and request is not None
    refused = None       # the person's daily budget refuses this request (components/cost.budget_gate)
    if batching:       # the count and total first; its own Review and Send buttons replace Generate
        ids = template_batch.batch_action(profile, request, batch_prompts, repeat=repeat, store=store, jobs=jobs,
                                          sess=sess, session_id=services.session_id(), key=FORM)
        if ids:
            st.session_state[LAST_JOB] = ids
    elif request is not None:
        refused = cost.show_cost(profile, request, store=store, repeat=repeat)
    elif problem is not None and problem.code.startswith("size_"):
        st.caption(_("Fix the size above (or use the suggested one) to generate."))
    elif prompt.strip() and problem is not None:
        show_error(problem, icon=":material/rule:")
    clicked = not batching and st.button(_("Generate"), type="primary", icon=":material/auto_awesome:",
                                         width="stretch", disabled=request is None or not sess.ready or bool(refused), key=f"{FORM}.go")
    if not sess.ready:
        hint = _("Type your {provider} API key in the sidebar to generate.").format(provider=profile.label) \
            if sess.problem == _(session.NO_KEY) else sess.problem or _("Pick a provider in the sidebar.")
        st.caption(md_escape(hint))
    elif request is None and not prompt.strip():
        st.caption(_("Type a prompt to start."))

with secondary:
    code_view.code_view(profile, request, base_url=sess.base_url)

if clicked and request is not None and sess.ready and not refused:
    try:
        ids = [jobs.submit(sess.client, request, session_id=services.session_id()) for _run in range(repeat)]
    except EaselError as e:
        with action:
            show_error(e, icon=":material/error:")
    else:
        st.session_state[LAST_JOB] = ids
        notifier.watch(ids)

with right:
    result_area(st.session_state.get(LAST_JOB), planned=params.planned_size(profile, fields), n=fields["n"],
                repeat=repeat, store=store, jobs_service=jobs)
