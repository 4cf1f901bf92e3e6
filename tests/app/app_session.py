"""One browser session on the whole app, as AppTest runs it: app.py (navigation, sidebar, language), then a page.

Imported by the tests in this folder (pytest puts a test file's folder on sys.path)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_app(page: str | None = None, *, query: dict | None = None, state: dict | None = None,
             context: dict | None = None, timeout: float = 30) -> AppTest:
    """The app opened as a link with `query` opens it (e.g. {"lang": "zh"}), with `state` already in the session
    and the browser's `context` (e.g. {"locale": "ko-KR"}), then `page` as a click in the navigation opens it.
    Fails on any exception the runs raised."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    for name, value in (state or {}).items():
        at.session_state[name] = value
    if context is not None:
        at.context = context
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def start_comparison(at: AppTest) -> str:
    """Click Compare's button, as set up on `at`, and return the new comparison's id from the URL."""
    at.button(key="cmp.go").click().run()
    cid = at.query_params["comparison"]
    return cid[0] if isinstance(cid, list) else cid
