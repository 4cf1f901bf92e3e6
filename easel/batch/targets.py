"""What a row's `provider` cell names: a provider id as `easel generate --provider` takes it, `demo`, or the
Demo playing a provider as `demo:<id>` (Compare's names, easel.compare.targets). A real provider's key comes
from secrets or the environment, as for the CLI; the batch's own provider keeps the key it was chosen with.
"""

from __future__ import annotations

from typing import Callable

from easel.compare import targets as tg
from easel.core import config
from easel.providers import catalog

__all__ = ["resolver"]


def resolver(simulator_url: Callable[[], str], demo_key: str = tg.DEMO_KEY) -> Callable[[str], tg.Target]:
    def resolve(name: str) -> tg.Target:
        provider, mode = tg.parse_name(name)
        if mode is not None:
            return tg.demo_target(name, simulator_url(), demo_key)
        profile = catalog.get_profile(provider)
        base_url = config.resolve_base_url(provider, profile.base_url)
        return tg.keyed_target(name, profile, config.resolve_key(provider).key, base_url)
    return resolve
