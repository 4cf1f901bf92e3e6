"""This browser session's one ProviderClient: rebuilt only when provider, key or base URL change, and closed when
Streamlit releases the session. Never a global cache: that would hand one visitor's key to the next."""

from __future__ import annotations

import streamlit as st

from easel.core import config
from easel.providers.catalog import Profile
from easel.providers.client import ProviderClient

from components import services

__all__ = ["client_for"]

_CLIENT = "easel.client"
_CLIENT_SIG = "easel.client_sig"


class _ClientHolder:
    """Holds this session's client so it can be closed when Streamlit releases the session."""

    def __init__(self) -> None:
        self.client = None

    def replace(self, client) -> None:
        old, self.client = self.client, client
        if old is not None and old is not client:
            old.close()


def _release(holder: _ClientHolder) -> None:
    holder.replace(None)


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _holder() -> _ClientHolder:
    return _ClientHolder()


def client_for(profile: Profile, key: str, base_url: str):
    """The session's client, rebuilt only when provider, key fingerprint or base URL change."""
    sig = (profile.id, config.key_fingerprint(key), base_url, profile.dialect)
    client = st.session_state.get(_CLIENT)
    if client is None or st.session_state.get(_CLIENT_SIG) != sig:
        client = ProviderClient(profile, key, base_url=base_url)
        _holder().replace(client)
        st.session_state[_CLIENT] = client
        st.session_state[_CLIENT_SIG] = sig
        # So the poller can resume this session's provider tasks after the client is replaced.
        services.get_jobs().register(client)
    return client
