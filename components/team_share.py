"""Sharing with the team (workspaces, docs/DESIGN.md): the owner's toggle on a result (its jobs) or a comparison.

Shown only when a named person is signed in (the single user sees every row already) and only to the owner: a
member cannot share or unshare another person's work. The toggle reads its state from the store on every run, so
a change made in another tab shows on the next one.

Widget keys, for tests: `{key}.team_share` (a result: Generate's and Edit's results, the lightbox) and
`cmp.team_share` (a comparison, on Compare).
"""

from __future__ import annotations

import streamlit as st

from easel.core.i18n import N_, _
from easel.store import comparisons

from components import services

__all__ = ["share_result_toggle", "share_comparison_toggle", "WHOSE_LABELS"]

# The Gallery's "whose" filter for a named person (easel.store.db.WHOSE); None = all they may read.
WHOSE_LABELS = {None: N_("All I can see"), "mine": N_("Mine"), "shared": N_("Shared with team")}


def _label(shared: bool) -> str:
    return _("Shared with team") if shared else _("Share with team")


def _set_jobs(store, job_ids: list[str], widget: str) -> None:
    for job_id in job_ids:
        store.set_shared(job_id, bool(st.session_state.get(widget)))


def share_result_toggle(store, jobs, *, key: str) -> None:
    """One toggle for the viewer's own jobs among `jobs` (a Generate run of several is one result)."""
    who = services.viewer()
    if who.single:
        return
    mine = [j for j in jobs if j is not None and getattr(j, "owner", "") == who.id]
    if not mine:
        return
    shared = all(j.shared for j in mine)
    widget = f"{key}.team_share"
    st.session_state[widget] = shared           # the store says, not the last click (another tab may have changed it)
    st.toggle(_label(shared), key=widget, on_change=_set_jobs, args=(store, [j.id for j in mine], widget),
              help=_("Shared results are visible to everyone on the team; turn it off to make them private again."))


def _set_comparison(store, comparison_id: str, widget: str) -> None:
    comparisons.set_comparison_shared(store, comparison_id, bool(st.session_state.get(widget)))


def share_comparison_toggle(store, comparison) -> None:
    """The comparison's owner shares it (its columns' results with it) with the team, or takes it back."""
    who = services.viewer()
    if who.single or comparison is None or comparison.owner != who.id:
        return
    widget = "cmp.team_share"
    st.session_state[widget] = bool(comparison.shared)
    st.toggle(_label(bool(comparison.shared)), key=widget, on_change=_set_comparison,
              args=(store, comparison.id, widget),
              help=_("A shared comparison and its results are visible to everyone on the team."))
