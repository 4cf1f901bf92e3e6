"""Toasts when this session's jobs finish, on whichever page the user is.

A small fragment polls the store every 2 s, and exists only while the session has unfinished jobs, so an
idle session costs nothing. When the last one finishes it reruns the app once: the page then shows the result.
While a dialog (the lightbox) is open, toasts wait in `easel.toasts` until it closes, so none covers its buttons.
A job whose results the page itself draws (`showing`, called by job_view) gets no toast: the image appearing
where the user is looking says it, and a toast would only cover the top of the result column.
"""

from __future__ import annotations

import streamlit as st

from components import DeferredText, lightbox, md_escape, shown_text

__all__ = ["watch", "showing", "notifier"]

_WATCH = "easel.watch"
_TOASTS = "easel.toasts"
_PAGE = "easel.page"
_ON_SCREEN = "easel.on_screen"       # (page, job ids) the last full run drew in view


def watch(job_ids: list[str]) -> None:
    """Follow these jobs (submitted by this session) until they finish."""
    watched = st.session_state.setdefault(_WATCH, [])
    watched.extend(j for j in job_ids if j not in watched)


def showing(job_ids) -> None:
    """This run's page draws these jobs' progress and results in view, so their end needs no toast."""
    page, ids = st.session_state.get(_ON_SCREEN) or (st.session_state.get(_PAGE, ""), set())
    st.session_state[_ON_SCREEN] = (page, ids | set(job_ids))


def _message(job) -> DeferredText:
    """English in session state (held while a dialog is open), said in the viewer's language when shown."""
    provider = md_escape(job.provider)
    if job.status == "completed":
        return DeferredText.ngettext("Done: {n} image from {provider}", "Done: {n} images from {provider}",
                                     job.n or 1, n=job.n, provider=provider)
    if job.status == "cancelled":
        return DeferredText.gettext("Cancelled: a {provider} job", provider=provider)
    reason = md_escape(job.error_code or job.status)
    return DeferredText.gettext("A {provider} job ended: {status} \\[{reason}\\]", provider=provider,
                                status=job.status, reason=reason)


def _collect(store, in_view: set) -> tuple[list[str], list[str]]:
    """(messages for jobs that finished since the last look, job ids still running); none for a job in view."""
    messages, remaining = [], []
    for job_id in st.session_state.get(_WATCH, []):
        job = store.get_job(job_id)
        if job is None:
            continue
        if job.is_terminal:
            if job_id not in in_view:
                messages.append(_message(job))
        else:
            remaining.append(job_id)
    st.session_state[_WATCH] = remaining
    return messages, remaining


def _icon(message: str) -> str:
    return ":material/check_circle:" if message.startswith("Done") else ":material/error:"


def _dialog_open() -> bool:
    return lightbox.is_open()


def _show(messages: list[str]) -> None:
    """Toast them now, or hold them while a dialog is open: a top-right toast would cover the dialog's
    controls. They show on the first run after it closes (closing it reruns the app)."""
    if _dialog_open():
        st.session_state[_TOASTS] = [*st.session_state.get(_TOASTS, []), *messages]
        return
    for message in messages:
        st.toast(shown_text(message), icon=_icon(message))


def notifier(store, page: str = "") -> None:
    """Toast this session's finished jobs; `page` is the page this run shows (app.py passes its url path)."""
    lightbox.count_run()
    queued = [] if _dialog_open() else st.session_state.pop(_TOASTS, [])
    # Jobs the previous run drew in view, if this run shows the same page (switching away brings their toasts
    # back); this run's page records its own anew.
    drawn_on, drawn = st.session_state.pop(_ON_SCREEN, None) or ("", set())
    in_view = drawn if drawn_on == page else set()
    st.session_state[_PAGE] = page
    messages, remaining = _collect(store, in_view)
    _show([*queued, *messages])
    if not remaining:
        return

    @st.fragment(run_every=2)
    def _poll() -> None:
        done, still = _collect(store, (st.session_state.get(_ON_SCREEN) or ("", set()))[1])
        if not still:
            # A full rerun stops this timer and redraws the page with the results; the toasts go with it.
            st.session_state[_TOASTS] = [*st.session_state.get(_TOASTS, []), *done]
            st.rerun()
        _show(done)

    with st.sidebar:
        _poll()
