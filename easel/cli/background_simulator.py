"""The simulator that the Demo's asynchronous CLI jobs live on, shared by every shell on this data directory.

`easel generate --provider demo --async` returns while its task is still running, and `easel tasks wait` polls it
from another process. A simulator inside the first process would vanish with it, and the task with it, so those
jobs go to one simulator running in the background (`easel simulate --idle-exit`), found again through a small
file in the data directory. It stops by itself after `IDLE_EXIT_S` without a request.

EASEL_SIMULATOR_URL, when set, wins: the user runs the simulator they want to use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from easel.core import config

__all__ = ["IDLE_EXIT_S", "STATE_FILE", "shared_simulator", "answers"]

IDLE_EXIT_S = 900.0
STATE_FILE = "simulator.json"           # {"url", "pid"}, written by the background simulator once it serves
_START_TIMEOUT_S = 30.0


def answers(url: str) -> bool:
    try:
        return httpx.get(url.rstrip("/") + "/_sim/stats", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@contextmanager
def _locked(path: Path):
    """One process at a time decides whether to start the simulator (five `&`-ed submits start one, not five)."""
    try:
        import fcntl
    except ImportError:                     # not on Unix: a rare double start only costs an idle process
        yield
        return
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def shared_simulator() -> tuple[str, bool]:
    """The background simulator's base URL, and whether this call started it."""
    external = os.environ.get("EASEL_SIMULATOR_URL", "").strip()
    if external:
        return external.rstrip("/"), False
    data = config.data_dir()
    data.mkdir(parents=True, exist_ok=True)
    state_path = data / STATE_FILE
    with _locked(data / "simulator.lock"):
        url = _read(state_path).get("url")
        if url and answers(url):
            return url, False
        state_path.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-m", "easel.cli", "simulate", "--port", "0", "--idle-exit", str(IDLE_EXIT_S),
             "--state-file", str(state_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)         # not in this shell's process group: Ctrl-C here leaves it serving
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            state = _read(state_path)
            if state.get("pid") == proc.pid and state.get("url"):
                return state["url"], True
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
        from easel.core.errors import ConfigError
        from easel.core.i18n import _

        raise ConfigError(_("The background simulator for the Demo's tasks did not start; run `easel simulate` and "
                            "set EASEL_SIMULATOR_URL to its address."), code="simulator_unavailable")
