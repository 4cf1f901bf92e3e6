"""A key's request slots shared by every replica on one PostgreSQL database.

QCode allows 2 requests in flight per key; two app replicas, each with its own per-process semaphore of 2, would
send 4. Under EASEL_DATABASE_URL the slots are PostgreSQL advisory locks, one per slot number of the key: a request
holds one for as long as it is in flight, in whichever replica sends it. A replica that dies holding one (kill -9)
gives it back when the server sees its connection drop, so a crash never leaks a slot. A process-local semaphore of
the same size sits in front, so the threads of one replica wait on it rather than asking the database in turn.
"""

from __future__ import annotations

import threading
import time

__all__ = ["KeySlots"]

POLL_S = 0.05       # how often a waiting request asks again for a slot another replica holds


class KeySlots:
    """Drop-in for the threading.BoundedSemaphore JobService hands out: acquire(blocking, timeout), release(),
    a context manager. A slot is released on the thread that acquired it (as every caller does)."""

    def __init__(self, store, provider: str, fingerprint: str, size: int):
        self.store = store
        self.size = max(1, size)
        self._names = [f"easel-key-slot:{provider}:{fingerprint}:{i}" for i in range(self.size)]
        self._local = threading.BoundedSemaphore(self.size)
        self._held = threading.local()
        # Slots this replica holds: never asked for again here, since a PostgreSQL session may take an advisory
        # lock it already holds a second time, and connections pass between threads.
        self._mine: set[str] = set()
        self._mine_lock = threading.Lock()

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        if not (self._local.acquire(blocking) if timeout is None or not blocking else self._local.acquire(True, timeout)):
            return False
        while True:
            for name in self._names:
                with self._mine_lock:
                    if name in self._mine:
                        continue
                    self._mine.add(name)
                if self.store.try_advisory_lock(name):
                    self._stack().append(name)
                    return True
                with self._mine_lock:
                    self._mine.discard(name)
            if not blocking or (deadline is not None and time.monotonic() >= deadline):
                self._local.release()
                return False
            time.sleep(POLL_S)

    def release(self) -> None:
        name = self._stack().pop()
        self.store.advisory_unlock(name)
        with self._mine_lock:
            self._mine.discard(name)
        self._local.release()

    def _stack(self) -> list[str]:
        stack = getattr(self._held, "names", None)
        if stack is None:
            stack = self._held.names = []
        return stack

    def __enter__(self) -> "KeySlots":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
