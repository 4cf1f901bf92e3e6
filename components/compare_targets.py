"""Which providers a comparison may use in this browser session, and why the others cannot be used yet.

Usable: the Demo and each provider it simulates (no key), and every provider with a key here: typed in the
sidebar this session, or from secrets or the environment. A provider without one is still offered, with the
reason, so it is never silently missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from easel.compare import targets as tg
from easel.compare.targets import Target
from easel.core import config
from easel.core.errors import EaselError
from easel.core.i18n import _
from easel.providers import catalog
from easel.simulator import local

from components.custom_providers import custom_profiles
from components.demo_provider import DEMO_KEY

__all__ = ["Choice", "choices"]

_TYPED = "easel.typed_keys"       # components.key_fields: provider id → key typed this session


@dataclass
class Choice:
    name: str
    label: str
    target: Target | None
    reason: str | None = None      # why it cannot be used now

    @property
    def usable(self) -> bool:
        return self.target is not None


def _keyed(name: str, profile) -> Choice:
    typed = (st.session_state.get(_TYPED) or {}).get(profile.id) or ""
    label = tg.target_label(name) if not profile.custom else _("{name} (custom)").format(name=profile.label)
    key = config.resolve_key(profile.id, typed).key if not profile.custom else (typed.strip() or None)
    if not key:
        if profile.custom:
            reason = _("no API key in this session: pick {provider} in the sidebar and type its key").format(
                provider=profile.label)
        else:
            reason = _("no API key in this session: pick {provider} in the sidebar and type its key, or set "
                       "{variable}").format(provider=profile.label, variable=f"EASEL_{profile.env_id}_API_KEY")
        return Choice(name, label, None, reason)
    try:
        override = st.session_state.get(f"easel.base_url.{profile.id}") or None
        base = profile.base_url if profile.custom else config.resolve_base_url(profile.id, profile.base_url, override)
        return Choice(name, label, tg.keyed_target(name, profile, key, base))
    except EaselError as e:
        return Choice(name, label, None, e.user_message())


def choices() -> list[Choice]:
    """Demo modes first, then the built-in providers, then this session's custom ones."""
    out: list[Choice] = []
    try:
        sim_url = local.ensure_simulator()
    except Exception as e:  # noqa: BLE001 - shown beside the choice; the Demo cannot run without its simulator
        sim_url, sim_problem = None, _("the demo simulator did not start: {error}").format(error=e)
    for name in tg.DEMO_NAMES:
        if sim_url is None:
            out.append(Choice(name, tg.target_label(name), None, sim_problem))
        else:
            out.append(Choice(name, tg.target_label(name), tg.demo_target(name, sim_url, DEMO_KEY)))
    for pid, profile in catalog.BUILTIN.items():
        if pid != "demo":
            out.append(_keyed(pid, profile))
    for pid, profile in custom_profiles().items():
        out.append(_keyed(pid, profile))
    return out
