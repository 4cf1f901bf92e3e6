"""Who is acting, from secrets.toml and `st.user`: team mode ([auth]), admins ([team] admins, any case, a list or
one string), and the person a signed-in `st.user` describes (components/auth.person_from_user)."""

from __future__ import annotations

import pytest

from components.auth import person_from_user
from easel.core import identity
from easel.core.errors import ConfigError
from easel.core.identity import Person


@pytest.fixture
def secrets(tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    monkeypatch.setenv("EASEL_SECRETS_FILE", str(path))
    monkeypatch.delenv("EASEL_USER", raising=False)
    return path


AUTH = ('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "s"\nclient_id = "c"\n'
        'client_secret = "x"\nserver_metadata_url = "https://id.example.com/.well-known/openid-configuration"\n')


def test_team_mode_is_an_auth_section_in_secrets(secrets):
    assert identity.auth_configured() is False                  # no secrets file at all
    secrets.write_text('[providers.qcode]\napi_key = "cr_x"\n')
    assert identity.auth_configured() is False
    secrets.write_text("[auth]\n")                               # an empty section turns nothing on
    assert identity.auth_configured() is False
    secrets.write_text(AUTH)
    assert identity.auth_configured() is True
    secrets.write_text('[auth]\nredirect_uri = "http://x/oauth2callback"\n[auth.google]\nclient_id = "c"\n')
    assert identity.auth_configured() is True                   # a named provider's section counts too


def test_admins_are_listed_by_e_mail_in_any_case(secrets):
    assert identity.admin_emails() == frozenset()
    secrets.write_text(AUTH + '[team]\nadmins = ["Boss@Example.com", " ops@example.com ", ""]\n')
    assert identity.admin_emails() == {"boss@example.com", "ops@example.com"}
    assert identity.person("BOSS@example.com") == Person("boss@example.com", "boss@example.com", True)
    assert identity.person("ana@example.com", "Ana").admin is False
    secrets.write_text(AUTH + '[team]\nadmins = "boss@example.com"\n')       # one admin, written as a string
    assert identity.admin_emails() == {"boss@example.com"}


def test_a_broken_secrets_file_is_a_clear_error_not_a_traceback(secrets):
    secrets.write_text("[team\nadmins = [")
    with pytest.raises(ConfigError) as err:
        identity.admin_emails()
    assert err.value.code == "bad_secrets_file" and "secrets.toml could not be read" in err.value.user_message()


def test_the_person_st_user_describes(secrets):
    secrets.write_text(AUTH + '[team]\nadmins = ["boss@example.com"]\n')
    assert person_from_user({}) is None
    assert person_from_user({"is_logged_in": False, "email": "ana@example.com"}) is None
    assert person_from_user({"is_logged_in": True, "email": " Ana@Example.COM ", "name": "Ana Lima"}) == Person(
        "ana@example.com", "Ana Lima", False)
    assert person_from_user({"is_logged_in": True, "email": "Boss@example.com"}) == Person(
        "boss@example.com", "boss@example.com", True)
    # No e-mail: the OIDC subject. An e-mail the provider calls unverified is not trusted as an identity.
    assert person_from_user({"is_logged_in": True, "sub": "oidc|42"}).id == "oidc|42"
    assert person_from_user({"is_logged_in": True, "sub": "oidc|7", "email": "boss@example.com",
                             "email_verified": False}) == Person("oidc|7", "oidc|7", False)
    assert person_from_user({"is_logged_in": True, "email": "boss@example.com", "email_verified": True}).admin
    assert person_from_user({"is_logged_in": True}) is None      # nothing to name the person by


def test_outside_a_script_run_the_session_resolver_answers_none(secrets, monkeypatch):
    from components import auth

    secrets.write_text(AUTH)
    assert auth._session_person() is None
    identity.set_person_resolver(auth._session_person)
    monkeypatch.setenv("EASEL_USER", "ana@example.com")
    assert identity.current() == identity.person("ana@example.com")       # the environment decides
    monkeypatch.delenv("EASEL_USER")
    assert identity.current() is identity.SINGLE
