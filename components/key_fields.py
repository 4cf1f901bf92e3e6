"""The sidebar's key and base-URL fields: a typed key stays in this session only; secrets and the environment are
the fallbacks, shown by fingerprint."""

from __future__ import annotations

import streamlit as st

from easel.core import config
from easel.providers.catalog import Profile

from components import md_escape
from components.provider_session import short_url

__all__ = ["key_widget", "base_url_widget", "key_hint"]

_TYPED = "easel.typed_keys"       # provider id → key typed this session; survives switching providers

# Where a first-time user finds a key: only what the providers' own docs (../shared/providers/) say.
_WHERE = {
    "icodeeasy": "Get one from your icodeeasy account (sk_…).",
    "qcode": "Get one from your QCode.cc dashboard (cr_…).",
    "gccai": "Get one on gccai's API Key page.",
    "openai-hk": "Get one from your openai-hk account (hk-…).",
    "openai": "The key of the service at the base URL below.",
}
_STAYS = "Kept in this browser session only."


def key_hint(profile: Profile) -> str:
    """The short line under an empty key field: where to get a key, and that it stays in this session."""
    where = _WHERE.get(profile.id) or f"The key {profile.label} gave you."
    return f"{where} {_STAYS}"


def _remember_typed(pid: str) -> None:
    st.session_state.setdefault(_TYPED, {})[pid] = st.session_state.get(f"easel.key.{pid}") or ""


def key_widget(profile: Profile) -> config.KeySource:
    pid = profile.id
    typed = st.session_state.setdefault(_TYPED, {}).get(pid, "")
    widget = f"easel.key.{pid}"
    if widget not in st.session_state:
        st.session_state[widget] = typed
    ambient = config.resolve_key(pid) if not profile.custom else config.KeySource(None, "")
    hint = {"environment": "key from environment", "secrets": "key from secrets"}.get(ambient.source)
    placeholder = f"{hint} (type to override)" if hint else (f"{profile.key_prefix}…" if profile.key_prefix else "")
    ambient_help = "" if profile.custom else (f" Or set EASEL_{profile.env_id}_API_KEY, or [providers.{pid}] api_key "
                                              f"in .streamlit/secrets.toml.")
    st.text_input(f"{profile.label} API key", type="password", key=widget, on_change=_remember_typed, args=(pid,),
                  placeholder=placeholder, autocomplete="off",
                  help=f"Used in this browser session only, never stored.{ambient_help}")
    source = config.resolve_key(pid, st.session_state.get(widget)) if not profile.custom \
        else config.KeySource((st.session_state.get(widget) or "").strip() or None, "typed")
    if source.source in ("environment", "secrets"):
        st.caption(f"key from {source.source} · {source.fingerprint}")
    elif source.key:
        st.caption(_STAYS)
    else:
        st.caption(md_escape(key_hint(profile)))
    return source


def base_url_widget(profile: Profile) -> str:
    pid = profile.id
    if profile.regions:
        labels = list(profile.regions)
        region = st.selectbox("Region", labels, key=f"easel.region.{pid}",
                              help="QCode's entry points. The direct China entry has no CDN 100 s limit.")
        default = profile.regions[region]
        with _address_box(default):
            typed = st.text_input("Base URL override", key=f"easel.base_url.{pid}", placeholder=default)
        # An explicit region choice beats the secrets/env base URL; the typed override beats both.
        if typed or region != labels[0]:
            return config.resolve_base_url(pid, default, typed or default)
        return config.resolve_base_url(pid, default)
    default = config.resolve_base_url(pid, profile.base_url) if not profile.custom else profile.base_url
    with _address_box(default):
        typed = st.text_input("Base URL override", key=f"easel.base_url.{pid}", placeholder=default)
    return config.resolve_base_url(pid, default, typed or default)


def _address_box(default: str):
    """The base URL override, folded away: most people never change it, and the sidebar is narrow."""
    return st.expander(f"Base URL: {short_url(default)}", icon=":material/link:")
