"""The shared sidebar: which provider, which key, which base URL; and the ProviderSession every page reads.

The key lives only in this session's `st.session_state` and in the client built from it (plus the process's
in-memory KeyRing, so this session's async tasks can be polled). The pieces: services (process-wide),
client_cache (this session's client), key_fields, custom_providers and demo_provider.
"""

from __future__ import annotations

import streamlit as st

from easel.core.errors import EaselError
from easel.core.i18n_text import shown
from easel.core.i18n import N_, _
from easel.providers import catalog

from components import md_escape, services
from components.client_cache import client_for
from components.custom_providers import ADD_CUSTOM, PROVIDER_KEY, custom_form, custom_profiles
from components.demo_provider import DEMO_KEY, demo_session
from components.errors_view import error_parts, show_error
from components.key_fields import base_url_widget, key_widget
from components.provider_session import ProviderSession

__all__ = ["ProviderSession", "sidebar", "current", "provider_options", "provider_label", "PROVIDER_KEY", "DEMO_KEY",
           "NO_KEY"]

_STATE = "easel.provider_session"


NO_KEY = N_("No API key yet: type it above")     # a message id: pages compare sess.problem with _(NO_KEY)


def provider_options() -> list[str]:
    """Demo first, then every built-in provider (configured or not: picking one asks for its key right there),
    this session's custom providers, and the entry that adds one."""
    builtin = [pid for pid in catalog.BUILTIN if pid != "demo"]
    return ["demo", *builtin, *custom_profiles(), ADD_CUSTOM]


def provider_label(pid: str) -> str:
    if pid == ADD_CUSTOM:
        return _("Add custom provider…")
    # No session_state here: Streamlit may format options outside a script run. Custom profiles are
    # registered in the catalog (a name, a URL and a dialect; never a key), so the label is found there.
    try:
        p = catalog.get_profile(pid)
    except EaselError:
        return pid
    if p.custom:
        return _("{provider} (custom, {dialect})").format(provider=p.label, dialect=p.dialect)
    return shown(p.label)       # "Demo (offline simulator)" is Easel's words; a provider's name has no entry


def _failed(profile, key, base_url: str, e: EaselError) -> ProviderSession:
    message, code = error_parts(e)
    return ProviderSession(profile, None, key.source, base_url, message, key.fingerprint, code)


def _provider_session(pid: str) -> ProviderSession:
    profile = custom_profiles().get(pid) or catalog.get_profile(pid)
    key = key_widget(profile)
    try:
        base_url = base_url_widget(profile)
    except EaselError as e:
        return _failed(profile, key, "", e)
    if not key.key:
        # The field right above says where to get a key; the environment route is in its help.
        return ProviderSession(profile, None, key.source, base_url, _(NO_KEY))
    try:
        client = client_for(profile, key.key, base_url)
    except EaselError as e:
        return _failed(profile, key, base_url, e)
    return ProviderSession(profile, client, key.source, base_url, None, key.fingerprint)


def _status(sess: ProviderSession) -> None:
    if sess.problem and sess.code:
        show_error(sess.problem, code=sess.code, icon=":material/error:")
    elif sess.problem:
        show_error(sess.problem, code="", level="warning", icon=":material/key_off:")
    elif sess.demo:
        st.text(sess.status_line())
    else:
        st.text(sess.status_line(), help=_("Requests go to {url}").format(url=md_escape(sess.base_url)))


def sidebar() -> ProviderSession:
    """Draw the shared sidebar (once per run, from app.py) and return this session's provider."""
    services.session_id()
    with st.sidebar:
        options = provider_options()
        if st.session_state.get(PROVIDER_KEY) not in options:
            st.session_state[PROVIDER_KEY] = "demo"
        pid = st.selectbox(_("Provider"), options, key=PROVIDER_KEY, format_func=provider_label)
        if pid == ADD_CUSTOM:
            custom_form()
            sess = ProviderSession(catalog.BUILTIN["demo"], None, "", "", _("Add the provider, then pick it above."))
        elif pid == "demo":
            sess = demo_session()
        else:
            sess = _provider_session(pid)
        _status(sess)
    st.session_state[_STATE] = sess
    return sess


def current() -> ProviderSession:
    """This run's provider session, as app.py's sidebar() set it up."""
    sess = st.session_state.get(_STATE)
    if sess is None:
        return sidebar()
    return sess
