"""Easel: the router. Page config, sign-in (with [auth]), navigation, the shared provider sidebar, the job notifier.
Nothing else."""

import streamlit as st

from components import auth, language, notifier, services, session, streamlit_chrome
from easel.core.i18n import _

st.set_page_config(page_title="Easel", page_icon=":material/palette:", layout="wide")
language.apply()

if st.query_params.get("share"):
    # A share link's visitor: the shared images alone, no navigation, no provider sidebar, no notifier.
    st.navigation([st.Page("pages/shared.py", title=_("Shared images"), icon=":material/share:")], position="hidden").run()
    st.stop()

pages = [
    st.Page("pages/generate.py", title=_("Generate"), icon=":material/auto_awesome:", default=True),
    st.Page("pages/edit.py", title=_("Edit"), icon=":material/brush:"),
    st.Page("pages/compare.py", title=_("Compare"), icon=":material/compare:"),
    st.Page("pages/tasks.py", title=_("Tasks"), icon=":material/pending_actions:"),
    st.Page("pages/gallery.py", title=_("Gallery"), icon=":material/photo_library:"),
    st.Page("pages/boards.py", title=_("Boards"), icon=":material/dashboard:"),
    st.Page("pages/prompts.py", title=_("Prompts"), icon=":material/bookmarks:"),
    st.Page("pages/png_info.py", title=_("PNG Info"), icon=":material/info:"),
    st.Page("pages/usage.py", title=_("Usage"), icon=":material/monitoring:"),
    st.Page("pages/scorecard.py", title=_("Scorecard"), icon=":material/fact_check:"),
]
person = auth.gate(pages)      # with [auth] in secrets.toml: the sign-in screen until signed in
page = st.navigation(pages)

auth.account(person)
language.picker()
streamlit_chrome.translate_chrome()
session.sidebar()
notifier.notifier(services.get_store(), page=page.url_path)
page.run()
