"""What the test servers started from Python share (tests/s3_server.py: SeaweedFS, tests/oidc_server.py: the OpenID
Connect mock): stopping their process, and a session fixture's rule that a server which cannot start is a skip with
the reason outside CI and a failure in CI."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import pytest


def stop_process(proc: subprocess.Popen, timeout_s: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextlib.contextmanager
def required_server(what: str, prefix: str, start: Callable[[Path], tuple[subprocess.Popen, object]],
                    stop: Callable[[subprocess.Popen], None]) -> Iterator[object]:
    """`start(workdir)` → (process, server) in a fresh temporary folder; yields the server, then stops the process
    and removes the folder."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        proc, server = start(workdir)
    except (RuntimeError, OSError) as e:
        shutil.rmtree(workdir, ignore_errors=True)
        if os.environ.get("CI"):
            pytest.fail(f"{what} could not start, and CI requires it: {e}")
        pytest.skip(f"{what} could not start: {e}")
    try:
        yield server
    finally:
        stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)
