"""The Compare page's grid, one column per provider: first the plan (what each will send, what changed, the
estimate, warnings), then the results (image, actual against requested size, latency, estimated and reported
cost, revised prompt, error with its code), with Rerun, Pick as winner and the ZIP.

The results read the store only (the jobs run in JobService's threads); the live part is a fragment that reruns
every second while a column is unfinished, so columns fill in as each finishes.
"""

from __future__ import annotations

import streamlit as st

from easel import compare
from easel.compare import archive
from easel.compare.plan import ComparisonPlan
from easel.media import thumbnails
from easel.store import comparisons as cmp
from easel.core.i18n_text import shown
from easel.core.i18n import _, format_decimal

from components import md_escape, notifier, services, team_share, truncate
from components.errors_view import show_error
from components.job_view import job_error_text, progress_state
from components.money_view import money_or_unknown

__all__ = ["plan_grid", "results_grid", "money_text"]

KEY = "cmp"
PER_ROW = 3         # wider than this, a 1366 px screen leaves a card too narrow for its image and buttons


def _slots(count: int) -> list:
    """One slot per column, PER_ROW to a row (equal widths: a short last row keeps the same card size)."""
    if count <= PER_ROW:
        return list(st.columns(count, gap="small"))
    slots: list = []
    for start in range(0, count, PER_ROW):
        slots += list(st.columns(PER_ROW, gap="small"))[:min(PER_ROW, count - start)]
    return slots


def money_text(amount: float | None, currency: str) -> str:
    # Up to five decimals: a comparison is about the differences, and QCode's 0.165 is not 0.17.
    return money_or_unknown(amount, currency)


def _notes(notes: list[str]) -> None:
    if notes:
        st.caption(md_escape(_("Changes: {notes}").format(notes="; ".join(notes))))
    else:
        st.caption(_("Sent as asked."))


def plan_grid(plan: ComparisonPlan) -> None:
    """Before submitting: a card per column with what it will send, its notes, estimate and warnings."""
    for slot, col in zip(_slots(len(plan.columns)), plan.columns):
        r = col.mapped.request
        with slot.container(border=True, key=f"{KEY}-plan-{col.target.name.replace(':', '-')}"):
            st.markdown(f"**{md_escape(col.target.label)}**")
            st.caption(md_escape(_("sends {size} · {quality} · n={n}").format(
                size=shown(col.mapped.sent_size), quality=r.quality, n=r.n)))
            est = col.estimate
            conv = col.converted
            line = f"≈ {money_text(est.amount, est.currency)}"
            if est.amount is not None and conv is not None and conv.currency != est.currency:
                line += f" ≈ {money_text(conv.amount, conv.currency)}"
            if est.amount is None:
                line += f" ({est.basis})"
            st.markdown(md_escape(line))
            _notes(col.notes)
            if col.problem is not None:
                show_error(col.problem, icon=":material/rule:")
            for w in col.warnings:
                st.caption(":orange[:material/warning: " + md_escape(w) + "]")     # markup around easel's text


def _image(store, col, winner: int | None) -> None:
    img = col.image
    if img is None:
        return
    st.image(thumbnails.thumbnail_bytes(store, img), width="stretch")
    actual = col.actual_size
    expected = col.expected_size
    asked = " · " + _("asked {size}").format(size=expected) if expected else ""
    mark = " · ✓" if expected and actual and f"{actual[0]}x{actual[1]}" == expected else \
        (" · " + _("differs") if expected and actual else "")
    st.caption(f"{actual[0]}×{actual[1]} px{asked}{mark}" + (" · ★ " + _("winner") if winner == img.id else ""))


def _money(col) -> str:
    est = col.estimate
    rep = col.reported
    if not compare.run.is_finished(col.job):
        rep_text = _("reported pending")
    elif rep is not None:
        rep_text = _("reported {amount}").format(amount=money_text(rep.amount, rep.currency))
    else:
        # QCode and sync icodeeasy report no cost: say so, with what the doc's price list makes it.
        billed = col.billed
        rep_text = _("not reported") + ("" if billed is None or billed.amount is None else " · " + _(
            "doc price {amount}").format(amount=money_text(billed.amount, billed.currency)))
    return _("est {amount}").format(amount=money_text(est.amount, est.currency)) + f" · {rep_text}"


def _card(store, jobs, cid: str, col, winner: int | None, options: dict, *, actions: bool = True) -> None:
    with st.container(border=True, key=f"{KEY}-col-{col.idx}"):
        st.markdown(f"**{md_escape(col.label)}**")
        job = col.job
        if job is not None and not job.is_terminal:
            percent, label = progress_state(job)
            st.progress(percent, text=label)
        _image(store, col, winner)
        if col.latency_s is not None:
            st.caption(_("{seconds} s submit → on disk").format(seconds=format_decimal(col.latency_s, 1)))
        st.caption(md_escape(_money(col)))
        if job is None:
            show_error(f"{col.message or _('Not sent.')} [{col.code or 'not_sent'}]", icon=":material/error:")
        elif job.is_terminal and job.status != "completed":
            show_error(job_error_text(job), icon=":material/error:")
        if actions:
            _actions(store, jobs, cid, col, winner, options)
        if col.revised_prompt:
            st.caption(md_escape(_("revised: {prompt}").format(prompt=truncate(col.revised_prompt, 160))))
        _notes(col.notes)


def _actions(store, jobs, cid: str, col, winner: int | None, options: dict) -> None:
    if not compare.run.is_finished(col.job):
        return
    b1 = b2 = st.container(gap="small")
    choice = options.get(col.target)
    if col.job is not None:
        if b1.button(_("Rerun"), key=f"{KEY}.rerun.{col.idx}", icon=":material/replay:", width="stretch",
                     disabled=choice is None or not choice.usable,
                     help=None if choice is not None and choice.usable else
                     (choice.reason if choice is not None else _("not available in this session"))):
            from components import services

            try:
                compare.rerun_column(jobs, cid, col.idx, choice.target, session_id=services.session_id())
            except Exception as e:  # noqa: BLE001 - an EaselError or a vanished input: shown, never a traceback
                st.session_state[f"{KEY}.error"] = getattr(e, "user_message", lambda: str(e))()
            st.rerun()
    img = col.image
    if img is not None and winner != img.id:
        if b2.button(_("Pick as winner"), key=f"{KEY}.win.{col.idx}", icon=":material/star:", width="stretch"):
            compare.pick_winner(store, cid, img.id)
            st.rerun()


def results_grid(store, jobs, cid: str, options: dict) -> None:
    """The comparison's columns; live while any is unfinished."""
    comp = cmp.get_comparison(store, cid)
    if comp is None:
        st.warning(md_escape(_("No comparison {id} in this data directory.").format(id=cid)),
                   icon=":material/search_off:")
        return
    cols = compare.results(store, cid)
    if not cols:
        st.info(_("This comparison has no columns."), icon=":material/compare:")
        return
    unfinished = any(not compare.run.is_finished(c.job) for c in cols)
    # A comparison another person shared is theirs to rerun and judge: the team sees it, read-only.
    who = services.viewer()
    own = who.single or comp.owner in ("", who.id)
    # The columns are ordinary jobs: followed like any other, so leaving the page mid-run still toasts when
    # they finish; while this grid draws them in view, their end needs no toast.
    notifier.watch([c.job.id for c in cols if c.job is not None and not c.job.is_terminal])
    notifier.showing([c.job.id for c in cols if c.job is not None])

    @st.fragment(run_every=1.0 if unfinished else None)
    def _grid() -> None:
        now = compare.results(store, cid)
        if unfinished and all(compare.run.is_finished(c.job) for c in now):
            st.rerun()          # the last column finished: a full run turns the live refresh off
        winner = (cmp.get_comparison(store, cid) or comp).winner_image_id     # (its owner may unshare it meanwhile)
        for slot, col in zip(_slots(len(now)), now):
            with slot:
                _card(store, jobs, cid, col, winner, options, actions=own)

    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(md_escape(_("Comparison {id}").format(id=cid) + f" · {truncate(comp.prompt, 70)}"))
        # Page links keep the session (a plain link would reload the app and lose the session's keys).
        st.page_link("pages/tasks.py", label=_("Tasks"), icon=":material/pending_actions:",
                     query_params={"comparison": cid})
        st.page_link("pages/gallery.py", label=_("Gallery"), icon=":material/photo_library:",
                     query_params={"comparison": cid})
        st.download_button(_("Download ZIP"), data=lambda: archive.zip_to_temp_file(store, cid),
                           file_name=f"easel-compare-{cid}.zip", mime="application/zip",
                           icon=":material/download:", key=f"{KEY}.zip", disabled=unfinished,
                           help=_("Every column's images and comparison.json (sizes, latency, costs, errors)."))
        team_share.share_comparison_toggle(store, comp)       # its owner, when signed in (components/team_share.py)
    if st.session_state.get(f"{KEY}.error"):
        show_error(st.session_state.pop(f"{KEY}.error"))
    _grid()
