"""Which providers the Scorecard page can run on: the sidebar's provider, the Demo playing each provider it can,
and every built-in provider configured with a key in secrets or the environment. No key is stored or shown."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from easel.core import config
from easel.core.errors import EaselError
from easel.providers import catalog, demo_modes
from easel.providers.catalog import Profile
from easel.simulator import local

from components.demo_provider import DEMO_KEY
from components.scorecard_card import card_key, card_title

__all__ = ["Target", "targets"]


@dataclass
class Target:
    label: str                        # as shown, in the session's language
    profile: Profile
    client: object | None = None      # the sidebar session's own client, if this is its provider
    key: str | None = field(default=None, repr=False)   # else the key a client is built from at the run's start
    base_url: str = ""

    def make_client(self):
        """A client for the run (the caller closes it unless it is the session's own)."""
        if self.client is not None:
            return self.client
        from easel.providers.client import ProviderClient

        return ProviderClient(self.profile, self.key or "", base_url=self.base_url or self.profile.base_url)

    @property
    def owns_client(self) -> bool:
        return self.client is None


def targets(sess) -> dict[str, Target]:
    """Key → target, the sidebar's provider first. The key is the English title (card_key), a stable option
    value whatever the language; the target's label is the title as shown."""
    out: dict[str, Target] = {}
    if sess.ready:
        label = card_title(sess.profile.label, sess.profile.simulated)
        out[card_key(sess.profile.label, sess.profile.simulated)] = Target(label, sess.profile, client=sess.client)
    try:
        url = local.ensure_simulator()
    except Exception:  # noqa: BLE001 - without its simulator the Demo is simply not offered here
        url = None
    if url:
        for mode in demo_modes.SIMULATABLE:
            profile = demo_modes.demo_profile(mode, url)
            out.setdefault(card_key(profile.label, True), Target(card_title(profile.label, True), profile, key=DEMO_KEY))
    builtin = [pid for pid in catalog.BUILTIN if pid != "demo"]
    for pid in config.configured_provider_ids(builtin):
        key = config.resolve_key(pid).key
        if not key:
            continue
        base = catalog.get_profile(pid)
        try:
            base_url = config.resolve_base_url(pid, base.base_url)
        except EaselError:
            continue
        out.setdefault(card_key(base.label, False), Target(card_title(base.label, False), replace(base, base_url=base_url),
                                                          key=key, base_url=base_url))
    return out
