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
    monkeypatch.delenv("EASEL_USER", raising=False)      # nor act as the developer's named local user
    # Messages in English whatever the machine's LANG says: tests that check another language set it themselves.
    monkeypatch.setenv("EASEL_LANG", "en")
    # Nor a developer's team database: a test reaches PostgreSQL only through the `engine` fixture below.
    monkeypatch.delenv("EASEL_DATABASE_URL", raising=False)
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
    # Whatever a test does to the session resolvers (components/language.py installs them once per process),
    # the next test starts with them as they were.
    monkeypatch.setattr(i18n, "_resolver", i18n._resolver)
    monkeypatch.setattr(i18n, "_tz_resolver", i18n._tz_resolver)
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


# --- the store's two engines ----------------------------------------------------------------------------------
# A test module opts in with `pytestmark = pytest.mark.usefixtures("engine")`: each of its tests then runs on
# SQLite and on PostgreSQL (a real server, tests/pg_server.py, one per session, a fresh database per test), with
# EASEL_DATABASE_URL set for the PostgreSQL run so every `Store()` the test opens lands there. A test about the
# SQLite file itself carries `@pytest.mark.sqlite_only`. Outside CI a server that cannot start skips the
# PostgreSQL runs with the reason; with CI set it fails them.
def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames:
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("engine", ["sqlite"] if only_sqlite else ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh PostgreSQL database's URL, for a test that needs PostgreSQL itself (not both engines)."""
    if isinstance(pg_server, Exception):
        pytest.skip(f"PostgreSQL could not start here: {pg_server}")
    url = pg_server.new_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture(scope="session")
def pg_server():
    import os
    import subprocess

    from tests.pg_server import PgServer, PgServerError

    server = PgServer()
    try:
        server.start()

        def migrate(url):
            from easel.store import Store

            Store(database_url=url).close()

        server.make_template(migrate)
    except (PgServerError, OSError, subprocess.TimeoutExpired) as exc:
        server.stop()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and could not start: {exc}")
        yield exc
        return
    yield server
    server.stop()


@pytest.fixture
def engine(request, monkeypatch):
    if request.param == "sqlite":
        monkeypatch.delenv("EASEL_DATABASE_URL", raising=False)
        yield "sqlite"
        return
    server = request.getfixturevalue("pg_server")
    if isinstance(server, Exception):
        pytest.skip(f"PostgreSQL could not start here: {server}")
    url = server.new_database()
    monkeypatch.setenv("EASEL_DATABASE_URL", url)
    yield "postgres"
    server.drop_database(url)


@pytest.fixture
def new_store(engine, request, tmp_path):
    """`new_store(name)`: a store of its own (a file named `name`, or a fresh PostgreSQL database), for a test
    that compares two stores side by side."""
    from easel.store import Store

    made, urls = [], []

    def make(name: str):
        if engine == "postgres":
            server = request.getfixturevalue("pg_server")
            urls.append(server.new_database())
            store = Store(tmp_path / name, database_url=urls[-1])
        else:
            store = Store(tmp_path / name)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()
    for url in urls:
        request.getfixturevalue("pg_server").drop_database(url)
