"""The Usage page's Reconciliation tab: every provider's own figure against its doc's prices, from
easel/usage/reconcile.py (the numbers `easel usage --reconcile` prints). This module only draws."""

from __future__ import annotations

import streamlit as st

from easel.usage import Filters
from easel.usage.reconcile import DEFAULT_TOLERANCE, Tolerance, reconcile

__all__ = ["render_reconciliation"]

_K = "easel.usage.reconcile."      # widget keys; tests set them through AppTest
_SHOWN = 200                       # rows drawn per list
# Candidate rows checked per rerun, newest first: a provider gone wrong on thousands of rows costs the page a few
# milliseconds, not a 5,000-row read (`easel usage --reconcile` checks them all).
_CHECKED = 1000


def _tolerance() -> Tolerance:
    with st.popover("Tolerance", icon=":material/tune:"):
        pct = st.number_input("Differs by more than (%)", min_value=0.0, max_value=1000.0, step=0.5,
                              value=DEFAULT_TOLERANCE.relative * 100, key=_K + "pct")
        absolute = st.number_input("… and by more than (provider's unit)", min_value=0.0, step=0.0001,
                                   format="%.4f", value=DEFAULT_TOLERANCE.absolute, key=_K + "abs")
    return Tolerance(relative=pct / 100, absolute=absolute)


def render_reconciliation(store, filters: Filters) -> None:
    head, control = st.columns([5, 1], vertical_alignment="center")
    with control:
        tolerance = _tolerance()
    rec = reconcile(store, filters, tolerance, scan_limit=_CHECKED)
    head.caption("**Reported**: the provider's own figure (gccai's and icodeeasy's task cost, the token usage of "
                 "openai-hk, OpenAI and Demo; QCode and icodeeasy's sync mode report none). **Formula**: the doc's "
                 "prices applied to what came back; failures at 0. Each in the provider's own unit, never converted. "
                 f"Rows differ beyond {tolerance.text()}.")
    if not rec.totals:
        st.info("No requests in this range to reconcile.", icon=":material/receipt_long:")
        return
    if rec.agrees:
        st.success("All agree: every reported cost matches its doc's formula within the tolerance, and no failed "
                   "request was billed.", icon=":material/check_circle:")
    else:
        differ, billed = len(rec.flagged), len(rec.billed_failed)
        st.warning(f"{differ} {'row differs' if differ == 1 else 'rows differ'} beyond the tolerance · {billed} "
                   f"failed {'request' if billed == 1 else 'requests'} billed.", icon=":material/report:")
    for title, rows, empty in (
            ("Differs beyond tolerance", rec.flagged, "No reported cost differs from its reference."),
            ("Billed but failed", rec.billed_failed, "No failed or cancelled request carries a cost.")):
        st.markdown(f"**{title}** ({len(rows):,})")
        if rows:
            # The newest rows only: a page stays fast with thousands flagged; the CSV and `easel usage
            # --reconcile --json` carry them all.
            st.dataframe([r.display() for r in rows[:_SHOWN]], hide_index=True)
            if len(rows) > _SHOWN:
                st.caption(f"The newest {_SHOWN} of {len(rows):,} shown; `easel usage --reconcile --json` lists all.")
        else:
            st.caption(empty)
    # The flagged rows first (what needs a look), then the totals they sit in.
    st.markdown("**Per provider and day**")
    st.dataframe(rec.table(), hide_index=True, key=_K + "totals")
    st.caption("Days are usage days (Beijing by default, as on the other tabs); row times are UTC.")
    if rec.unread:
        st.caption(f"Only the newest {_CHECKED:,} candidate rows were checked here; {rec.unread:,} older ones were "
                   "not: narrow the date range, or run `easel usage --reconcile --json`, which checks every row.")
