"""Fixtures shared by every test layer.

Every test gets its own data directory (a real SQLite file in a temp dir), so no test sees another's jobs,
and nothing touches the user's ~/.easel.
"""

from __future__ import annotations

import pytest


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
    monkeypatch.setenv("EASEL_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    # Messages in English whatever the machine's LANG says: tests that check another language set it themselves.
    monkeypatch.setenv("EASEL_LANG", "en")
    return data


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
