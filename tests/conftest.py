"""Fixtures shared by every test layer.

Every test gets its own data directory (a real SQLite file in a temp dir), so no test sees another's jobs,
and nothing touches the user's ~/.easel.
"""

from __future__ import annotations

import pytest

# The SeaweedFS S3 server (session-scoped) and a fresh bucket per test: tests/s3_server.py.
from s3_server import object_backend, s3_bucket, s3_server  # noqa: E402,F401


@pytest.fixture(autouse=True)
def easel_data_dir(tmp_path, monkeypatch):
    data = tmp_path / "easel-data"
    data.mkdir()
    monkeypatch.setenv("EASEL_DATA_DIR", str(data))
    # No test may pick up a developer's real keys or secrets file.
    import os

    for name in list(os.environ):
        if name.startswith("EASEL_") and name.endswith(("_API_KEY", "_BASE_URL")):
            monkeypatch.delenv(name)
    # Nor a developer's team set-up: the default is the data directory for images and SQLite for the store.
    for name in ("EASEL_OBJECT_STORE", "EASEL_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EASEL_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    # Messages in English whatever the machine's LANG says: tests that check another language set it themselves.
    monkeypatch.setenv("EASEL_LANG", "en")
    return data


@pytest.fixture(autouse=True)
def apptest_thread_speaks_the_sessions_language(monkeypatch):
    """AppTest formats a select's options with its format_func in the test's own thread, outside the session,
    where the language would come from the environment; a translated page's options would then not be found. So
    after each script run this thread speaks the language that run displayed, as the browser's next rerun does."""
    from streamlit.testing.v1 import AppTest

    from easel.core import i18n

    original = AppTest._run

    def run_then_follow(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        try:
            shown = self.session_state["easel.lang"]
        except (KeyError, AttributeError):
            shown = None
        if shown:
            i18n._pinned.set(shown)
        return result

    monkeypatch.setattr(AppTest, "_run", run_then_follow)
    token = i18n._pinned.set(None)
    yield
    i18n._pinned.reset(token)


@pytest.fixture(scope="session")
def simulator():
    """A real simulator over loopback HTTP, one per test session. Tests reset it with `simulator.reset()`."""
    from easel.simulator.server import SimulatorServer

    server = SimulatorServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sim(simulator):
    """The shared simulator, reset to a clean state (no faults, no recorded requests, zero latency)."""
    simulator.reset()
    return simulator
