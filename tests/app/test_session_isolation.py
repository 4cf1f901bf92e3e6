"""Two browser sessions in one process: a key typed in one never reaches the other.

Both sessions run the real app (two AppTest instances share this process, as two browser tabs share one
`streamlit run` server), pick QCode pointed at the simulator, and type different keys.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import urlsplit

from streamlit.testing.v1 import AppTest

from components import md_escape
from easel.core.config import key_fingerprint
from easel.simulator.routes import prefix_for

from apptest_text import element_text

import pytest
# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]

ALPHA = "cr_test-alpha-7f3a9c1d2e"
BETA = "cr_test-beta-0b8e6d4c5a"


def _strings(value, depth: int = 0, seen=None) -> list[str]:
    """Every string reachable from a session-state value (objects' attributes included): where a key could hide."""
    seen = seen if seen is not None else set()
    if id(value) in seen or depth > 6:
        return []
    seen.add(id(value))
    if isinstance(value, (str, bytes)):
        return [value.decode("latin-1") if isinstance(value, bytes) else value]
    out = [repr(value)]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _strings(k, depth + 1, seen) + _strings(v, depth + 1, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            out += _strings(v, depth + 1, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            out += _strings(getattr(value, f.name), depth + 1, seen)
    elif hasattr(value, "__dict__") and type(value).__module__.startswith(("easel", "components")):
        for v in vars(value).values():
            out += _strings(v, depth + 1, seen)
    return out


def _session(sim) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.sidebar.selectbox(key="easel.provider").set_value("qcode").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_key_typed_in_one_session_never_appears_in_another(sim, monkeypatch, jobs_for_test):
    monkeypatch.setenv("EASEL_QCODE_BASE_URL", sim.url + prefix_for("qcode"))   # the simulator; no key anywhere
    one, two = _session(sim), _session(sim)

    one.sidebar.text_input(key="easel.key.qcode").input(ALPHA).run()
    two.run()
    # The status names the key by fingerprint and the host only; the full address is in its tooltip.
    [status] = one.sidebar.text
    assert status.value == f"Ready · {key_fingerprint(ALPHA)}\n{urlsplit(sim.url).netloc}"
    assert md_escape(f"{sim.url}/qcode/qcode-img/v1") in status.proto.help
    assert two.sidebar.text_input(key="easel.key.qcode").value == ""
    assert len(two.sidebar.warning) == 1 and "No API key" in two.sidebar.warning[0].value
    assert two.session_state["easel.provider_session"].client is None
    assert not any(ALPHA in s for s in _strings(two.session_state.to_dict()))
    assert ALPHA not in element_text(two._tree)

    two.sidebar.text_input(key="easel.key.qcode").input(BETA).run()
    one.run()
    c1 = one.session_state["easel.provider_session"].client
    c2 = two.session_state["easel.provider_session"].client
    assert c1 is not c2
    assert (c1.fingerprint, c2.fingerprint) == (key_fingerprint(ALPHA), key_fingerprint(BETA))
    assert not any(BETA in s for s in _strings(one.session_state.to_dict()))
    assert not any(ALPHA in s for s in _strings(two.session_state.to_dict()))
    assert BETA not in element_text(one._tree) and ALPHA not in element_text(two._tree)
    assert ALPHA not in repr(c1) and key_fingerprint(ALPHA) in repr(c1)

    # Each session's job runs with its own key, and the log keeps only fingerprints.
    for at in (one, two):
        at.text_area(key="gen.prompt").input("a shared prompt").run()
        at.button(key="gen.go").click().run()
    jobs = [jobs_for_test.wait(at.session_state["easel.last_job.generate"][0], 30) for at in (one, two)]
    assert [j.status for j in jobs] == ["completed", "completed"]
    assert [j.key_fingerprint for j in jobs] == [key_fingerprint(ALPHA), key_fingerprint(BETA)]
    assert jobs[0].session_id != jobs[1].session_id
    store = jobs_for_test.store
    if store.engine == "sqlite":        # every byte of the file
        db = store.path.read_bytes()
    else:                               # every row of every table, as a dump of the database would hold them
        from easel.store.transfer import COPIED_TABLES

        db = repr([store.query(f"SELECT * FROM {t}") for t, _ in COPIED_TABLES]).encode()
    assert ALPHA.encode() not in db and BETA.encode() not in db


def test_switching_provider_or_key_rebuilds_the_client_and_closes_the_old_one(sim, monkeypatch, jobs_for_test):
    monkeypatch.setenv("EASEL_QCODE_BASE_URL", sim.url + prefix_for("qcode"))
    monkeypatch.setenv("EASEL_QCODE_API_KEY", "cr_test-from-environment")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    demo_client = at.session_state["easel.client"]
    at.sidebar.selectbox(key="easel.provider").set_value("qcode").run()
    env_client = at.session_state["easel.client"]
    assert env_client is not demo_client and demo_client._http.is_closed
    captions = [c.value for c in at.sidebar.caption]
    assert f"key from environment · {key_fingerprint('cr_test-from-environment')}" in captions
    assert "cr_test-from-environment" not in element_text(at._tree)
    at.run()
    assert at.session_state["easel.client"] is env_client           # same provider, key, URL: kept
    at.sidebar.text_input(key="easel.key.qcode").input("cr_test-typed-over").run()
    typed_client = at.session_state["easel.client"]
    assert typed_client is not env_client and env_client._http.is_closed
    assert typed_client.fingerprint == key_fingerprint("cr_test-typed-over")
    at.sidebar.selectbox(key="easel.region.qcode").set_value("Europe").run()
    assert at.session_state["easel.client"].base_url == "https://eu.qcode.cc/qcode-img/v1"
