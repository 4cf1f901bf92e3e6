"""One scorecard as a table: a coloured status badge per check, expected against got, and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from easel.core.i18n import N_, _, format_datetime, use_language
from easel.scorecard import check_label, shown_check

from components import md_escape

__all__ = ["render_card", "card_title", "card_key", "status_label", "STATUS_COLOURS", "STATUS_LABELS"]

# Badge colours (background, text) per status; n/a is neutral, it is neither good nor bad.
STATUS_COLOURS = {"pass": ("#d3f4dc", "#0b6b2b"), "fail": ("#fde0e0", "#a11a1a"), "n/a": ("#ececf0", "#50505a")}
# A verdict as the reader sees it; the stored verdict stays the code.
STATUS_LABELS = {"pass": N_("pass"), "fail": N_("fail"), "n/a": N_("n/a")}
# The card's column names (the frame's keys stay these English names; each is shown translated).
COLUMNS = {"Status": N_("Status"), "Check": N_("Check"), "Expected": N_("Expected"), "Got": N_("Got"),
           "Why / how measured": N_("Why / how measured")}


def status_label(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def card_title(provider_label: str, simulated: bool) -> str:
    """The provider's name as the page shows it. The Demo's own label already says it is a simulator; a Demo
    playing QCode is labelled "QCode (simulated)". Catalog labels are plain English constants: `_()` shows
    them in the session's language where a catalog has them."""
    # easel.providers.demo_modes names a Demo playing a provider "QCode (simulated)": titled again here, so the
    # suffix is translated with the rest.
    base = provider_label.removesuffix(" (simulated)")
    if base != provider_label:
        simulated = True
    shown = _(base)
    if simulated and "simulat" not in base.lower():
        return _("{provider} (simulated)").format(provider=shown)
    return shown


def card_key(provider_label: str, simulated: bool) -> str:
    """The same title in English: a stable option value (kept in session state) whatever the language."""
    with use_language("en"):
        return card_title(provider_label, simulated)


def _badge(value: str) -> str:
    bg, fg = STATUS_COLOURS.get(value, ("", ""))
    return f"background-color: {bg}; color: {fg}; font-weight: 600" if bg else ""


def render_card(run, *, label: str) -> None:
    """The run's summary line and its checks table (run: easel.store.scorecards.RunRow with checks)."""
    c = run.counts
    counts = (f":green-badge[{c.get('pass', 0)} {status_label('pass')}] "
              f":red-badge[{c.get('fail', 0)} {status_label('fail')}] "
              f":gray-badge[{c.get('n/a', 0)} {status_label('n/a')}]")
    when = _("run {when}").format(when=format_datetime(run.started_at, "medium"))
    # `label` is already the target's title (card_title), in the session's language.
    st.markdown(f"**{md_escape(label)}** · {counts} · {when}")
    raw = [ch.status for ch in run.checks]
    shown = [shown_check(ch) for ch in run.checks]       # kept English, read in the session's language
    frame = pd.DataFrame([{"Status": status_label(ch.status), "Check": check_label(ch.name), "Expected": s["expected"] or "—",
                           "Got": s["got"] or "—", "Why / how measured": s["why"]} for ch, s in zip(run.checks, shown)],
                         columns=list(COLUMNS))
    frame = frame.rename(columns={k: _(v) for k, v in COLUMNS.items()})
    status_col = _(COLUMNS["Status"])
    # Coloured by the verdict code, not by its translated word.
    styled = (frame.style.apply(lambda col: [_badge(s) for s in raw], subset=[status_col]).hide(axis="index")
              .set_properties(**{"font-size": "0.82rem", "padding": "0.2rem 0.45rem", "line-height": "1.3"})
              .set_properties(subset=[status_col], **{"white-space": "nowrap", "min-width": "5.5em"}))  # '해당 없음' on one line
    # A static table: every cell wraps, so the evidence is read in full, not cut at a column's edge.
    st.table(styled)
