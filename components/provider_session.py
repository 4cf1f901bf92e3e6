"""What the sidebar hands every page: the provider, this session's client, and what is missing, if anything."""

from __future__ import annotations

from dataclasses import dataclass

from easel.providers.catalog import Profile

__all__ = ["ProviderSession"]


@dataclass
class ProviderSession:
    profile: Profile
    client: object | None          # easel.client.ProviderClient
    key_source: str                # "typed" | "secrets" | "environment" | "simulator" | ""
    base_url: str
    problem: str | None = None
    fingerprint: str = ""

    @property
    def ready(self) -> bool:
        return self.client is not None and self.problem is None

    def status_line(self) -> str:
        if self.problem:
            return self.problem
        return f"Ready · {self.fingerprint} · {self.base_url}"
