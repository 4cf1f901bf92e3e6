"""Generate: prompt + profile-driven parameters → cost estimate → k jobs → live progress → results."""

from __future__ import annotations

import streamlit as st

from components import code_view, cost, md_escape, notifier, params, references, services, session, truncate
from components.job_view import job_view
from easel.core.errors import EaselError
from easel.providers.request import ImageRequest, validate

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


def _recall() -> None:
    choice = st.session_state.get(f"{FORM}.recent")
    if choice:
        st.session_state[f"{FORM}.prompt"] = choice
    st.session_state[f"{FORM}.recent"] = None


st.title("Generate")
left, right = st.columns([3, 2], gap="large")
with left:
    st.text_area("Prompt", key=f"{FORM}.prompt", height=140, placeholder="A watercolor fox reading under a lamp")
    # Only this browser session's prompts: in a shared team demo, one visitor's prompts are not another's to see.
    mine = store.list_jobs(session_id=services.session_id(), limit=60)
    recent = list(dict.fromkeys(j.prompt for j in mine if j.prompt))[:15]
    if recent:
        st.selectbox("Recent prompts", recent, index=None, key=f"{FORM}.recent", on_change=_recall,
                     placeholder="Recall a recent prompt…", format_func=lambda p: truncate(p, 90))
    refs = references.reference_inputs(profile, store, key=FORM)
with right:
    fields = params.parameter_form(profile, edit=False, key=FORM)
    repeat = int(st.number_input("Repeat × k", min_value=1, max_value=20, value=1, key=f"{FORM}.repeat",
                                 help=f"Runs of the same request; at most {profile.concurrency} run at once "
                                      f"for one {profile.label} key."))

prompt = st.session_state.get(f"{FORM}.prompt") or ""
request, problem = None, None
try:
    request = validate(ImageRequest(prompt=prompt, images=refs, **fields), profile)
except EaselError as e:
    problem = e

with right:
    if request is not None:
        cost.show_cost(profile, request, store=store, repeat=repeat)
    elif prompt.strip() and problem is not None:
        st.error(md_escape(problem.user_message()), icon=":material/rule:")
    clicked = st.button("Generate", type="primary", icon=":material/auto_awesome:", width="stretch",
                        disabled=request is None or not sess.ready, key=f"{FORM}.go")
    if not sess.ready:
        st.caption(md_escape(sess.problem or "Pick a provider in the sidebar."))
    elif request is None and not prompt.strip():
        st.caption("Type a prompt to start.")

code_view.code_view(profile, request, base_url=sess.base_url)

if clicked and request is not None and sess.ready:
    try:
        ids = [jobs.submit(sess.client, request, session_id=services.session_id()) for _ in range(repeat)]
    except EaselError as e:
        st.error(md_escape(e.user_message()), icon=":material/error:")
    else:
        st.session_state[LAST_JOB] = ids
        notifier.watch(ids)

if st.session_state.get(LAST_JOB):
    st.subheader("Results")
    job_view(st.session_state[LAST_JOB], key="gen.jobs", store=store, jobs_service=jobs)
