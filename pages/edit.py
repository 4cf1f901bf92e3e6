"""Edit: a source image (+ references), a painted mask, a prompt → an edit job; the result beside the source.

Two columns, both in the first screen at 1366×768: the source row, the brush toolbar and the canvas on the
left; the prompt, Options and the Edit button on the right, with the result (or its placeholder) under them.
"""

from __future__ import annotations

import streamlit as st

from components import code_view, cost, edit_inputs, edit_results, mask_canvas, md_escape, params, services, session
from components import prompt_library, template_batch
from components.errors_view import show_error
from components.router import ensure_routed
from easel.core.errors import EaselError
from easel.core.i18n import N_, _
from easel.providers.request import ImageRequest

ensure_routed()      # before anything is drawn: a fresh server's first deep link (components/router.py)

LAST_JOB = "easel.last_job.edit"
FORM = "edit.params"
# Placeholder text is grey and starts "Describe…, e.g.", so it never reads as a prompt already typed.
PLACEHOLDER = N_("Describe the change, e.g. “a small red boat on the lake”…")

sess = session.current()
profile = sess.profile
store = services.get_store()
prompt_library.apply_pick(profile, form_key=FORM, prompt_key="edit.prompt", edit=True)
title_col, library_col = st.columns([0.45, 0.55], vertical_alignment="center")
title_col.title(_("Edit"))
with library_col, st.container(horizontal=True, vertical_alignment="center", gap="small"):
    # Beside the title: in the narrow right column the picker and Save would take two rows above the prompt.
    prompt_library.picker(store, form_key=FORM)
    prompt_library.save_popover(store, prompt=st.session_state.get("edit.prompt") or "", form_key=FORM)
# An italic placeholder (one more cue that the box is empty), and a cost line in caption size for the narrow column.
st.html("<style>.st-key-edit-prompt textarea::placeholder { font-style: italic; }"
        ".st-key-edit-cost p { font-size: 0.875rem; }</style>")

left, right = st.columns([0.71, 0.29], gap="small")
with left:
    source, refs, refs_problem = edit_inputs.source_row(profile)
    mask = mask_canvas.mask_editor(profile, source, image_count=1 + len(refs)) if source else None
    code_slot = st.container()          # filled once the request is known (right column)

with right:
    prompt = st.text_area(_("What should change?"), key="edit.prompt", height=110, placeholder=_(PLACEHOLDER),
                          help=_("Describe the whole picture you want; the model repaints only the tinted area. "
                                 "Variables in braces ({color}) make a template; {{ and }} are literal braces."))
    template = template_batch.variable_fields(prompt, key="edit")
    # A template sends its expanded prompts: one value per variable is one edit, several make a batch.
    batch_prompts = template.prompts if template is not None and len(template.prompts) > 1 else None
    if template is not None and template.prompts:
        prompt = template.prompts[0]
    if "auto" in profile.allowed_sizes(edit=True) and f"{FORM}.size" not in st.session_state:
        st.session_state[f"{FORM}.size"] = "auto"      # an edit keeps the source's shape unless asked otherwise
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        with st.popover(_("Options"), icon=":material/tune:", help=_("Size, quality, number of images.")):
            fields = params.parameter_form(profile, edit=True, key=FORM)
        request = ImageRequest(prompt=prompt, images=([source.as_input()] if source else []) + refs,
                               mask=mask.as_input() if mask else None, edit=True, **fields)
        blocked = (source is None and _("Add a source image.")) or refs_problem or (not sess.ready and sess.problem) \
            or (template is not None and template.problem is not None and template.problem.user_message()) \
            or (not prompt.strip() and _("Write what should change."))
        clicked = not batch_prompts and st.button(_("Edit"), type="primary", icon=":material/brush:",
                                                  disabled=bool(blocked), key="edit.submit", width="stretch")
    if batch_prompts and not blocked:
        ids = template_batch.batch_action(profile, request, batch_prompts, repeat=1, store=store,
                                          jobs=services.get_jobs(), sess=sess, session_id=services.session_id(),
                                          key="edit")
        if ids:
            st.session_state[LAST_JOB] = ids[0]
            # A template batch is two or more edits, so the message is always plural.
            st.toast(_("{n} edits sent: this column follows the first; all are on the Tasks page.").format(n=len(ids)))
    else:
        with st.container(key="edit.cost"):
            clicked = not cost.show_cost(profile, request, store=store) and clicked   # None unless over the budget
    if blocked:
        st.caption(md_escape(blocked))
    if clicked:
        try:
            st.session_state[LAST_JOB] = services.get_jobs().submit(sess.client, request,
                                                                   session_id=services.session_id())
        except EaselError as err:
            show_error(err)
    with code_slot:
        code_view.code_view(profile, request, base_url=sess.base_url, edit=True)
    job_id = st.session_state.get(LAST_JOB)
    if job_id:
        edit_results.watch(store, services.get_jobs(), job_id)
        edit_results.render_results(store, job_id)
    else:
        edit_results.placeholder()
