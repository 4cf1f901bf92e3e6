"""The sidebar on a fresh install (no keys, no secrets file, no EASEL_* variables: tests/conftest.py clears them):
every built-in provider can be picked, picking one asks for its key right there, Demo shows neither a fingerprint
nor its loopback address, and problems lead with plain words with their code after them in small text."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from components import md_escape
from components.session import NO_KEY
from easel.core.config import key_fingerprint
from easel.providers import catalog

from apptest_text import element_text

import pytest
# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]

BUILTIN_LABELS = ["Demo (offline simulator)", "icodeeasy", "QCode", "gccai", "openai-hk", "OpenAI-compatible"]


def test_every_builtin_provider_is_offered_on_a_bare_environment(app):
    box = app.sidebar.selectbox(key="easel.provider")
    assert box.options == [*BUILTIN_LABELS, "Add custom provider…"]
    assert box.value == "demo"


def test_picking_a_provider_with_no_key_asks_for_it_in_the_sidebar(app):
    at = app
    at.sidebar.selectbox(key="easel.provider").set_value("qcode").run()
    assert not at.exception, [e.value for e in at.exception]
    field = at.sidebar.text_input(key="easel.key.qcode")
    assert field.label == "QCode API key" and field.value == "" and field.placeholder == "cr_…"
    captions = [c.value for c in at.sidebar.caption]
    assert any("QCode" in c and "Kept in this browser session only" in c for c in captions), captions
    assert [w.value for w in at.sidebar.warning] == [md_escape(NO_KEY)]
    # No environment variable is asked for (the field's tooltip mentions it, for those who want one).
    assert not [t for t in [*captions, *(w.value for w in at.sidebar.warning)] if "EASEL" in t]
    sess = at.session_state["easel.provider_session"]
    assert not sess.ready and sess.client is None

    # Typed, it is ready: fingerprint, then the host only (no request is made to QCode here).
    key = "cr_test-first-run-key"
    field.input(key).run()
    assert [t.value for t in at.sidebar.text] == [f"Ready · {key_fingerprint(key)}\napi.qcode.cc"]
    assert md_escape("https://api.qcode.cc/qcode-img/v1") in at.sidebar.text[0].proto.help
    assert at.session_state["easel.provider_session"].ready
    assert len(at.sidebar.warning) == 0


def test_every_builtin_provider_can_be_picked(app):
    at = app
    for pid in catalog.BUILTIN:
        if pid == "demo":
            continue
        at.sidebar.selectbox(key="easel.provider").set_value(pid).run()
        assert not at.exception, (pid, [e.value for e in at.exception])
        assert at.sidebar.text_input(key=f"easel.key.{pid}").value == ""
        assert [w.value for w in at.sidebar.warning] == [md_escape(NO_KEY)], pid


def test_demo_shows_no_fingerprint_and_no_simulator_address(app, demo):
    text = element_text(app.sidebar)
    assert [t.value for t in app.sidebar.text] == ["Ready · offline demo\nfree · no key needed"]
    assert "fp-" not in text and "127.0.0.1" not in text and demo.url not in text
    assert app.session_state["easel.provider_session"].ready


def test_a_key_from_the_environment_still_shows_as_such(app, sim, monkeypatch):
    monkeypatch.setenv("EASEL_GCCAI_API_KEY", "test-gccai-env-key")
    at = app
    at.sidebar.selectbox(key="easel.provider").set_value("gccai").run()
    captions = [c.value for c in at.sidebar.caption]
    assert f"key from environment · {key_fingerprint('test-gccai-env-key')}" in captions
    assert at.sidebar.text_input(key="easel.key.gccai").placeholder == "key from environment (type to override)"
    assert [t.value for t in at.sidebar.text] == [
        f"Ready · {key_fingerprint('test-gccai-env-key')}\ngccai.heqingsong.uk"]


def test_a_bad_base_url_is_plain_words_with_its_code_in_small_text(app):
    at = app
    at.sidebar.selectbox(key="easel.provider").set_value("openai-hk").run()
    at.sidebar.text_input(key="easel.key.openai-hk").input("hk-test-key").run()
    at.sidebar.text_input(key="easel.base_url.openai-hk").input("ftp://example.invalid").run()
    assert not at.exception, [e.value for e in at.exception]
    [error] = at.sidebar.error
    assert error.value.startswith(md_escape("Base URL must start with https://"))
    assert "[" not in error.value and "bad\\_base\\_url" not in error.value
    assert md_escape("bad_base_url") in [c.value for c in at.sidebar.caption]
    sess = at.session_state["easel.provider_session"]
    assert not sess.ready and sess.code == "bad_base_url" and "[" not in sess.problem


def test_a_custom_provider_error_is_split_the_same_way(app):
    at = app
    at.sidebar.selectbox(key="easel.provider").set_value("__add_custom__").run()
    at.sidebar.text_input(key="easel.custom.name").input("Gateway")
    at.sidebar.text_input(key="easel.custom.url").input("gopher://nowhere")
    at.sidebar.button[0].click().run()
    [error] = at.sidebar.error
    assert error.value.startswith(md_escape("Base URL must start with")) and "bad\\_base\\_url" not in error.value
    assert md_escape("bad_base_url") in [c.value for c in at.sidebar.caption]


def test_keys_typed_for_two_providers_stay_with_their_provider(app):
    """Switching providers keeps each one's typed key (this session only) and shows the right fingerprint."""
    at = app
    at.sidebar.selectbox(key="easel.provider").set_value("qcode").run()
    at.sidebar.text_input(key="easel.key.qcode").input("cr_test-one").run()
    at.sidebar.selectbox(key="easel.provider").set_value("icodeeasy").run()
    assert [w.value for w in at.sidebar.warning] == [md_escape(NO_KEY)]
    at.sidebar.text_input(key="easel.key.icodeeasy").input("sk_test-two").run()
    at.sidebar.selectbox(key="easel.provider").set_value("qcode").run()
    assert at.sidebar.text[0].value.startswith(f"Ready · {key_fingerprint('cr_test-one')}")


def test_a_fresh_session_opens_on_demo(app):
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    fresh.run()
    assert fresh.session_state["easel.provider"] == "demo"
    assert "fp-" not in element_text(fresh.sidebar)
