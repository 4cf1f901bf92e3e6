"""Custom providers: a name, a base URL and a dialect, added in the sidebar for this session (never a key)."""

from __future__ import annotations

import re

import streamlit as st

from easel.core import config
from easel.core.errors import EaselError
from easel.core.i18n import N_, _
from easel.providers import catalog
from easel.providers.catalog import Profile

from components.errors_view import show_error

__all__ = ["ADD_CUSTOM", "PROVIDER_KEY", "custom_profiles", "custom_form"]

ADD_CUSTOM = "__add_custom__"
PROVIDER_KEY = "easel.provider"
_CUSTOM = "easel.custom_providers"
_EXAMPLE_URL = "https://gateway.example/v1"      # an address, the same in every language


def custom_profiles() -> dict[str, Profile]:
    return st.session_state.setdefault(_CUSTOM, {})


def _add_custom() -> None:
    name = (st.session_state.get("easel.custom.name") or "").strip()
    url = (st.session_state.get("easel.custom.url") or "").strip()
    dialect = st.session_state.get("easel.custom.dialect") or "openai"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        st.session_state["easel.custom.error"] = None, N_("Give the provider a name.")
        return
    pid = f"custom-{slug}"
    try:
        base = config.resolve_base_url(pid, url, url)
        profile = catalog.custom_profile(pid, base, dialect, label=name)
    except EaselError as e:
        st.session_state["easel.custom.error"] = e, None
        return
    custom_profiles()[pid] = profile
    st.session_state.pop("easel.custom.error", None)
    st.session_state[PROVIDER_KEY] = pid


def custom_form() -> None:
    with st.form("easel.custom.form", border=True):
        st.text_input(_("Name"), key="easel.custom.name", placeholder=_("My gateway"))
        st.text_input(_("Base URL"), key="easel.custom.url", placeholder=_EXAMPLE_URL)
        st.selectbox(_("Dialect"), catalog.DIALECTS, key="easel.custom.dialect",
                     help=_("openai: the OpenAI Images API · icodeeasy: JSON with image_urls and ?async=1 · "
                            "gccai: tasks"))
        st.form_submit_button(_("Add provider"), on_click=_add_custom, key="easel.custom.add")
    failed = st.session_state.get("easel.custom.error")
    if failed:
        # Kept as the error itself (or an English message id), never as text: it is put into words in the
        # language of the run that shows it.
        error, message = failed
        show_error(error if error is not None else _(message))
