"""The Tasks page's list: every followed job as one compact row (thumbnail, prompt, state, cost, actions), and
the actions that fit that state (retry, stop following, check now).

It lists jobs from every session and process, not just this browser tab's: a refresh starts a new session,
and a job must still be found after it (or after `easel generate --async` from a shell). The store is the
only source; JobService's threads and the poller write it, this view only reads it and calls JobService.

A row is one line of state beside two lines of text, so ten jobs fit on a 1366×768 screen: the prompt and
its details never wrap (the full prompt is in the tooltip), and a failure is one line, its code first, that
unfolds on hover.
"""

from __future__ import annotations

import time

import streamlit as st

from easel.core import config
from easel.media import thumbnails
from easel.providers import catalog
from easel.core.errors import EaselError
from easel.core.i18n import N_, _, format_datetime, format_number, ngettext
from easel.core.i18n_text import money_text
from easel.store import TERMINAL_STATUSES
from easel.store import comparisons
from easel.store.rollup_schema import ZERO_COST_STATUSES

from components import cost, entry_routing, md_escape, services
from components.notifier import watch
from components import prompt_library

__all__ = ["STATUS_LABELS", "status_label", "render_task_list", "filtered_jobs", "retry_client", "progress_of", "error_line",
           "REFRESH_S", "SIMULATED_BADGE", "RETRY"]

REFRESH_S = 2.0
# English, marked for extraction; shown with `status_label` (translated at display time).
STATUS_LABELS = {
    "queued": N_("Queued"), "running": N_("Running"), "submitting": N_("Submitting"),
    "pending": N_("Provider task running"), "waiting_for_key": N_("Waiting for key"), "completed": N_("Completed"),
    "failed": N_("Failed"), "interrupted": N_("Interrupted"), "timed_out": N_("Timed out"),
    "cancelled": N_("Cancelled"),
}
_ICONS = {"completed": ":material/check_circle:", "failed": ":material/error:", "interrupted": ":material/bolt:",
          "timed_out": ":material/timer_off:", "cancelled": ":material/cancel:",
          "waiting_for_key": ":material/key_off:"}
_COLORS = {"completed": "green", "failed": "red", "interrupted": "red", "timed_out": "orange", "cancelled": "gray",
           "waiting_for_key": "orange"}
_STATUS_FILTER = "easel.tasks.status"
_PROVIDER_FILTER = "easel.tasks.provider"
_MESSAGE = "easel.tasks.message"
ALL = None                          # the provider filter's "All providers" choice
SIMULATED_BADGE = ":orange-badge[:material/science: {simulated}]"
RETRY = N_("Retry")
_ROW = "easel-task-row-"           # a row's container key (its CSS class is st-key-<key>)
_LIST = "easel-task-list"
_FAILED = ("failed", "interrupted", "timed_out")
# Streamlit's alerts and buttons are sized for forms; in a row they are tightened to one line of text. A failure
# stays one line until hovered, then shows its whole message.
_CSS = f"""<style>
.st-key-{_LIST} [class*="st-key-{_ROW}"] {{
  border-bottom: 1px solid rgba(49, 51, 63, 0.1); padding-bottom: 0.2rem;
}}
.st-key-{_LIST} [class*="st-key-{_ROW}"] [data-testid="stAlertContainer"] {{ padding: 0.3rem 0.6rem; }}
.st-key-{_LIST} [class*="st-key-{_ROW}"] [data-testid="stAlertContentError"] p,
.st-key-{_LIST} [class*="st-key-{_ROW}"] [data-testid="stAlertContentWarning"] p {{
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 0.875rem;
}}
.st-key-{_LIST} [class*="st-key-{_ROW}"] [data-testid="stAlertContainer"]:hover p {{ white-space: normal; }}
.st-key-{_LIST} [class*="st-key-{_ROW}"] button {{ min-height: 2rem; padding-top: 0.1rem; padding-bottom: 0.1rem; }}
.st-key-{_LIST} [class*="st-key-{_ROW}"] [data-testid="stImage"] img {{ border-radius: 0.25rem; }}
</style>"""


def status_label(status: str) -> str:
    """A job state in the session's language (an unknown state as its code)."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def filtered_jobs(store, *, statuses: list[str], provider: str | None, limit: int = 100):
    comparison = st.query_params.get("comparison")
    if comparison:
        # One comparison's columns (reruns included), from the Compare page's "Tasks" link.
        return [j for j in comparisons.comparison_jobs(store, comparison, limit=limit)
                if (not statuses or j.status in statuses) and (provider is None or j.provider == provider)]
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


def progress_of(job) -> tuple[int, str]:
    """An unfinished job's bar (a whole percent, which st.progress takes as is) and its label, from the same
    number: the provider's reported progress, or else (before it reports any) the time so far against the
    provider's usual latency, never quite full."""
    elapsed = _elapsed(job)
    label = status_label(job.status)
    if job.progress:
        pct = max(0, min(int(job.progress), 100))
        return pct, _("{status} · {pct}% · {elapsed} s").format(status=label, pct=pct,
                                                                elapsed=format_number(round(elapsed)))
    typical = _typical(job)
    pct = round(min(elapsed / typical, 0.95) * 100) if typical else 0
    return pct, _("{status} · ~{pct}% · {elapsed} s of ~{typical} s").format(
        status=label, pct=pct, elapsed=format_number(round(elapsed)), typical=format_number(round(typical)))


def error_line(job) -> tuple[str, str]:
    """A failure as one line: plain words first, the provider's code after them in small text, e.g.
    ('qcode: This key reached its daily image cap.', 'image_daily_limit, HTTP 429'). A narrow column cuts the
    line; the row's CSS unfolds it on hover."""
    message = (job.error_message or status_label(job.status)).strip()
    code = job.error_code or job.status
    head, sep, tail = message.rpartition(" [")
    if sep and tail.endswith("]") and tail.startswith(code):
        return head, tail[:-1]                  # '… [code, HTTP 429]' is split into its words and its code
    return message, ("" if code.lower() in message.lower() else code)


def _cost_text(job) -> str:
    """What the job cost, as the usage log counts it; a simulated job's amount is marked as never charged."""
    if job.actual is not None:
        text = money_text(job.actual.amount, job.actual.currency)
    elif job.status in ZERO_COST_STATUSES:
        return _("not billed")
    elif job.cost_estimated is not None:
        text = "≈ " + money_text(job.estimated.amount, job.estimated.currency)
    else:
        return _("cost unknown until the task reports it")
    return _("{cost} (not charged)").format(cost=text) if job.simulated else text


# How the request went, in words (the stored values are the API's: mode sync/async, endpoint generations/edits).
_MODES = {"sync": N_("sync"), "async": N_("async")}
_ENDPOINTS = {"generations": N_("generations"), "edits": N_("edits")}


def _params_text(job) -> str:
    parts = [job.size, job.resolution, job.quality, f"n={job.n}", _(_MODES.get(job.mode, job.mode)),
             _(_ENDPOINTS.get(job.endpoint, job.endpoint))]
    if job.ref_count:
        parts.append(ngettext("{n} reference", "{n} references", job.ref_count).format(n=job.ref_count))
    if job.has_mask:
        parts.append(_("mask"))
    return " · ".join(str(p) for p in parts if p)


def _retry(jobs_service, job, session) -> None:
    client = retry_client(jobs_service, job, session)
    if client is None:
        st.session_state[_MESSAGE] = _("Choose {provider} in the sidebar (with key {fingerprint}) to retry this "
                                       "job.").format(provider=job.provider, fingerprint=job.key_fingerprint)
        return
    try:
        new_id = cost.retry_within_budget(jobs_service, job, client, session_id=st.session_state.get("easel.session_id"),
                                          viewer=services.viewer())
    except EaselError as e:
        st.session_state[_MESSAGE] = e.user_message()
        return
    except KeyError:
        st.session_state[_MESSAGE] = _("Job not found.")
        return
    finally:
        # A client made from the key ring is only a carrier for the key; the session's own client stays open.
        if session is None or client is not session.client:
            client.close()
    watch([new_id])
    st.session_state[_MESSAGE] = None


def _check_now(jobs_service, job) -> None:
    try:
        jobs_service.check_now(job.id, viewer=services.viewer())
    except EaselError as e:
        st.session_state[_MESSAGE] = e.user_message()
    except KeyError:
        st.session_state[_MESSAGE] = _("Job not found.")


def _thumb(job, store) -> None:
    """The first result's cached thumbnail (the browser scales it down; full screen on hover shows it larger),
    or the state's icon while there is none."""
    if job.status == "completed":
        images = store.list_images(job_id=job.id, limit=1)
        if images:
            try:
                thumb = thumbnails.thumbnail(store, images[0])
            except Exception:  # noqa: BLE001 - an unreadable file: the row still shows the job, without a picture
                thumb = None
            if thumb is not None:
                st.image(thumb.data, width=40, output_format=thumb.format)
                return
    color = _COLORS.get(job.status, "blue")
    st.markdown(f":{color}[{_ICONS.get(job.status, ':material/hourglass_top:')}]", width="content")


def _state(job) -> None:
    """The state column: a live bar, a one-line failure, or the outcome."""
    icon = _ICONS.get(job.status)
    if job.status == "waiting_for_key":
        st.warning(_("Waiting for key: enter the {provider} key {fingerprint} in the sidebar, or set it in the "
                     "environment, and polling resumes.").format(provider=md_escape(job.provider),
                                                                  fingerprint=md_escape(job.key_fingerprint)),
                   icon=icon)
    elif not job.is_terminal:
        pct, label = progress_of(job)
        st.progress(pct, text=label)
    elif job.status in _FAILED:
        words, code = error_line(job)
        st.error(md_escape(words) + (f" :small[{md_escape(code)}]" if code else ""), icon=icon)
        entry_routing.direct_retry_offer(job, key="easel.tasks")     # QCode's 524 behind its CDN: go direct
    else:
        label = status_label(job.status)
        color = _COLORS.get(job.status, "gray")
        # When it ended, for reading: the locale's style in the viewer's time zone.
        ended = format_datetime(job.finished_at or job.created_at, "short")
        st.markdown(f":{color}[{icon} **{label}**] · "
                    + _("{elapsed} s").format(elapsed=format_number(round(_elapsed(job)))) + f" · {ended}")


def _actions(job, *, jobs_service, session) -> None:
    k = f"easel.tasks.{job.id}"
    if job.status == "timed_out":
        st.button(_("Check now"), key=f"{k}.check", icon=":material/refresh:", on_click=_check_now,
                  args=(jobs_service, job), help=_("Ask the provider again whether this task has finished."))
    if job.status in ("failed", "interrupted", "timed_out", "cancelled"):
        st.button(_(RETRY), key=f"{k}.retry", icon=":material/replay:", on_click=_retry,
                  args=(jobs_service, job, session),
                  help=_("Retry with the same settings: this job's own parameters, not the form's."))
    if not job.is_terminal or job.status == "timed_out":
        st.button(_("Stop following"), key=f"{k}.stop", icon=":material/visibility_off:",
                  on_click=jobs_service.stop_following, args=(job.id,), kwargs={"viewer": services.viewer()},
                  help=_("Hide it from this list. A provider task already sent may still finish (and be billed)."))
    prompt_library.save_job_popover(services.get_store(), job, key=k, compact=True)   # components/prompt_library.py


def _group_text(job) -> str:
    # A Compare column is an ordinary job; its comparison id groups it with its siblings here, in Usage and
    # in the Gallery.
    if not job.comparison_id:
        return ""
    return _("comparison {id}").format(id=job.comparison_id[:8])


def _row(job, *, store, jobs_service, session) -> None:
    with st.container(key=_ROW + job.id):
        thumb, text, state, actions = st.columns([0.55, 4.3, 3.1, 2.6], gap="small", vertical_alignment="center")
        with thumb:
            _thumb(job, store)
        with text:
            with st.container(gap="xxsmall"):
                st.text(job.prompt, wrap=False, help=job.prompt if len(job.prompt) > 60 else None)
                # The cost and the parameters before the model: what a truncated line should still show.
                meta = [md_escape(job.provider), md_escape(_cost_text(job)), md_escape(_params_text(job)),
                        md_escape(job.model or ""), _group_text(job)]
                badge = SIMULATED_BADGE.format(simulated=_("simulated")) + " " if job.simulated else ""
                st.caption(badge + " · ".join(m for m in meta if m),
                           wrap=False)
        with state:
            _state(job)
        with actions:
            with st.container(horizontal=True, gap="xsmall", horizontal_alignment="right"):
                _actions(job, jobs_service=jobs_service, session=session)


def render_task_list(*, store, jobs_service, session=None, title: str | None = None, about: str | None = None,
                     limit: int = 100) -> None:
    """The title beside the filters and the bulk action (so the list starts high), then the live list. `title`
    and `about` are shown as given (translated by the caller); the title is "Tasks" by default."""
    st.html(_CSS)
    head, c1, c2, c3 = st.columns([1.6, 3, 2, 2], vertical_alignment="center")
    head.title(title or _("Tasks"), help=about, anchor=False)
    statuses = c1.multiselect(_("Status"), list(STATUS_LABELS), format_func=status_label, key=_STATUS_FILTER,
                              placeholder=_("All statuses"), label_visibility="collapsed")
    providers = [ALL, *sorted({p.id for p in catalog.all_profiles()})]
    provider = c2.selectbox(_("Provider"), providers, key=_PROVIDER_FILTER, label_visibility="collapsed",
                            format_func=lambda p: _("All providers") if p is ALL else p)
    if c3.button(_("Clear finished"), icon=":material/clear_all:", width="stretch", key="easel.tasks.clear",
                 help=_("Hide finished jobs from this list. They stay in the usage log and the gallery.")):
        cleared = jobs_service.clear_finished(viewer=services.viewer())    # a person's own jobs only
        st.toast(ngettext("Cleared {n} finished job.", "Cleared {n} finished jobs.", cleared).format(n=cleared))
    comparison = st.query_params.get("comparison")
    if comparison:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.caption(_("Only the jobs of comparison {id}, reruns included.").format(id=md_escape(comparison)))
            st.page_link("pages/tasks.py", label=_("All jobs"), icon=":material/list:")
            st.page_link("pages/compare.py", label=_("Back to the comparison"), icon=":material/compare:",
                         query_params={"comparison": comparison})
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
            st.info(_("No jobs here yet. Generate or edit an image, or run `easel generate --async`."))
            return
        with st.container(key=_LIST, gap="xxsmall"):
            for job in jobs:
                _row(job, store=store, jobs_service=jobs_service, session=session)
        # Below the list, so the rows start right under the filters.
        finished = sum(1 for j in jobs if j.status in TERMINAL_STATUSES)
        parts = [ngettext("{n} job", "{n} jobs", len(jobs)).format(n=format_number(len(jobs))),
                 _("{n} unfinished").format(n=format_number(len(jobs) - finished))]
        if live:
            parts.append(_("refreshing every {seconds} s").format(seconds=format_number(REFRESH_S)))
        if len(jobs) >= limit:
            parts.append(_("the newest {limit} shown").format(limit=format_number(limit)))
        st.caption(" · ".join(parts))

    _list()
