"""Shared plumbing for the benchmark scripts: an isolated data directory, a live simulator, medians and the
pass/fail exit.

Every benchmark runs against a throwaway data directory so it never reads or writes the user's ~/.easel,
and never picks up real keys from the environment or a secrets file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

__all__ = ["ROOT", "isolated_data_dir", "simulator", "median", "finish"]


@contextlib.contextmanager
def isolated_data_dir(prefix: str = "easel-bench-") -> Iterator[Path]:
    """EASEL_DATA_DIR → a fresh temp dir; provider keys and the secrets file hidden for the duration."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    data = tmp / "data"
    data.mkdir()
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("EASEL_") and name.endswith(("_API_KEY", "_BASE_URL")):
            del os.environ[name]
    os.environ["EASEL_DATA_DIR"] = str(data)
    os.environ["EASEL_SECRETS_FILE"] = str(tmp / "no-secrets.toml")
    try:
        yield data
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def simulator(**settings):
    from easel.simulator.server import SimulatorServer

    server = SimulatorServer()
    server.start()
    try:
        if settings:
            server.configure(**settings)
        yield server
    finally:
        server.stop()


def median(values) -> float:
    return statistics.median(list(values))


def timed(fn, runs: int) -> float:
    """The median of `runs` calls of `fn`, in milliseconds, after one warm-up call."""
    fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return median(samples) * 1000


def finish(name: str, ok: bool, detail: str = "") -> None:
    """Print the verdict and exit non-zero on a miss, so a benchmark doubles as a check."""
    verdict = "PASS" if ok else "FAIL"
    print(f"{verdict}: {name}" + (f" ({detail})" if detail else ""))
    sys.exit(0 if ok else 1)
