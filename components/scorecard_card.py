"""One scorecard as a table: a coloured status badge per check, expected against got, and why."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from components import md_escape

__all__ = ["render_card", "card_title", "STATUS_COLOURS"]

# Badge colours (background, text) per status; n/a is neutral, it is neither good nor bad.
STATUS_COLOURS = {"pass": ("#d3f4dc", "#0b6b2b"), "fail": ("#fde0e0", "#a11a1a"), "n/a": ("#ececf0", "#50505a")}


def card_title(provider_label: str, simulated: bool) -> str:
    # The Demo's own label already says it is a simulator; a Demo playing QCode is labelled "QCode (simulated)".
    return f"{provider_label} (simulated)" if simulated and "simulat" not in provider_label.lower() else provider_label


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _badge(value: str) -> str:
    bg, fg = STATUS_COLOURS.get(value, ("", ""))
    return f"background-color: {bg}; color: {fg}; font-weight: 600" if bg else ""


def render_card(run, *, label: str) -> None:
    """The run's summary line and its checks table (run: easel.store.scorecards.RunRow with checks)."""
    c = run.counts
    st.markdown(f"**{md_escape(card_title(label, run.simulated))}** · :green-badge[{c.get('pass', 0)} pass] "
                f":red-badge[{c.get('fail', 0)} fail] :gray-badge[{c.get('n/a', 0)} n/a] · run {_when(run.started_at)}")
    frame = pd.DataFrame([{"Status": ch.status, "Check": ch.name, "Expected": ch.expected or "—",
                           "Got": ch.got or "—", "Why / how measured": ch.why} for ch in run.checks])
    styled = (frame.style.map(_badge, subset=["Status"]).hide(axis="index")
              .set_properties(**{"font-size": "0.82rem", "padding": "0.2rem 0.45rem", "line-height": "1.3"}))
    # A static table: every cell wraps, so the evidence is read in full, not cut at a column's edge.
    st.table(styled)
