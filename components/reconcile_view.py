"""The Usage page's Reconciliation tab: every provider's own figure against its doc's prices, from
easel/usage/reconcile.py (the numbers `easel usage --reconcile` prints). This module only draws.

The tables are built here from the reconciliation's figures, so money reads in the session's locale and the
column names in its language; the reasons and notes are easel's own text (translated there)."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from easel.core.i18n import N_, _, format_number, format_percent, ngettext
from easel.usage import Filters
from easel.usage.reconcile import DEFAULT_TOLERANCE, Tolerance, reconcile

from components.money_view import money
from components.usage_panels import STATUS_LABELS

__all__ = ["render_reconciliation", "COLUMNS"]

_K = "easel.usage.reconcile."      # widget keys; tests set them through AppTest
_SHOWN = 200                       # rows drawn per list
# Candidate rows checked per rerun, newest first: a provider gone wrong on thousands of rows costs the page a few
# milliseconds, not a 5,000-row read (`easel usage --reconcile` checks them all).
_CHECKED = 1000
_NONE = "–"                        # no row carries that figure

# The tables' column names: the row dicts keep these English keys; each is shown translated.
COLUMNS = {"When (UTC)": N_("When (UTC)"), "Provider": N_("Provider"), "Status": N_("Status"),
           "Reason": N_("Reason"), "Reported": N_("Reported"), "Reference": N_("Reference"),
           "Doc says": N_("Doc says"), "Actual": N_("Actual"), "Job": N_("Job"), "Day": N_("Day"),
           "Requests": N_("Requests"), "Estimate": N_("Estimate"), "Formula": N_("Formula"),
           "Billed but failed": N_("Billed but failed"), "Notes": N_("Notes")}


def _tolerance() -> Tolerance:
    with st.popover(_("Tolerance"), icon=":material/tune:", key=_K + "popover"):
        pct = st.number_input(_("Differs by more than (%)"), min_value=0.0, max_value=1000.0, step=0.5,
                              value=DEFAULT_TOLERANCE.relative * 100, key=_K + "pct")
        absolute = st.number_input(_("… and by more than (provider's unit)"), min_value=0.0, step=0.0001,
                                   format="%.4f", value=DEFAULT_TOLERANCE.absolute, key=_K + "abs")
    return Tolerance(relative=pct / 100, absolute=absolute)


def _tolerance_text(t: Tolerance) -> str:
    return _("{percent} and {absolute} in the provider's unit").format(
        percent=format_percent(t.relative, 0 if round(t.relative * 100, 6).is_integer() else 2),
        absolute=f"{t.absolute:g}")


def _shown(rows: list[dict]) -> list[dict]:
    return [{_(COLUMNS.get(k, k)): v for k, v in row.items()} for row in rows]


def _flagged_row(r) -> dict:
    label = lambda v: _NONE if v is None else money(v, r.currency, exact=True)  # noqa: E731
    when = datetime.fromtimestamp(r.created_at, timezone.utc).strftime("%Y-%m-%d %H:%M")
    return {"When (UTC)": when, "Provider": r.provider,
            "Status": _(STATUS_LABELS[r.status]) if r.status in STATUS_LABELS else r.status,
            "Reason": r.reason, "Reported": label(r.reported),
            "Reference" if r.reference_kind != "failure" else "Doc says": label(r.reference),
            "Actual": label(r.actual), "Job": r.job_id}


def _total_row(t) -> dict:
    def shown(which: str) -> str:
        m = t.money(which)
        if m is None:
            return _NONE
        n = getattr(t, f"{which}_n")
        text = money(m.amount, m.currency, exact=True)
        return text if n == t.requests else _("{amount} ({count} of {total})").format(
            amount=text, count=format_number(n), total=format_number(t.requests))

    return {"Day": t.day.isoformat(), "Provider": t.provider, "Requests": t.requests,
            "Estimate": shown("estimated"), "Reported": shown("reported"), "Formula": shown("formula"),
            "Billed but failed": t.billed_failed, "Notes": "; ".join(t.notes)}


def render_reconciliation(store, filters: Filters) -> None:
    head, control = st.columns([5, 1], vertical_alignment="center")
    with control:
        tolerance = _tolerance()
    rec = reconcile(store, filters, tolerance, scan_limit=_CHECKED)
    head.caption(_("**Reported**: the provider's own figure (gccai's and icodeeasy's task cost, the token usage of "
                   "openai-hk, OpenAI and Demo; QCode and icodeeasy's sync mode report none). **Formula**: the doc's "
                   "prices applied to what came back; failures at 0. Each in the provider's own unit, never "
                   "converted. Rows differ beyond {tolerance}.").format(tolerance=_tolerance_text(tolerance)))
    if not rec.totals:
        st.info(_("No requests in this range to reconcile."), icon=":material/receipt_long:")
        return
    if rec.agrees:
        st.success(_("All agree: every reported cost matches its doc's formula within the tolerance, and no failed "
                     "request was billed."), icon=":material/check_circle:")
    else:
        differ, billed = len(rec.flagged), len(rec.billed_failed)
        st.warning(ngettext("{count} row differs beyond the tolerance", "{count} rows differ beyond the tolerance",
                            differ).format(count=format_number(differ)) + " · "
                   + ngettext("{count} failed request billed.", "{count} failed requests billed.",
                              billed).format(count=format_number(billed)), icon=":material/report:")
    for key, title, rows, empty in (
            ("flagged", _("Differs beyond tolerance"), rec.flagged, _("No reported cost differs from its reference.")),
            ("billed_failed", _("Billed but failed"), rec.billed_failed,
             _("No failed or cancelled request carries a cost."))):
        st.markdown(f"**{title}** ({format_number(len(rows))})")
        if rows:
            # The newest rows only: a page stays fast with thousands flagged; the CSV and `easel usage
            # --reconcile --json` carry them all.
            st.dataframe(_shown([_flagged_row(r) for r in rows[:_SHOWN]]), hide_index=True, key=_K + key)
            if len(rows) > _SHOWN:
                st.caption(_("The newest {shown} of {total} shown; `{command}` lists all.").format(
                    shown=format_number(_SHOWN), total=format_number(len(rows)),
                    command="easel usage --reconcile --json"))
        else:
            st.caption(empty)
    # The flagged rows first (what needs a look), then the totals they sit in.
    st.markdown("**" + _("Per provider and day") + "**")
    st.dataframe(_shown([_total_row(t) for t in rec.totals]), hide_index=True, key=_K + "totals")
    st.caption(_("Days are usage days (Beijing by default, as on the other tabs); row times are UTC."))
    if rec.unread:
        st.caption(_("Only the newest {checked} candidate rows were checked here; {unread} older ones were not: "
                     "narrow the date range, or run `{command}`, which checks every row.").format(
            checked=format_number(_CHECKED), unread=format_number(rec.unread),
            command="easel usage --reconcile --json"))
