"""Edit: a source image (+ references), a painted mask, a prompt → an edit job; results with paste-back."""

from __future__ import annotations

import streamlit as st

from components import cost, edit_inputs, edit_results, mask_canvas, md_escape, params, services, session
from easel.core.errors import EaselError
from easel.providers.request import ImageRequest

LAST_JOB = "easel.last_job.edit"
FORM = "edit.params"

st.title("Edit")
sess = session.current()
profile = sess.profile
store = services.get_store()

left, right = st.columns([3, 2], gap="large")
with left:
    source = edit_inputs.source_picker(profile)
    refs, refs_problem = edit_inputs.reference_picker(profile, source) if source else ([], None)
    mask = mask_canvas.mask_editor(profile, source, image_count=1 + len(refs)) if source else None

with right:
    prompt = st.text_area("What should change?", key="edit.prompt", height=120,
                          placeholder="Put a small red boat on the lake")
    if mask is not None:
        st.caption("Describe the whole picture you want; the model repaints only the tinted area.")
    if "auto" in profile.allowed_sizes(edit=True) and f"{FORM}.size" not in st.session_state:
        st.session_state[f"{FORM}.size"] = "auto"      # an edit keeps the source's shape unless asked otherwise
    fields = params.parameter_form(profile, edit=True, key=FORM)
    request = ImageRequest(prompt=prompt, images=([source.as_input()] if source else []) + refs,
                           mask=mask.as_input() if mask else None, edit=True, **fields)
    cost.show_cost(profile, request, store=store)
    blocked = (source is None and "Add a source image.") or refs_problem or (not sess.ready and sess.problem) \
        or (not prompt.strip() and "Write what should change.")
    if st.button("Send edit", type="primary", icon=":material/brush:", disabled=bool(blocked), key="edit.submit"):
        try:
            st.session_state[LAST_JOB] = services.get_jobs().submit(sess.client, request,
                                                                   session_id=services.session_id())
        except EaselError as err:
            st.error(md_escape(err.user_message()))
    if blocked:
        st.caption(md_escape(blocked))

job_id = st.session_state.get(LAST_JOB)
if job_id:
    st.divider()
    edit_results.watch(store, services.get_jobs(), job_id)
    edit_results.render_results(store, job_id)
