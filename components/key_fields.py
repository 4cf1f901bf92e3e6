"""The sidebar's key and base-URL fields: a typed key stays in this session only; secrets and the environment are
the fallbacks, shown by fingerprint (with sign-in on, as the "team key")."""

from __future__ import annotations

import streamlit as st

from easel.core import config, identity
from easel.core.i18n import N_, _
from easel.providers.catalog import Profile

from components import md_escape
from components.provider_session import short_url

__all__ = ["key_widget", "base_url_widget", "key_hint"]

_TYPED = "easel.typed_keys"       # provider id → key typed this session; survives switching providers

# Where a first-time user finds a key: only what the providers' own docs (../shared/providers/) say.
_WHERE = {
    "icodeeasy": N_("Get one from your icodeeasy account (sk_…)."),
    "qcode": N_("Get one from your QCode.cc dashboard (cr_…)."),
    "gccai": N_("Get one on gccai's API Key page."),
    "openai-hk": N_("Get one from your openai-hk account (hk-…)."),
    "openai": N_("The key of the service at the base URL below."),
}
_STAYS = N_("Kept in this browser session only.")


def key_hint(profile: Profile) -> str:
    """The short line under an empty key field: where to get a key, and that it stays in this session."""
    where = _(_WHERE[profile.id]) if profile.id in _WHERE else _("The key {provider} gave you.").format(
        provider=profile.label)
    return f"{where} {_(_STAYS)}"


def _remember_typed(pid: str) -> None:
    st.session_state.setdefault(_TYPED, {})[pid] = st.session_state.get(f"easel.key.{pid}") or ""


def key_widget(profile: Profile) -> config.KeySource:
    pid = profile.id
    typed = st.session_state.setdefault(_TYPED, {}).get(pid, "")
    widget = f"easel.key.{pid}"
    if widget not in st.session_state:
        st.session_state[widget] = typed
    ambient = config.resolve_key(pid) if not profile.custom else config.KeySource(None, "")
    # Signed in (team mode), a key from secrets or the server's environment is the team's: an admin put it there,
    # members use it and see only its fingerprint, and may still type a key of their own for this session.
    team = identity.auth_configured() and ambient.source in ("environment", "secrets")
    overridable = {"environment": _("key from environment (type to override)"),
                   "secrets": _("key from secrets (type to override)")}.get(ambient.source)
    if team:
        overridable = _("team key (type to override)")
    placeholder = overridable or (f"{profile.key_prefix}…" if profile.key_prefix else "")
    ambient_help = "" if profile.custom else " " + _(
        "Or set {variable}, or {section} api_key in .streamlit/secrets.toml.").format(
        variable=f"EASEL_{profile.env_id}_API_KEY", section=f"[providers.{pid}]")
    if team:
        ambient_help = " " + _("Leave it empty to use the team key.")
    st.text_input(_("{provider} API key").format(provider=profile.label), type="password", key=widget,
                  on_change=_remember_typed, args=(pid,), placeholder=placeholder, autocomplete="off",
                  help=_("Used in this browser session only, never stored.") + ambient_help)
    source = config.resolve_key(pid, st.session_state.get(widget)) if not profile.custom \
        else config.KeySource((st.session_state.get(widget) or "").strip() or None, "typed")
    if source.source in ("environment", "secrets"):
        origin = _("team key") if team else _("key from environment") if source.source == "environment" \
            else _("key from secrets")
        st.caption(f"{origin} · {source.fingerprint}")
    elif source.key:
        st.caption(_(_STAYS))
    else:
        st.caption(md_escape(key_hint(profile)))
    return source


def base_url_widget(profile: Profile) -> str:
    pid = profile.id
    if profile.regions:
        labels = list(profile.regions)
        # The regions' names are the catalog's; `_` shows them translated where a catalog has them.
        region = st.selectbox(_("Region"), labels, key=f"easel.region.{pid}", format_func=_,
                              help=_("QCode's entry points. The direct China entry has no CDN 100 s limit."))
        default = profile.regions[region]
        with _address_box(default, pid):
            typed = st.text_input(_("Base URL override"), key=f"easel.base_url.{pid}", placeholder=default)
        # An explicit region choice beats the secrets/env base URL; the typed override beats both.
        if typed or region != labels[0]:
            return config.resolve_base_url(pid, default, typed or default)
        return config.resolve_base_url(pid, default)
    default = config.resolve_base_url(pid, profile.base_url) if not profile.custom else profile.base_url
    with _address_box(default, pid):
        typed = st.text_input(_("Base URL override"), key=f"easel.base_url.{pid}", placeholder=default)
    return config.resolve_base_url(pid, default, typed or default)


def _address_box(default: str, pid: str):
    """The base URL override, folded away: most people never change it, and the sidebar is narrow."""
    return st.expander(_("Base URL: {host}").format(host=short_url(default)), icon=":material/link:",
                       key=f"easel.base_url_box.{pid}")
