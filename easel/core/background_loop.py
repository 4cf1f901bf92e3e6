"""One daemon thread running a subclass's `_loop`, started on demand, woken early, stopped cleanly.

The task poller (easel/jobs/poller.py) and the batch dispatcher (easel/batch/dispatcher.py) share this life
cycle; each writes only its loop. `_loop` checks `_stop`, waits on `_wake` between cycles, and may end itself
by setting `_thread = None` under `_lock` (start() then brings it back).
"""

from __future__ import annotations

import threading

__all__ = ["BackgroundLoop"]


class BackgroundLoop:
    thread_name = "easel-loop"

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()

    def _loop(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Start the thread, or wake it if it runs already."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._wake.set()
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
            self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the loop to end after the cycle in hand and wait for it (never from the loop's own thread)."""
        self._stop.set()
        self._wake.set()
        with self._lock:        # start() assigns and starts the thread under this lock: never join an unstarted one
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
