"""A live view of a page's jobs: elapsed time against the provider's typical latency, progress, Cancel, then
the results.

The jobs run in JobService's threads; this view only reads the store. The live part is a fragment that
reruns every second only while something is unfinished, and triggers one full rerun when the last job ends.
"""

from __future__ import annotations

import time

import streamlit as st

from easel.providers import catalog

from components import md_escape
from components.gallery import render_gallery

__all__ = ["job_view", "job_error_text"]

_LABELS = {
    "queued": "Queued", "running": "Generating", "submitting": "Submitting", "pending": "Provider task running",
    "waiting_for_key": "Waiting for this provider's key", "completed": "Done", "failed": "Failed",
    "interrupted": "Interrupted", "timed_out": "Timed out", "cancelled": "Cancelled",
}


def job_error_text(job) -> str:
    """The stored message plus the provider's code, e.g. '… [image_daily_limit, HTTP 429]'."""
    message = job.error_message or _LABELS.get(job.status, job.status)
    code = job.error_code or job.status
    return message if code in message else f"{message} [{code}]"


def _typical(job) -> float:
    try:
        return catalog.get_profile(job.provider).typical_latency_s
    except Exception:  # noqa: BLE001 - a custom provider from another session: fall back to a generic figure
        return 45.0


def _live_card(job, jobs_service, *, key: str) -> None:
    elapsed = time.time() - job.created_at
    typical = _typical(job)
    with st.container(border=True):
        c1, c2 = st.columns([5, 1])
        with c1:
            if job.progress is not None:
                fraction = max(0, min(int(job.progress), 100)) / 100
            else:
                # No reported progress: show time against the provider's usual latency, never quite full.
                fraction = min(elapsed / typical, 0.95) if typical else 0.0
            st.progress(fraction, text=f"{_LABELS.get(job.status, job.status)} · {elapsed:.0f} s "
                                       f"of ~{typical:.0f} s typical · {job.provider} · n={job.n}")
        with c2:
            if st.button("Cancel", key=f"{key}.cancel.{job.id}", icon=":material/cancel:"):
                jobs_service.cancel(job.id)
                st.rerun()


def job_view(job_ids: list[str], *, key: str, store, jobs_service) -> None:
    """Show the given jobs; live while any is unfinished."""
    jobs = [j for j in (store.get_job(i) for i in job_ids) if j is not None]
    if not jobs:
        return
    unfinished = [j.id for j in jobs if not j.is_terminal]
    if unfinished:
        @st.fragment(run_every=1)
        def _live() -> None:
            current = [j for j in (store.get_job(i) for i in unfinished) if j is not None]
            if any(j.is_terminal for j in current):
                st.rerun()      # redraw the whole page: results, toasts, the gallery
            for job in current:
                _live_card(job, jobs_service, key=key)

        _live()
    for job in jobs:
        if job.is_terminal:
            _finished(job, key=key, store=store)


def _finished(job, *, key: str, store) -> None:
    if job.status != "completed":
        if job.status == "cancelled":
            st.info(f"Cancelled after {(job.finished_at or job.updated_at) - job.created_at:.0f} s.",
                    icon=":material/cancel:")
        else:
            st.error(md_escape(job_error_text(job)), icon=":material/error:")
        return
    images = store.list_images(job_id=job.id)
    if not images:
        st.info("This job's images were deleted from the gallery.")
        return
    render_gallery(images, key=f"{key}.{job.id}", columns=min(4, max(2, len(images))), store=store)
