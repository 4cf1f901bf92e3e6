"""SimulatorServer: the simulator on a free loopback port, in a background thread (tests, the Demo)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from easel.simulator.routes import build_app
from easel.simulator.state import RecordedRequest, SimConfig, SimState

__all__ = ["SimulatorServer", "uvicorn_config"]


def uvicorn_config(app, **kw) -> uvicorn.Config:
    # h11 only: dropping a connection relies on its per-request cycle holding the transport.
    return uvicorn.Config(app, http="h11", ws="none", lifespan="off", log_level="warning", access_log=False,
                          timeout_keep_alive=30, **kw)


class SimulatorServer:
    def __init__(self, config: SimConfig | None = None, *, host: str = "127.0.0.1", port: int = 0):
        self.config = config or SimConfig()
        self.state = SimState(self.config)
        self.host, self.port = host, port
        self.url: str | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 15.0) -> str:
        if self.url:
            return self.url
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        port = sock.getsockname()[1]
        self._server = uvicorn.Server(uvicorn_config(build_app(self.state)))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name=f"easel-simulator-{port}")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("The simulator did not start.")
            time.sleep(0.01)
        self.url = f"http://{self.host}:{port}"
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = self._thread = None
        self.url = None

    def __enter__(self) -> "SimulatorServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- test handle (docs/DESIGN.md, "Simulator test handle") -----------------------------------------
    def reset(self) -> None:
        self.state.reset()

    def set_faults(self, rules: list[dict]) -> None:
        self.state.set_faults(rules)

    def configure(self, **settings) -> None:
        self.state.configure(**settings)

    def requests(self, path_contains: str | None = None) -> list[RecordedRequest]:
        return self.state.requests(path_contains)

    def stats(self) -> dict:
        return self.state.stats()
