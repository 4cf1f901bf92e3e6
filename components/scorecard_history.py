"""Each provider's scorecards over time: pass / fail counts per run, and the checks whose verdict changed."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from easel.core.i18n import N_, _
from easel.providers import catalog
from easel.core.errors import EaselError
from easel.store import scorecards
from easel.scorecard import check_label
from easel.core.i18n_text import shown

from components.scorecard_card import STATUS_COLOURS, card_key, card_title, status_label
from components.usage_charts import moment_format

__all__ = ["render_history", "provider_label", "provider_key"]

# The changes table's column names (row keys stay English; shown translated).
CHANGE_COLUMNS = {"Provider": N_("Provider"), "When (UTC)": N_("When (UTC)"), "Check": N_("Check"),
                  "Change": N_("Change"), "Got": N_("Got")}


def _catalog_label(pid: str) -> str:
    try:
        return catalog.get_profile(pid).label
    except EaselError:
        return pid


def provider_label(pid: str, simulated: bool) -> str:
    return card_title(_catalog_label(pid), simulated)


def provider_key(pid: str, simulated: bool) -> str:
    """The English title: the history picker's stable option value."""
    return card_key(_catalog_label(pid), simulated)


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def runs_frame(store, keys: list[tuple[str, bool]]) -> pd.DataFrame:
    rows = []
    for pid, simulated in keys:
        for run in scorecards.list_runs(store, pid, simulated=simulated, limit=100):
            for status in ("pass", "fail", "n/a"):
                rows.append({"provider": provider_label(pid, simulated), "run": _when(run.started_at),
                             "at": dt.datetime.fromtimestamp(run.started_at, dt.timezone.utc),
                             "status": status_label(status), "checks": run.counts.get(status, 0)})
    return pd.DataFrame(rows, columns=["provider", "run", "at", "status", "checks"])


def history_chart(frame: pd.DataFrame) -> alt.Chart:
    colours = alt.Scale(domain=[status_label(s) for s in STATUS_COLOURS],
                        range=[fg for _bg, fg in STATUS_COLOURS.values()])
    return (alt.Chart(frame).mark_line(point=True)
            # A UTC scale, as the title says (a plain time scale would show the browser's clock).
            .encode(x=alt.X("at:T", title=_("Run (UTC)"), scale=alt.Scale(type="utc"),
                            axis=alt.Axis(format=moment_format(), labelOverlap=True, tickCount=4)),
                    y=alt.Y("checks:Q", title=_("Checks"), axis=alt.Axis(tickMinStep=1)),
                    color=alt.Color("status:N", scale=colours, title=_("Verdict")),
                    strokeDash=alt.StrokeDash("provider:N", title=_("Provider")),
                    tooltip=[alt.Tooltip("provider:N", title=_("Provider")),
                             alt.Tooltip("run:N", title=_("Run (UTC)")),
                             alt.Tooltip("status:N", title=_("Verdict")),
                             alt.Tooltip("checks:Q", title=_("Checks"))])
            .properties(height=220))


def render_history(store) -> None:
    keys = scorecards.card_keys(store)
    if not keys:
        st.caption(_("No scorecard has run yet: each run is kept here with its date."))
        return
    names = {provider_key(p, s): (p, s) for p, s in keys}
    chosen = st.multiselect(_("Providers"), list(names), default=list(names), key="easel.scorecard.history",
                            format_func=lambda k: provider_label(*names[k]) if k in names else k)
    picked = [names[n] for n in chosen if n in names]
    if not picked:
        return
    chart_col, changes_col = st.columns([3, 2])
    chart_col.altair_chart(history_chart(runs_frame(store, picked)), width="stretch")
    changes = []
    for pid, simulated in picked:
        for ch in scorecards.check_changes(store, pid, simulated=simulated):
            if ch["from"] is None:
                continue            # a check's first verdict is not a change
            row = {"When (UTC)": _when(ch["at"]), "Check": check_label(ch["name"]),
                   "Change": f"{status_label(ch['from'])} → {status_label(ch['to'])}", "Got": shown(ch["got"])}
            if len(picked) > 1:
                row = {"Provider": provider_label(pid, simulated), **row}
            changes.append(row)
    with changes_col:
        st.markdown("**" + _("Verdicts that changed") + "**")
        if changes:
            changes.sort(key=lambda r: r["When (UTC)"], reverse=True)
            frame = pd.DataFrame(changes[:20]).rename(columns={k: _(v) for k, v in CHANGE_COLUMNS.items()})
            st.table(frame.style.hide(axis="index").set_properties(**{"font-size": "0.82rem"}))
        else:
            st.caption(_("Every check has kept its verdict across these runs."))
