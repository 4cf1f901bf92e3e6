"""Team sign-in as AppTest runs it: the sign-in screen before anything else, who is signed in in the sidebar, the
team key by fingerprint, and the session's person for easel.core.identity (read from this session's `st.user`,
never from a global). The real OpenID Connect round trip is tests/e2e/test_sign_in_e2e.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_text import element_text
from easel.core import identity
from easel.core.config import key_fingerprint

ROOT = Path(__file__).resolve().parents[2]
AUTH = """[auth]
redirect_uri = "http://127.0.0.1:8501/oauth2callback"
cookie_secret = "apptest-cookie-secret"
client_id = "easel"
client_secret = "apptest-client-secret"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""
TEAM_KEY = "cr_apptest-TEAM-KEY-never-shown-0123456789"


@pytest.fixture
def team_secrets(tmp_path, monkeypatch, demo):
    path = tmp_path / "secrets.toml"
    path.write_text(AUTH + '\n[team]\nadmins = ["Boss@Example.com"]\n\n[providers.qcode]\n'
                    f'api_key = "{TEAM_KEY}"\n')
    monkeypatch.setenv("EASEL_SECRETS_FILE", str(path))
    return path


STREAMLIT_AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "apptest-cookie-secret",
                  "client_id": "easel", "client_secret": "apptest-client-secret",
                  "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def _open(user: dict, *, streamlit_auth: bool = True) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.user = user
    if streamlit_auth:
        at.secrets["auth"] = STREAMLIT_AUTH        # what st.login reads (Easel reads EASEL_SECRETS_FILE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_signed_out_sees_only_the_sign_in_screen(team_secrets):
    at = _open({"is_logged_in": False})
    assert [b.label for b in at.button] == ["Sign in"]
    assert "Sign in with your team account" in at.markdown[1].value
    # No page ran, and nothing of the sidebar was drawn: no provider, no key field, no language switch.
    assert len(at.sidebar.selectbox) == 0 and len(at.text_input) == 0 and len(at.sidebar.button_group) == 0
    assert [t.value for t in at.title] == []
    assert "easel.provider_session" not in at.session_state


def test_sign_in_set_up_for_easel_but_not_for_streamlit_says_so_instead_of_a_broken_button(team_secrets):
    at = _open({"is_logged_in": False}, streamlit_auth=False)
    assert len(at.button) == 0
    assert [e.value for e in at.error] == [
        "Sign\\-in is turned on in secrets\\.toml, but Streamlit's own secrets have no \\[auth\\] section, so nobody can "
        "sign in\\. Put \\[auth\\] in \\.streamlit/secrets\\.toml beside app\\.py, or list secrets\\.toml in "
        "Streamlit's secrets\\.files option\\."]
    assert [c.value for c in at.caption] == ["auth\\_not\\_in\\_streamlit\\_secrets"]
    assert len(at.sidebar.selectbox) == 0 and len(at.text_input) == 0


def test_signed_in_member_sees_who_and_can_sign_out(team_secrets):
    at = _open({"is_logged_in": True, "email": "Ana@Example.com", "name": "Ana Lima", "sub": "oidc|ana"})
    assert [c.value for c in at.sidebar.caption][0] == "Signed in as `ana@example.com`"
    assert at.sidebar.caption[0].proto.help == "Ana Lima"
    assert at.sidebar.button(key="easel.sign_out").label == "Sign out"
    assert "admin" not in element_text(at.sidebar, skip_keys=("easel.sign_out",)).replace("admins", "")
    assert at.title[0].value == "Generate"
    assert at.session_state["easel.auth_mode"] == "team"


def test_an_admin_gets_the_badge(team_secrets):
    at = _open({"is_logged_in": True, "email": "boss@example.com"})
    assert [c.value for c in at.sidebar.caption][0] == "Signed in as `boss@example.com`"
    badges = [m.value for m in at.sidebar.markdown if "admin" in m.value]
    assert badges == [":violet-badge[:material/shield_person: admin]"]


def test_the_team_key_is_labelled_by_fingerprint_and_never_sent_to_the_page(team_secrets):
    at = _open({"is_logged_in": True, "email": "ana@example.com"})
    at.sidebar.selectbox(key="easel.provider").set_value("qcode").run()
    assert not at.exception, [e.value for e in at.exception]
    field = at.sidebar.text_input(key="easel.key.qcode")
    assert field.value == "" and field.placeholder == "team key (type to override)"
    assert f"team key · {key_fingerprint(TEAM_KEY)}" in [c.value for c in at.sidebar.caption]
    assert at.session_state["easel.provider_session"].ready
    assert TEAM_KEY not in element_text(at) and TEAM_KEY not in element_text(at.sidebar)

    # A member's own key still wins for this session, and the team key label goes.
    field.input("cr_my-own-key").run()
    captions = [c.value for c in at.sidebar.caption]
    assert not [c for c in captions if "team key" in c] and "Kept in this browser session only." in captions
    assert at.session_state["easel.provider_session"].client.fingerprint == key_fingerprint("cr_my-own-key")


def _whoami_script():
    import streamlit as st

    from components import auth
    from easel.core import identity

    auth.gate([])          # signed in, or no [auth]: the pages are not needed
    st.write(f"acting as [{identity.current().id}] admin={identity.current().admin}")


def _whoami(user: dict) -> str:
    at = AppTest.from_function(_whoami_script, default_timeout=30)
    at.user = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.markdown[0].value


def test_each_session_resolves_its_own_person(team_secrets):
    assert _whoami({"is_logged_in": True, "email": "Ana@Example.com"}) == "acting as [ana@example.com] admin=False"
    assert _whoami({"is_logged_in": True, "email": "boss@example.com"}) == "acting as [boss@example.com] admin=True"
    # No e-mail from the provider, or one it says is unverified: the OIDC subject is the person.
    assert _whoami({"is_logged_in": True, "sub": "oidc|42"}) == "acting as [oidc|42] admin=False"
    assert _whoami({"is_logged_in": True, "sub": "oidc|7", "email": "boss@example.com",
                    "email_verified": False}) == "acting as [oidc|7] admin=False"
    # Outside any script run (this test's thread), the resolver answers None: the environment decides.
    assert identity.current() == identity.SINGLE


def test_without_auth_every_session_is_the_single_user_even_with_easel_user_set(demo, monkeypatch):
    monkeypatch.setenv("EASEL_USER", "ana@example.com")
    assert _whoami({"is_logged_in": True, "email": "ben@example.com"}) == "acting as [] admin=False"
    at = _open({"email": "test@example.com"})
    assert not [c for c in at.sidebar.caption if "Signed in" in c.value]
    assert len(at.sidebar.button) == 0 or "easel.sign_out" not in [b.key for b in at.sidebar.button]
    # The CLI's environment still names its user outside the app's sessions.
    assert identity.current() == identity.person("ana@example.com")


def test_the_sign_in_screen_and_the_account_line_speak_the_sessions_language(team_secrets):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.query_params["lang"] = "zh"
    at.user = {"is_logged_in": False}
    at.secrets["auth"] = STREAMLIT_AUTH
    at.run()
    assert [b.label for b in at.button] == ["登录"]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.query_params["lang"] = "ko"
    at.user = {"is_logged_in": True, "email": "boss@example.com"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.caption[0].value == "로그인: `boss@example.com`"
    assert at.sidebar.button(key="easel.sign_out").label == "로그아웃"
    assert ":material/shield_person: 관리자]" in " ".join(m.value for m in at.sidebar.markdown)


def test_an_admin_taken_off_the_list_is_a_member_from_the_next_run(team_secrets):
    at = _open({"is_logged_in": True, "email": "boss@example.com"})
    assert [m.value for m in at.sidebar.markdown if "admin" in m.value]
    team_secrets.write_text(team_secrets.read_text().replace('admins = ["Boss@Example.com"]', "admins = []"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [m.value for m in at.sidebar.markdown if "admin" in m.value]
