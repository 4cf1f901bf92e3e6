"""The simulator for this process (the Demo provider) and the blocking server behind `easel simulate`."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

__all__ = ["ensure_simulator", "serve"]

_lock = threading.Lock()
_server = None


def ensure_simulator() -> str:
    """The simulator's base URL: EASEL_SIMULATOR_URL if set, else one started lazily for this process."""
    external = os.environ.get("EASEL_SIMULATOR_URL", "").strip()
    if external:
        return external.rstrip("/")
    global _server
    with _lock:
        if _server is None:
            from easel.simulator.server import SimulatorServer

            server = SimulatorServer()
            server.start()
            _server = server
        return _server.url


def _load_faults(faults) -> list[dict]:
    if faults is None or faults == "":
        return []
    if isinstance(faults, str):
        text = Path(faults).read_text(encoding="utf-8") if not faults.lstrip().startswith(("[", "{")) else faults
        faults = json.loads(text)
    if isinstance(faults, dict):
        faults = [faults]
    return list(faults)


def serve(host: str = "127.0.0.1", port: int = 8765, latency: float = 0.0, faults=None, **settings) -> None:
    """Run the simulator in the foreground until interrupted.

    `faults`: a list of fault rules, or JSON text, or a path to a JSON file holding them.
    """
    import uvicorn

    from easel.simulator.routes import build_app
    from easel.simulator.server import uvicorn_config
    from easel.simulator.state import SimConfig, SimState

    state = SimState(SimConfig(latency=float(latency), **settings))
    state.set_faults(_load_faults(faults))
    uvicorn.Server(uvicorn_config(build_app(state), host=host, port=port)).run()
