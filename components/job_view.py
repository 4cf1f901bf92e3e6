"""A live view of a page's jobs: a compact card per running job (elapsed time against the provider's typical
latency, or its reported progress, and Cancel), then every finished job's images in one grid with the lightbox.

The jobs run in JobService's threads; this view only reads the store. The live part is a fragment that
reruns every second only while something is unfinished, and triggers one full rerun when the last job ends.
"""

from __future__ import annotations

import time

import streamlit as st

from easel.providers import catalog

from components import md_escape
from components.gallery import render_gallery

__all__ = ["job_view", "job_error_text", "progress_state"]

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


def progress_state(job, now: float | None = None) -> tuple[float, str]:
    """(the bar's fraction, its label), so the two always say the same thing.

    The provider's own progress when it reports some (above 0 %), else the time so far against the provider's
    typical latency, capped just short of full while it runs over."""
    elapsed = max(0.0, (now or time.time()) - job.created_at)
    status = _LABELS.get(job.status, job.status)
    tail = f"{job.provider} · n={job.n}"
    if job.progress:
        fraction = max(0, min(int(job.progress), 100)) / 100
        return fraction, f"{status} · {fraction:.0%} · {elapsed:.0f} s · {tail}"
    typical = _typical(job)
    if not typical:
        return 0.0, f"{status} · {elapsed:.0f} s · {tail}"
    fraction = min(elapsed / typical, 0.95)
    over = " (running long)" if elapsed > typical else ""
    return fraction, f"{status} · {elapsed:.0f} s of ~{typical:.0f} s typical{over} · {tail}"


def _live_card(job, jobs_service, *, key: str) -> None:
    fraction, label = progress_state(job)
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.progress(fraction, text=label)
        if st.button("Cancel", key=f"{key}.cancel.{job.id}", icon=":material/cancel:", width="content"):
            jobs_service.cancel(job.id)
            st.rerun()


def job_view(job_ids: list[str], *, key: str, store, jobs_service, columns: int | None = None) -> None:
    """Show the given jobs: one compact live card each while unfinished, then every finished job's images in
    one grid (2–4 across; `columns` fixes the count) with the lightbox, and any failure's message."""
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
            with st.container(border=True, gap="small"):
                for job in current:
                    _live_card(job, jobs_service, key=key)

        _live()
    images, emptied = [], 0
    for job in jobs:
        if not job.is_terminal:
            continue
        if job.status != "completed":
            _stopped(job)
            continue
        rows = store.list_images(job_id=job.id)
        images.extend(rows)
        emptied += not rows
    if emptied and not images:
        st.info("This job's images were deleted from the gallery." if emptied == 1 else
                "These jobs' images were deleted from the gallery.")
    if images:
        render_gallery(images, key=f"{key}.results", columns=columns or min(4, max(2, len(images))), store=store)


def _stopped(job) -> None:
    if job.status == "cancelled":
        st.info(f"Cancelled after {(job.finished_at or job.updated_at) - job.created_at:.0f} s.",
                icon=":material/cancel:")
    else:
        st.error(md_escape(job_error_text(job)), icon=":material/error:")
