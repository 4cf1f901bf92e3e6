"""Easel: the router. Page config, navigation, the shared provider sidebar, the job notifier. Nothing else."""

import streamlit as st

from components import notifier, services, session

st.set_page_config(page_title="Easel", page_icon=":material/palette:", layout="wide")

if st.query_params.get("share"):
    # A share link's visitor: the shared images alone, no navigation, no provider sidebar, no notifier.
    st.navigation([st.Page("pages/shared.py", title="Shared images", icon=":material/share:")], position="hidden").run()
    st.stop()

page = st.navigation([
    st.Page("pages/generate.py", title="Generate", icon=":material/auto_awesome:", default=True),
    st.Page("pages/edit.py", title="Edit", icon=":material/brush:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/tasks.py", title="Tasks", icon=":material/pending_actions:"),
    st.Page("pages/gallery.py", title="Gallery", icon=":material/photo_library:"),
    st.Page("pages/boards.py", title="Boards", icon=":material/dashboard:"),
    st.Page("pages/prompts.py", title="Prompts", icon=":material/bookmarks:"),
    st.Page("pages/png_info.py", title="PNG Info", icon=":material/info:"),
    st.Page("pages/usage.py", title="Usage", icon=":material/monitoring:"),
    st.Page("pages/scorecard.py", title="Scorecard", icon=":material/fact_check:"),
])

session.sidebar()
notifier.notifier(services.get_store(), page=page.url_path)
page.run()
