"""The Tasks page's list: every followed job with its state, progress, parameters and cost, and the actions
that fit that state (retry, stop following, check now).

It lists jobs from every session and process, not just this browser tab's: a refresh starts a new session,
and a job must still be found after it (or after `easel generate --async` from a shell). The store is the
only source; JobService's threads and the poller write it, this view only reads it and calls JobService.
"""

from __future__ import annotations

import time

import streamlit as st

from easel.core import config
from easel.providers import catalog
from easel.core.errors import EaselError
from easel.store import TERMINAL_STATUSES

from components import md_escape
from components.gallery import render_gallery
from components.job_view import job_error_text
from components.notifier import watch

__all__ = ["STATUS_LABELS", "render_task_list", "filtered_jobs", "retry_client", "REFRESH_S"]

REFRESH_S = 2.0
STATUS_LABELS = {
    "queued": "Queued", "running": "Running", "submitting": "Submitting", "pending": "Provider task running",
    "waiting_for_key": "Waiting for key", "completed": "Completed", "failed": "Failed",
    "interrupted": "Interrupted", "timed_out": "Timed out", "cancelled": "Cancelled",
}
_ICONS = {"completed": ":material/check_circle:", "failed": ":material/error:", "interrupted": ":material/bolt:",
          "timed_out": ":material/timer_off:", "cancelled": ":material/cancel:",
          "waiting_for_key": ":material/key_off:"}
_STATUS_FILTER = "easel.tasks.status"
_PROVIDER_FILTER = "easel.tasks.provider"
_MESSAGE = "easel.tasks.message"
ALL = "All providers"


def filtered_jobs(store, *, statuses: list[str], provider: str | None, limit: int = 100):
    return store.list_jobs(status=tuple(statuses) or None, provider=provider, followed=True, limit=limit)


def retry_client(jobs_service, job, session):
    """A client for a retry, which is new spend: only this session's own client (same provider), or a key the
    server itself is configured with (environment or secrets). The poller's key ring may hold keys other
    sessions typed; it uses them to finish those sessions' own tasks, never to pay for this session's retry.
    None: the user must pick the provider (and a key) in the sidebar."""
    if session is not None and session.client is not None and session.profile.id == job.provider:
        return session.client
    configured = config.resolve_key(job.provider)
    entry = jobs_service.keyring.get(job.provider, job.key_fingerprint)
    if configured.key and configured.fingerprint == job.key_fingerprint and entry is not None:
        return jobs_service.make_client(jobs_service.profile_for(job, entry), entry)
    return None


def _elapsed(job) -> float:
    end = job.finished_at if job.is_terminal and job.finished_at else time.time()
    return max(0.0, end - job.created_at)


def _typical(job) -> float:
    try:
        return catalog.get_profile(job.provider).typical_latency_s
    except EaselError:
        return 45.0


def _cost_text(job) -> str:
    if job.actual is not None:
        return job.actual.label()
    if job.cost_estimated is not None:
        return "≈ " + job.estimated.label()
    return "cost unknown until the task reports it"


def _params_text(job) -> str:
    parts = [job.size, job.resolution, job.quality, f"n={job.n}", job.mode, job.endpoint]
    if job.ref_count:
        parts.append(f"{job.ref_count} reference{'s' if job.ref_count > 1 else ''}")
    if job.has_mask:
        parts.append("mask")
    return " · ".join(str(p) for p in parts if p)


def _retry(jobs_service, job, session) -> None:
    client = retry_client(jobs_service, job, session)
    if client is None:
        st.session_state[_MESSAGE] = (f"Choose {job.provider} in the sidebar (with key {job.key_fingerprint}) "
                                      "to retry this job.")
        return
    try:
        new_id = jobs_service.retry(job.id, client, session_id=st.session_state.get("easel.session_id"))
    except EaselError as e:
        st.session_state[_MESSAGE] = e.user_message()
        return
    finally:
        # A client made from the key ring is only a carrier for the key; the session's own client stays open.
        if session is None or client is not session.client:
            client.close()
    watch([new_id])
    st.session_state[_MESSAGE] = None


def _check_now(jobs_service, job) -> None:
    try:
        jobs_service.check_now(job.id)
    except EaselError as e:
        st.session_state[_MESSAGE] = e.user_message()


def _card(job, *, store, jobs_service, session) -> None:
    with st.container(border=True):
        head, actions = st.columns([5, 2])
        with head:
            label = STATUS_LABELS.get(job.status, job.status)
            st.markdown(f"{_ICONS.get(job.status, ':material/hourglass_top:')} **{label}** · "
                        f"{md_escape(job.provider)} · {md_escape(job.model or '')} · {_elapsed(job):.0f} s · "
                        f"{md_escape(_cost_text(job))}")
            st.text(job.prompt)
            st.caption(md_escape(_params_text(job)))
            if not job.is_terminal:
                typical = _typical(job)
                # Before the provider reports any progress, time against its usual latency says more than 0 %.
                fraction = (min(int(job.progress), 100) / 100 if job.progress
                            else min(_elapsed(job) / typical, 0.95))
                st.progress(fraction, text=f"{_elapsed(job):.0f} s of ~{typical:.0f} s typical")
        k = f"easel.tasks.{job.id}"
        with actions:
            if job.status in ("failed", "interrupted", "timed_out", "cancelled"):
                st.button("Retry with the same settings", key=f"{k}.retry", icon=":material/replay:",
                          on_click=_retry, args=(jobs_service, job, session), width="stretch")
            if job.status == "timed_out":
                st.button("Check now", key=f"{k}.check", icon=":material/refresh:",
                          on_click=_check_now, args=(jobs_service, job), width="stretch")
            if not job.is_terminal or job.status == "timed_out":
                st.button("Stop following", key=f"{k}.stop", icon=":material/visibility_off:",
                          on_click=jobs_service.stop_following, args=(job.id,), width="stretch")
        if job.status == "waiting_for_key":
            st.warning(f"Waiting for key: enter the {md_escape(job.provider)} key {md_escape(job.key_fingerprint)} "
                       "in the sidebar, or set it in the environment, and polling resumes.", icon=_ICONS[job.status])
        elif job.status in ("failed", "interrupted", "timed_out"):
            st.error(md_escape(job_error_text(job)), icon=_ICONS[job.status])
        elif job.status == "completed":
            images = store.list_images(job_id=job.id)
            if images:
                render_gallery(images, key=k, columns=4, actions=False, store=store)


def render_task_list(*, store, jobs_service, session=None, limit: int = 100) -> None:
    """Filters, the bulk actions, and the live list of jobs."""
    c1, c2, c3 = st.columns([3, 2, 2], vertical_alignment="bottom")
    statuses = c1.multiselect("Status", list(STATUS_LABELS), format_func=STATUS_LABELS.get, key=_STATUS_FILTER,
                              placeholder="All statuses")
    providers = [ALL, *sorted({p.id for p in catalog.all_profiles()})]
    provider = c2.selectbox("Provider", providers, key=_PROVIDER_FILTER)
    provider = None if provider == ALL else provider
    if c3.button("Clear finished", icon=":material/clear_all:", width="stretch",
                 help="Hide finished jobs from this list. They stay in the usage log and the gallery."):
        cleared = jobs_service.clear_finished()
        st.toast(f"Cleared {cleared} finished job{'s' if cleared != 1 else ''}.")
    if st.session_state.get(_MESSAGE):
        st.warning(md_escape(st.session_state[_MESSAGE]))

    live = any(not j.is_terminal for j in filtered_jobs(store, statuses=statuses, provider=provider, limit=limit))

    # The timer exists only while something is unfinished; when that changes, one full rerun re-creates the
    # fragment with or without it (so an idle page stops refreshing, and a retry starts it again).
    @st.fragment(run_every=REFRESH_S if live else None)
    def _list() -> None:
        jobs = filtered_jobs(store, statuses=statuses, provider=provider, limit=limit)
        if any(not j.is_terminal for j in jobs) != live:
            st.rerun()
        if not jobs:
            st.info("No jobs here yet. Generate or edit an image, or run `easel generate --async`.")
            return
        finished = sum(1 for j in jobs if j.status in TERMINAL_STATUSES)
        st.caption(f"{len(jobs)} job{'s' if len(jobs) != 1 else ''} · {len(jobs) - finished} unfinished"
                   + (" · refreshing every 2 s" if live else ""))
        for job in jobs:
            _card(job, store=store, jobs_service=jobs_service, session=session)

    _list()
