"""Prompts: the prompt library's manager. Search, edit, delete, import, export, and the starter library."""

from __future__ import annotations

import streamlit as st

from components import prompt_manager, services
from easel.core.i18n import _, format_number
from easel.store import prompt_library

store = services.get_store()
everything = prompt_library.count_prompts(store)

st.title(_("Prompts"))
st.caption(_("Saved prompts and templates. Pick one on Generate or Edit with the Saved prompts search; a template "
             "(`{animal}`) asks for its values there."))
prompt_manager.toolbar(store, everything)
prompt_manager.import_report()
if not everything:
    prompt_manager.empty_state(store)
else:
    shown = prompt_manager.filtered(store)
    st.caption(_("{shown} of {total} prompts").format(shown=format_number(len(shown)), total=format_number(everything)))
    for p in shown:
        prompt_manager.prompt_card(store, p)
