"""Every page runs through app.py's router, even when a fresh server's very first request is a deep link.

Streamlit decides once per process whether an app is a "pages/ folder" app (v1) or an `st.navigation` app (v2),
and it guesses v1 whenever a `pages/` folder sits beside the main script, until a script run calls
`st.navigation`. So when the first request a new server gets is `/edit`, Streamlit runs pages/edit.py on its own:
no page config (a narrow layout), file names as the navigation, no sidebar from app.py. That lasts until some
session happens to open `/`. The page calls `ensure_routed()` first; in that one case it corrects Streamlit's
guess and reruns, and the rerun goes through app.py to the same page.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

__all__ = ["ensure_routed"]


def ensure_routed() -> None:
    # PagesManager.uses_pages_directory is Streamlit's own flag (None, True for v1, False once st.navigation
    # ran); st.navigation sets it to False itself, so setting it here only brings that moment forward.
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
