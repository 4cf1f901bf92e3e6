"""The Demo provider's modes: Easel's simulator answering as the Demo itself, or playing one real provider.

The sidebar's "Simulate" choice and the CLI's `--simulate` both build their profile here, so a script exercises
the same rules (QCode's three sizes, gccai's tasks, icodeeasy's async and missing mask) that the page shows.
"""

from __future__ import annotations

from dataclasses import replace

from easel.core.i18n import N_, _
from easel.providers import catalog
from easel.providers.catalog import Profile

__all__ = ["SIMULATABLE", "demo_profile", "simulate_label"]

SIMULATABLE = ("demo", "icodeeasy", "qcode", "gccai", "openai-hk")


def simulate_label(pid: str) -> str:
    """The Simulate choice's label, in the current language (a picker's format_func: shown, never stored)."""
    return _("OpenAI-style, every feature") if pid == "demo" else _("{label}'s rules").format(
        label=catalog.BUILTIN[pid].label)


def demo_profile(pid: str, simulator_url: str) -> Profile:
    """Provider `pid`'s profile on the simulator at `simulator_url` (the Demo's own for "demo")."""
    if pid not in SIMULATABLE:
        raise ValueError(f"the Demo cannot simulate {pid!r}")
    demo = catalog.BUILTIN["demo"]
    profile = catalog.simulated_profile(catalog.BUILTIN[pid], simulator_url)
    if pid == "demo":
        return profile
    # The simulator finishes tasks in about a second, so the real providers' 15 s first poll would only stall.
    # The label stays English (it is stored with the job); errors_view shows it translated by its entry.
    return replace(profile, label=N_("{label} (simulated)").format(label=profile.label), poll=demo.poll,
                   typical_latency_s=demo.typical_latency_s)
