"""What the sidebar hands every page: the provider, this session's client, and what is missing, if anything."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from easel.core.i18n import N_, _
from easel.providers.catalog import Profile

__all__ = ["ProviderSession", "DEMO_STATUS", "short_url"]

DEMO_STATUS = N_("Ready · offline demo\nfree · no key needed")


def short_url(url: str) -> str:
    """The host (and port) of a base URL, for a status line with no room for the whole address."""
    return urlsplit(url).netloc or url


@dataclass
class ProviderSession:
    profile: Profile
    client: object | None          # easel.client.ProviderClient
    key_source: str                # "typed" | "secrets" | "environment" | "simulator" | ""
    base_url: str
    problem: str | None = None     # plain words, e.g. "No API key yet: type it above"
    fingerprint: str = ""
    code: str = ""                 # the problem's machine code, if it has one (e.g. "bad_base_url")

    @property
    def ready(self) -> bool:
        return self.client is not None and self.problem is None

    @property
    def demo(self) -> bool:
        return self.key_source == "simulator"

    def status_line(self) -> str:
        """What is missing, or that it is ready: the key's fingerprint, then the host in use (two short lines,
        the sidebar is narrow). Demo shows neither: its key is a constant and its address a loopback port that
        changes at every start; it says it is offline and free instead."""
        if self.problem:
            return self.problem
        if self.demo:
            return _(DEMO_STATUS)
        return _("Ready · {fingerprint}\n{host}").format(fingerprint=self.fingerprint, host=short_url(self.base_url))
