"""Team sign-in: Streamlit's own OpenID Connect (`st.login`, `st.user`, `st.logout`) when secrets.toml has [auth].

Without [auth] nothing here shows and every browser session is the single user, as before sign-in existed. With
it, a browser that is not signed in gets the sign-in screen and nothing else: no navigation, no provider sidebar,
no page script. A signed-in person sees who they are in the sidebar (an "admin" badge for the e-mails listed in
[team] admins) and can sign out.

`easel.core.identity` cannot import Streamlit, so this module hands it a resolver that reads this session's
`st.user`; it answers None outside a script run (a background thread), where the environment decides.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from easel.core import config, identity
from easel.core.i18n import _
from easel.core.identity import Person

from components import md_escape
from components.errors_view import show_error

__all__ = ["gate", "account", "person_from_user"]

_MODE = "easel.auth_mode"          # "team" or "single", settled by gate() at the start of every run
_KNOWN = "easel.signed_in"         # (st.user's fields, Person): the admin flag looked up once a run, not per query


def person_from_user(user: Mapping) -> Person | None:
    """The person `st.user` describes, or None when nobody is signed in. The id is the lower-cased e-mail; the
    OIDC subject when the provider gives no e-mail, or says outright that the e-mail is not verified (anyone could
    otherwise claim an admin's address at a provider that lets them type one)."""
    if not user.get("is_logged_in"):
        return None
    email = str(user.get("email") or "").strip()
    if user.get("email_verified") is False:
        email = ""
    person_id = email or str(user.get("sub") or "").strip()
    if not person_id:
        return None
    return identity.person(person_id, str(user.get("name") or "").strip())


def _session_person() -> Person | None:
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    mode = st.session_state.get(_MODE)
    if mode == "single":
        return identity.SINGLE
    if mode != "team":
        return None                 # a share link's visitor: no gate ran in this session
    user = st.user.to_dict()
    key = (str(user.get("email") or ""), str(user.get("sub") or ""), str(user.get("name") or ""),
           user.get("is_logged_in"), user.get("email_verified"))
    known = st.session_state.get(_KNOWN)
    if known and known[0] == key:
        return known[1]
    who = person_from_user(user)
    st.session_state[_KNOWN] = (key, who)
    return who


identity.set_person_resolver(_session_person)


def gate(pages: list) -> Person:
    """Settle who this run acts as (call in app.py before the navigation, with its pages). Not signed in while
    [auth] is set: the sign-in screen, then the run stops."""
    # Installed again on every run, not only at import: if something removed it since (a test), it is back.
    identity.set_person_resolver(_session_person)
    if not identity.auth_configured():
        st.session_state[_MODE] = "single"
        return identity.SINGLE
    st.session_state[_MODE] = "team"
    st.session_state.pop(_KNOWN, None)      # [team] admins read afresh every run: a removed admin loses it at once
    who = _session_person()
    if who is None:
        # The app's pages, hidden and never run: a page's own address (a bookmark) finds its page, so Streamlit
        # shows no "page not found" over the sign-in screen, nor falls back to listing pages/ in the sidebar.
        st.navigation(pages, position="hidden")
        _sign_in_screen()
        st.stop()
    return who


def _streamlit_has_auth() -> bool:
    """Whether Streamlit's own secrets (what st.login reads) have [auth]: Easel's file can be another one
    (EASEL_SECRETS_FILE)."""
    try:
        return bool(st.secrets.get("auth"))
    except Exception:  # noqa: BLE001 - no secrets file at all, or an unreadable one: no [auth] for st.login
        return False


def _sign_in_screen() -> None:
    left, middle, right = st.columns([1, 1.4, 1])
    with middle:
        st.space("large")
        with st.container(border=True, key="easel-sign-in"):
            st.markdown("## :material/palette: Easel")
            if not _streamlit_has_auth():
                show_error(_("Sign-in is turned on in {file}, but Streamlit's own secrets have no [auth] section, "
                             "so nobody can sign in. Put [auth] in .streamlit/secrets.toml beside app.py, or list "
                             "{file} in Streamlit's secrets.files option.").format(file=config.secrets_path().name),
                           code="auth_not_in_streamlit_secrets")
                return
            st.write(_("Sign in with your team account to generate, edit and compare images."))
            if st.button(_("Sign in"), type="primary", icon=":material/login:", key="easel.sign_in",
                         width="stretch"):
                st.login()


def account(who: Person) -> None:
    """The sidebar's line saying who is signed in, with the admin badge and the sign-out button (team mode)."""
    if who.single:
        return
    with st.sidebar:
        with st.container(horizontal=True, vertical_alignment="center", key="easel-account"):
            # As code, the address stays text: plain markdown would turn it into a mailto link.
            st.caption(_("Signed in as {person}").format(person="`" + who.id.replace("`", "'") + "`"),
                       help=md_escape(who.name) if who.name and who.name != who.id else None)
            if who.admin:
                st.badge(_("admin"), icon=":material/shield_person:", color="violet")
            st.button(_("Sign out"), key="easel.sign_out", type="tertiary", icon=":material/logout:",
                      on_click=st.logout)
