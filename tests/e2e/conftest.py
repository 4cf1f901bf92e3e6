"""End-to-end fixtures: `streamlit run app.py` in a subprocess against this test session's simulator, driven
by Playwright in the system's headless Chromium.

Chromium comes from the test command (scripts/test.sh installs it when missing). If it is still missing:
outside CI the browser tests are skipped with the reason; in CI (the CI variable set) they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
GCCAI_TEST_KEY = "test-gccai-key"


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(f"{reason}; run scripts/test.sh to install it")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class E2EServer:
    url: str
    sim: object               # the SimulatorServer the app's providers point at
    data_dir: Path
    log: Path                  # the server's stdout and stderr
    proc: subprocess.Popen


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    _require(bool(path), f"Chromium is not installed at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _require(False, "the playwright Python package is not installed")
    return path


@contextlib.contextmanager
def _running_app(base: Path, simulator, extra_env: dict[str, str], *, debug: bool = False, port: int | None = None):
    """`streamlit run app.py` on a free port (or `port`, for a test whose secrets must name the app's address
    first) with its own data dir, the developer's keys removed from its environment, and stdout/stderr kept in
    `base`, until the block ends."""
    data = base / "data"
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not (k.startswith("EASEL_") and k.endswith(("_API_KEY", "_BASE_URL")))}
    env.update(EASEL_DATA_DIR=str(data), EASEL_SIMULATOR_URL=simulator.url,
               EASEL_SECRETS_FILE=str(base / "no-secrets.toml"))
    env.update(extra_env)           # a test's own secrets file, say
    port = port or _free_port()
    log = base / "streamlit.log"
    args = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true", "--global.developmentMode", "false",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    if debug:
        args += ["--logger.level", "debug"]       # the most a server log ever says, for the secrets test
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.2)
        yield E2EServer(url, simulator, data, log, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def start_app(chromium_path):
    """`with start_app(base, simulator, env) as server:` an app of a test's own, for tests that need their own
    environment (e.g. sentinel keys) rather than the shared `e2e_server`."""
    return _running_app


@pytest.fixture(scope="session")
def e2e_server(simulator, tmp_path_factory, chromium_path) -> E2EServer:
    """The app on a free port. Demo uses this session's simulator; gccai is configured against it too
    (EASEL_GCCAI_*), so other pages' browser tests have a second, async provider."""
    env = {"EASEL_GCCAI_BASE_URL": simulator.url + "/gccai", "EASEL_GCCAI_API_KEY": GCCAI_TEST_KEY}
    with _running_app(tmp_path_factory.mktemp("e2e"), simulator, env) as server:
        yield server


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, e2e_server):
    """A fresh browser session (its own Streamlit session) on the app's home page, idle."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(e2e_server.url)
    _wait_idle(pg)
    yield pg
    context.close()


def _wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_timeout(250)          # let a rerun triggered by the last action start
    page.wait_for_selector(IDLE, timeout=timeout)


@pytest.fixture
def wait_idle():
    """`wait_idle(page)`: a fixture, because test modules here cannot import conftest (no packages)."""
    return _wait_idle


def _go(page, title: str) -> None:
    """Open a page from the sidebar's navigation and wait until its script has run."""
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    page.wait_for_selector(f"h1:has-text('{title}')")
    _wait_idle(page)


@pytest.fixture
def go():
    """`go(page, "Gallery")`: navigate by the sidebar, as a user does."""
    return _go
