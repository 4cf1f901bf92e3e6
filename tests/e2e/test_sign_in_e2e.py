"""Team sign-in in a real browser: `streamlit run app.py` with [auth] in its secrets, Streamlit's own `st.login`
flow against a real OpenID Connect provider on loopback (oidc-provider-mock, tests/oidc_server.py), Chromium.

The app reads a secrets file of the test's own (Streamlit through STREAMLIT_SECRETS_FILES, Easel through
EASEL_SECRETS_FILE), so the repository's .streamlit is never touched. It holds [auth], [team] admins and a team
key for QCode (pointed at the simulator). The tests: signing in, generating and signing out; the admin's badge; and
that the team key's text is in no page's HTML, for a member or the admin, nor in the database, the usage CSV, or the
server's log (debug level) — only its fingerprint.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from browsing import generate
from oidc_server import ADMIN, free_port, oidc_provider  # noqa: F401 - oidc_provider is a fixture
from easel.core.config import key_fingerprint
from easel.simulator.routes import prefix_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TEAM_KEY = f"sk_test_TEAMKEYSENTINEL_{uuid.uuid4().hex}"
PAGES = ("Generate", "Edit", "Compare", "Tasks", "Gallery", "Boards", "Prompts", "PNG Info", "Usage", "Scorecard")


@pytest.fixture(scope="module")
def team_app(simulator, oidc_provider, tmp_path_factory, start_app):  # noqa: F811 - the fixture, imported above
    base = tmp_path_factory.mktemp("sign-in")
    port = free_port()
    secrets = base / "team-secrets.toml"
    secrets.write_text(oidc_provider.auth_secrets(f"http://127.0.0.1:{port}") + "\n".join([
        "[team]",
        f'admins = ["{ADMIN.upper()}"]',          # listed in any case: e-mails compare lower-cased
        "",
        "[providers.qcode]",
        f'api_key = "{TEAM_KEY}"',
        f'base_url = "{simulator.url + prefix_for("qcode")}"',
        "",
    ]))
    env = {"EASEL_SECRETS_FILE": str(secrets), "STREAMLIT_SECRETS_FILES": str(secrets)}
    with start_app(base, simulator, env, debug=True, port=port) as server:
        yield server


def _new_page(browser, app):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app.url)
    return context, page


def _at_sign_in_screen(page, wait_idle) -> None:
    page.get_by_text("Sign in with your team account").wait_for()
    wait_idle(page)
    assert page.get_by_role("button", name="Sign in").count() == 1
    # Nothing of the app before signing in: no navigation, no provider sidebar, no key field.
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    assert page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").count() == 0
    assert page.locator("input[type='password']").count() == 0


def _sign_in(page, wait_idle, who: str) -> None:
    page.get_by_role("button", name="Sign in").click()
    # The provider's own form: a button per predefined user, named by their subject.
    page.get_by_role("button", name=who, exact=True).click()
    page.locator("[data-testid='stSidebar']").get_by_text(f"Signed in as {who}").wait_for()
    wait_idle(page)


def test_sign_in_generate_and_sign_out(team_app, browser, wait_idle, go):
    context, page = _new_page(browser, team_app)
    try:
        _at_sign_in_screen(page, wait_idle)
        page.screenshot(path="/tmp/easel-sign-in.png")
        _sign_in(page, wait_idle, "ana@example.com")
        sidebar = page.locator("[data-testid='stSidebar']")
        assert sidebar.locator("[data-testid='stSidebarNav']").count() == 1
        # A member: no admin badge.
        assert sidebar.locator("[data-testid='stMarkdownContainer']", has_text="admin").count() == 0

        generate(page, wait_idle, "a signed-in fox")
        assert page.locator("[data-testid='stImage'] img").count() >= 1
        page.screenshot(path="/tmp/easel-signed-in.png")

        sidebar.get_by_role("button", name="Sign out").click()
        # The provider's end-session page (it has an end_session_endpoint), then back to the app, signed out.
        page.get_by_role("button", name="End session").click()
        _at_sign_in_screen(page, wait_idle)
        # And a new visit in that browser is still signed out (the identity cookie is gone).
        page.goto(team_app.url)
        _at_sign_in_screen(page, wait_idle)
    finally:
        context.close()

    # The job is Ana's in the usage log: the owner and the Demo key's fingerprint, never a key.
    import sqlite3

    with sqlite3.connect(team_app.data_dir / "easel.db") as db:
        rows = db.execute("SELECT owner, provider, prompt FROM jobs WHERE prompt = 'a signed-in fox'").fetchall()
    assert rows == [("ana@example.com", "demo", "a signed-in fox")]


def test_an_admin_sees_the_admin_badge(team_app, browser, wait_idle):
    context, page = _new_page(browser, team_app)
    try:
        # A page's own address, signed out, is the sign-in screen too: no page script runs before sign-in.
        page.goto(f"{team_app.url}/gallery")
        _at_sign_in_screen(page, wait_idle)
        assert page.locator("h1", has_text="Gallery").count() == 0
        page.wait_for_timeout(1500)         # Streamlit would say "page not found" in a dialog by now
        assert page.locator("[role='dialog']").count() == 0
        page.screenshot(path="/tmp/easel-deep-link.png")
        # The provider gives her e-mail as Boss@Example.com: Easel's person is the lower-cased address.
        _sign_in(page, wait_idle, ADMIN)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert sidebar.get_by_text("Signed in as boss@example.com").count() == 1
        page.screenshot(path="/tmp/easel-admin.png")
        assert sidebar.locator("[data-testid='stMarkdownContainer']", has_text="admin").count() == 1
    finally:
        context.close()


def _visible_html(page) -> str:
    """The page's DOM with the value of every input (a password field's own typed value included) and every
    shadow root's HTML (the Gallery's grid draws in one)."""
    return page.evaluate("""() => {
        const doc = document.documentElement.cloneNode(true);
        const live = document.querySelectorAll('input');
        doc.querySelectorAll('input').forEach((el, i) => { if (live[i]) el.setAttribute('value', live[i].value); });
        return doc.outerHTML + [...document.querySelectorAll('*')].filter(e => e.shadowRoot)
            .map(e => e.shadowRoot.innerHTML).join('');
    }""")


def _pick_provider(page, label: str, wait_idle) -> None:
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name=label, exact=False).first.click()
    wait_idle(page)


def test_the_team_key_is_shown_by_fingerprint_only(team_app, browser, wait_idle, go):
    fingerprint = key_fingerprint(TEAM_KEY)
    seen: dict[str, str] = {}
    for who in ("ben@example.com", ADMIN):
        context, page = _new_page(browser, team_app)
        try:
            _at_sign_in_screen(page, wait_idle)
            seen[f"{who}/sign-in"] = _visible_html(page)
            _sign_in(page, wait_idle, who)
            _pick_provider(page, "QCode", wait_idle)
            sidebar = page.locator("[data-testid='stSidebar']")
            assert sidebar.get_by_text(f"team key · {fingerprint}").count() == 1
            assert sidebar.locator("input[type='password']").input_value() == ""      # the field stays empty
            page.screenshot(path="/tmp/easel-team-key.png")
            generate(page, wait_idle, f"a lantern for {who}")
            for title in PAGES:
                go(page, title)
                seen[f"{who}/{title}"] = _visible_html(page)
        finally:
            context.close()

    # Both generated with the team key: the usage log has who and the key's fingerprint; the pages never had the key.
    import sqlite3

    with sqlite3.connect(team_app.data_dir / "easel.db") as db:
        used = db.execute("SELECT owner, prompt, key_fingerprint, status FROM jobs WHERE provider = 'qcode' "
                          "ORDER BY created_at").fetchall()
    assert used == [(who, f"a lantern for {who}", fingerprint, "completed") for who in ("ben@example.com", ADMIN)]
    leaked = [name for name, html in seen.items() if TEAM_KEY in html or TEAM_KEY[8:30] in html]
    assert leaked == []
    assert any(fingerprint in html for html in seen.values())

    # The store: the database file and its WAL hold the fingerprint, never the key.
    stored = b"".join(p.read_bytes() for p in team_app.data_dir.glob("easel.db*"))
    assert TEAM_KEY.encode() not in stored and fingerprint.encode() in stored

    # The usage export, as `easel usage --csv` writes it from the same data directory.
    env = {"PATH": "/usr/bin:/bin", "EASEL_DATA_DIR": str(team_app.data_dir), "EASEL_LANG": "en",
           "EASEL_SECRETS_FILE": str(team_app.data_dir.parent / "team-secrets.toml"), "PYTHONPATH": str(ROOT)}
    csv = subprocess.run([sys.executable, "-m", "easel.cli", "usage", "--csv"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.count(f",{fingerprint},") == 2          # both QCode requests, by the key's fingerprint
    assert TEAM_KEY not in csv.stdout + csv.stderr

    # The server's own output at debug level.
    log = team_app.log.read_text(errors="replace")
    assert log and TEAM_KEY not in log
