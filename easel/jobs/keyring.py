"""KeyRing: API keys held in this process's memory, so the poller can resume tasks a session submitted.

Entries are found by (provider id, key fingerprint) — the pair a job row stores instead of the key.
Nothing here is ever written to disk.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from easel.providers.catalog import Profile
from easel.core.config import key_fingerprint

__all__ = ["KeyRing", "KeyEntry"]


@dataclass(frozen=True)
class KeyEntry:
    key: str = field(repr=False)
    base_url: str
    profile: Profile = field(repr=False)


class KeyRing:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], KeyEntry] = {}
        self._lock = threading.Lock()
        self._listeners: list = []

    def add(self, profile: Profile, key: str, base_url: str | None = None) -> tuple[str, str]:
        ident = (profile.id, key_fingerprint(key))
        with self._lock:
            self._entries[ident] = KeyEntry(key, (base_url or profile.base_url).rstrip("/"), profile)
            listeners = list(self._listeners)
        for notify in listeners:
            notify(ident)
        return ident

    def register(self, client) -> tuple[str, str]:
        """Remember a client's key, base URL and profile. Returns the (provider, fingerprint) it is filed under."""
        return self.add(client.profile, _client_key(client), getattr(client, "base_url", None))

    def get(self, provider: str, fingerprint: str) -> KeyEntry | None:
        with self._lock:
            return self._entries.get((provider, fingerprint))

    def on_register(self, callback) -> None:
        """Call `callback((provider, fingerprint))` after each add: the poller wakes for waiting jobs."""
        with self._lock:
            self._listeners.append(callback)

    def __contains__(self, ident: tuple[str, str]) -> bool:
        with self._lock:
            return ident in self._entries

    def __repr__(self) -> str:
        with self._lock:
            return f"KeyRing({sorted(fp for _, fp in self._entries)})"


def _client_key(client) -> str:
    key = getattr(client, "api_key", None)
    if not isinstance(key, str) or not key:
        raise AttributeError("the client exposes no API key to register")
    return key
