"""The Demo provider: Easel's local simulator, with no key and no cost, optionally playing a real provider's rules."""

from __future__ import annotations

import streamlit as st

from easel.core.i18n import _
from easel.providers import catalog, demo_modes
from easel.simulator import local

from components.client_cache import client_for
from components.provider_session import ProviderSession

__all__ = ["DEMO_KEY", "SIMULATE_KEY", "demo_session"]

DEMO_KEY = "demo-test-key"        # the simulator accepts any key that does not start with bad/invalid

# Demo can also play any real provider on the simulator, with that provider's own rules (QCode's three sizes,
# gccai's tasks, icodeeasy's async and missing mask), so a team can try them all without a key. The CLI's
# `--simulate` builds the same profiles (easel.providers.demo_modes).
SIMULATE_KEY = "easel.demo.simulate"


def demo_session() -> ProviderSession:
    try:
        url = local.ensure_simulator()
    except Exception as e:  # noqa: BLE001 - shown to the user; the demo cannot run without its simulator
        return ProviderSession(catalog.BUILTIN["demo"], None, "simulator", "",
                               _("The demo simulator did not start: {error}").format(error=e),
                               code="simulator_unavailable")
    choice = st.selectbox(_("Simulate"), demo_modes.SIMULATABLE, key=SIMULATE_KEY,
                          format_func=demo_modes.simulate_label,
                          help=_("Easel's built-in simulator answers instantly, at no cost. Pick a provider to try "
                                 "its sizes, options, async mode and errors without a key."))
    profile = demo_modes.demo_profile(choice, url)
    client = client_for(profile, DEMO_KEY, profile.base_url)
    # No fingerprint and no address in the sidebar: the key is a constant and the address a loopback port
    # that changes every start. The status line says what matters: offline, free, no key.
    return ProviderSession(profile, client, "simulator", profile.base_url, None)
