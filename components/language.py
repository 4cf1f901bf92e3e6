"""The session's language: chosen once per run from the URL, the session or the browser, and the sidebar picker.

Order: `?lang=` (a shared link opens in its sender's language), then the choice already made in this session,
then the browser's language (`st.context.locale`), then English. The choice is written back to the URL on every
run, because Streamlit drops query parameters when the user moves to another page.

`easel.core.i18n` cannot import Streamlit, so this module hands it resolvers that read this session's choice and
time zone; they answer None outside a script run (a background thread), where the environment decides.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from easel.core import i18n
from easel.core.i18n import _

__all__ = ["apply", "picker", "LANG_STATE"]

LANG_STATE = "easel.lang"
_PICKER = "easel.lang_picker"


def _session_language() -> str | None:
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(LANG_STATE)


def _browser_timezone() -> str | None:
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.context.timezone


i18n.set_language_resolver(_session_language)
i18n.set_timezone_resolver(_browser_timezone)


def apply() -> str:
    """Settle this run's language (call first in app.py, before any text is drawn) and return it."""
    # Checked on every run, not only at import: if something removed them since (a test), they are back.
    i18n.ensure_resolvers(_session_language, _browser_timezone)
    lang = (i18n.normalize(st.query_params.get("lang")) or st.session_state.get(LANG_STATE)
            or i18n.normalize(st.context.locale) or i18n.DEFAULT_LANGUAGE)
    st.session_state[LANG_STATE] = lang
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    return lang


def _switch() -> None:
    chosen = st.session_state.get(_PICKER)
    if chosen:
        st.session_state[LANG_STATE] = chosen
        st.query_params["lang"] = chosen


def picker() -> None:
    """The sidebar's language switch. Widgets keep their values across the switch because they are keyed, and
    a running job lives in the store, not in the page."""
    st.session_state[_PICKER] = st.session_state[LANG_STATE]
    with st.sidebar:
        st.segmented_control(_("Language"), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get,
                             key=_PICKER, required=True, on_change=_switch, label_visibility="collapsed")
