"""A live view of a page's jobs: a compact card per running job (elapsed time against the provider's typical
latency, or its reported progress, and Cancel), then every finished job's images in one grid with the lightbox.

The jobs run in JobService's threads; this view only reads the store. The live part is a fragment that
reruns every second only while something is unfinished, and triggers one full rerun when the last job ends.
"""

from __future__ import annotations

import time

import streamlit as st

from easel.core.i18n import N_, _, format_number, ngettext
from easel.media import imaging
from easel.providers import catalog
from easel.store import partials

from components import entry_routing, notifier, services, team_share
from components.gallery import render_gallery
from components.errors_view import show_error

__all__ = ["job_view", "job_error_text", "progress_state", "streamed", "stream_preview", "PREVIEW_SIDE"]

_LABELS = {
    "queued": N_("Queued"), "running": N_("Generating"), "submitting": N_("Submitting"),
    "pending": N_("Provider task running"), "waiting_for_key": N_("Waiting for this provider's key"),
    "completed": N_("Done"), "failed": N_("Failed"), "interrupted": N_("Interrupted"), "timed_out": N_("Timed out"),
    "cancelled": N_("Cancelled"),
}
_MAX_CARDS = 3      # more runs than this at once share one summary bar


def job_error_text(job) -> str:
    """The stored message plus the provider's code, e.g. '… [image_daily_limit, HTTP 429]'."""
    message = job.error_message or _status_label(job.status)
    code = job.error_code or job.status
    return message if code in message else f"{message} [{code}]"


def _status_label(status: str) -> str:
    return _(_LABELS[status]) if status in _LABELS else status


def _seconds(value: float) -> str:
    return format_number(round(value))


def _typical(job) -> float:
    try:
        return catalog.get_profile(job.provider).typical_latency_s
    except Exception:  # noqa: BLE001 - a custom provider from another session: fall back to a generic figure
        return 45.0


def progress_state(job, now: float | None = None) -> tuple[int, str]:
    """(the bar's percent, its label), so the two always say the same thing.

    The provider's own progress when it reports some (above 0 %), else the time so far against the provider's
    typical latency, capped just short of full while it runs over. An int, given to st.progress as it is: a
    float would be truncated there (0.29 → 28 %)."""
    elapsed = max(0.0, (now or time.time()) - job.created_at)
    status = _status_label(job.status)
    tail = f"{job.provider} · n={job.n}"
    if job.progress:
        percent = max(0, min(int(job.progress), 100))
        return percent, _("{status} · {percent}% · {elapsed} s · {tail}").format(
            status=status, percent=percent, elapsed=_seconds(elapsed), tail=tail)
    typical = _typical(job)
    if not typical:
        return 0, _("{status} · {elapsed} s · {tail}").format(status=status, elapsed=_seconds(elapsed), tail=tail)
    percent = int(100 * min(elapsed / typical, 0.95))
    template = (_("{status} · {elapsed} s of ~{typical} s typical (running long) · {tail}") if elapsed > typical
                else _("{status} · {elapsed} s of ~{typical} s typical · {tail}"))
    return percent, template.format(status=status, elapsed=_seconds(elapsed), typical=_seconds(typical), tail=tail)


def _live_card(job, jobs_service, *, key: str) -> None:
    percent, label = progress_state(job)
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.progress(percent, text=label)
        if st.button(_("Cancel"), key=f"{key}.cancel.{job.id}", icon=":material/cancel:", width="content"):
            jobs_service.cancel(job.id, viewer=services.viewer())
            st.rerun()


def _live_summary(jobs, jobs_service, *, key: str) -> None:
    """Many runs at once (Repeat × k): one bar for all, so the card stays a line high. The bar is their mean;
    the label says how many are where and the longest wait against the typical time."""
    now = time.time()
    states = [progress_state(j, now) for j in jobs]
    percent = sum(p for p, _label in states) // len(states)       # one number for the bar and its label
    counts: dict[str, int] = {}
    for j in jobs:
        counts[_status_label(j.status)] = counts.get(_status_label(j.status), 0) + 1
    oldest = min(jobs, key=lambda j: j.created_at)
    typical = _typical(oldest)
    # Lower case is English's way of running the states on in a list; Chinese and Korean have no case.
    states = _(", ").join(_("{count} {state}").format(count=n, state=s.lower()) for s, n in counts.items())
    label = ngettext("{runs} run: {states} · {percent}% · {elapsed} s of ~{typical} s typical · {provider}",
                     "{runs} runs: {states} · {percent}% · {elapsed} s of ~{typical} s typical · {provider}",
                     len(jobs)).format(runs=len(jobs), states=states, percent=percent,
                                       elapsed=_seconds(now - oldest.created_at), typical=_seconds(typical),
                                       provider=oldest.provider)
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.progress(percent, text=label)
        if st.button(_("Cancel all"), key=f"{key}.cancel_all", icon=":material/cancel:", width="content"):
            for j in jobs:
                jobs_service.cancel(j.id, viewer=services.viewer())
            st.rerun()


def job_view(job_ids: list[str], *, key: str, store, jobs_service, columns: int | None = None) -> None:
    """Show the given jobs: a compact live card while unfinished (a line per job, or one summary line for more
    than three), then every finished job's images in one grid (2–4 across, 2 in a narrow container; `columns`
    fixes the count) with the lightbox, and any failure's message."""
    jobs = [j for j in (store.get_job(i) for i in job_ids) if j is not None]
    if not jobs:
        return
    notifier.showing(job_ids)          # the results appear right here, so the notifier needs no toast for them
    unfinished = [j.id for j in jobs if not j.is_terminal]
    if unfinished:
        # A streamed job's previews come every second or two: look twice as often so each shows promptly.
        @st.fragment(run_every=0.5 if any(streamed(j) for j in jobs if not j.is_terminal) else 1)
        def _live() -> None:
            current = [j for j in (store.get_job(i) for i in unfinished) if j is not None]
            if any(j.is_terminal for j in current):
                st.rerun()      # redraw the whole page: results, toasts, the gallery
            with st.container(border=True, gap="small"):
                if len(current) > _MAX_CARDS:
                    _live_summary(current, jobs_service, key=key)
                else:
                    for job in current:
                        _live_card(job, jobs_service, key=key)
            # The newest preview of each streamed job, where its final image will appear.
            for job in current[:_MAX_CARDS]:
                if streamed(job):
                    stream_preview(store, job)

        _live()
    images, emptied = [], 0
    for job in jobs:
        if not job.is_terminal:
            continue
        if job.status != "completed":
            _stopped(job)
            # A broken stream's previews were kept (easel/store/partials.py); they show labelled partial.
            images.extend(r for r in store.list_images(job_id=job.id) if partials.is_partial(r.idx))
            continue
        rows = store.list_images(job_id=job.id)
        images.extend(rows)
        emptied += not rows
    if emptied and not images:
        st.info(ngettext("This job's images were deleted from the gallery.",
                         "These jobs' images were deleted from the gallery.", emptied))
    if images:
        # The owner's "Share with team" (only for a signed-in person: components/team_share.py).
        team_share.share_result_toggle(store, [j for j in jobs if j.is_terminal], key=key)
        render_gallery(images, key=f"{key}.results", columns=columns or min(4, len(images)), store=store)


PREVIEW_SIDE = 384     # px: the size the final image's thumbnail takes in the grid, so nothing jumps


def streamed(job) -> bool:
    return bool(job.params.get("stream"))


@st.cache_data(max_entries=32, show_spinner=False)
def _preview_bytes(sha: str, path: str, _store) -> bytes:
    """A partial, shrunk once per image (cached by its hash): the fragment redraws it twice a second."""
    return imaging.thumbnail(_store.blobs.read(path), PREVIEW_SIDE)


def stream_preview(store, job) -> None:
    """The newest partial image of a streamed job while it runs, labelled as a preview."""
    latest = partials.latest_partial(store, job.id)
    expected = job.params.get("partial_images") or 0
    if latest is None:
        with st.container(border=True, height=PREVIEW_SIDE // 2, horizontal_alignment="center",
                          vertical_alignment="center", key=f"easel-preview-wait-{job.id}"):
            st.caption(_("Streaming: the first preview appears here as it arrives.") if expected else
                       _("Streaming: the image appears here as it arrives."), width="content")
        return
    number, pixels = latest.partial_index + 1, f"{latest.width}×{latest.height}"
    caption = (_("Partial {number} of {expected} · {pixels} · preview; the final image replaces it") if expected else
               _("Partial {number} · {pixels} · preview; the final image replaces it"))
    st.image(_preview_bytes(latest.sha256, latest.path, store), width="content",
             caption=caption.format(number=number, expected=expected, pixels=pixels))


def _stopped(job) -> None:
    if job.status == "cancelled":
        st.info(_("Cancelled after {seconds} s.").format(
                    seconds=_seconds((job.finished_at or job.updated_at) - job.created_at)),
                icon=":material/cancel:")
    else:
        show_error(job_error_text(job), icon=":material/error:")
        entry_routing.direct_retry_offer(job, key="jobs")
