"""The Demo provider: Easel's local simulator, with no key and no cost, optionally playing a real provider's rules."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from easel.providers import catalog
from easel.providers.catalog import Profile
from easel.simulator import local

from components.client_cache import client_for
from components.provider_session import ProviderSession

__all__ = ["DEMO_KEY", "SIMULATE_KEY", "demo_session"]

DEMO_KEY = "demo-test-key"        # the simulator accepts any key that does not start with bad/invalid

# Demo can also play any real provider on the simulator, with that provider's own rules (QCode's three sizes,
# gccai's tasks, icodeeasy's async and missing mask), so a team can try them all without a key.
SIMULATE_KEY = "easel.demo.simulate"
_SIMULATABLE = ("demo", "icodeeasy", "qcode", "gccai", "openai-hk")


def _simulate_label(pid: str) -> str:
    return "OpenAI-style, every feature" if pid == "demo" else f"{catalog.BUILTIN[pid].label}'s rules"


def _demo_profile(pid: str, simulator_url: str) -> Profile:
    demo = catalog.BUILTIN["demo"]
    profile = catalog.simulated_profile(catalog.BUILTIN[pid], simulator_url)
    if pid == "demo":
        return profile
    # The simulator finishes tasks in about a second, so the real providers' 15 s first poll would only stall.
    return replace(profile, label=f"{profile.label} (simulated)", poll=demo.poll,
                   typical_latency_s=demo.typical_latency_s)


def demo_session() -> ProviderSession:
    try:
        url = local.ensure_simulator()
    except Exception as e:  # noqa: BLE001 - shown to the user; the demo cannot run without its simulator
        return ProviderSession(catalog.BUILTIN["demo"], None, "simulator", "",
                               f"The demo simulator did not start: {e}", code="simulator_unavailable")
    choice = st.selectbox("Simulate", _SIMULATABLE, key=SIMULATE_KEY, format_func=_simulate_label,
                          help="Easel's built-in simulator answers instantly, at no cost. Pick a provider to try "
                               "its sizes, options, async mode and errors without a key.")
    profile = _demo_profile(choice, url)
    client = client_for(profile, DEMO_KEY, profile.base_url)
    # No fingerprint and no address in the sidebar: the key is a constant and the address a loopback port
    # that changes every start. The status line says what matters: offline, free, no key.
    return ProviderSession(profile, client, "simulator", profile.base_url, None)
