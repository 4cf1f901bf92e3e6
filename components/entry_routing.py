"""Timeout-aware routing for providers whose regional entries sit behind a CDN that cuts long requests (QCode).

Two one-click actions, both leading to the provider's direct entry (easel.providers.entries):
- beside Quality, when medium or high is chosen on a CDN entry: switch the sidebar's Region to the direct entry;
- under a job that failed with the CDN's 524: retry it on the direct entry with the same settings (a new job,
  its input images included), and switch the Region too, so the next request does not hit the cut again.
"""

from __future__ import annotations

import streamlit as st

from easel.core.errors import EaselError
from easel.core.i18n import _, format_number
from easel.providers import catalog, entries
from easel.providers.client import ProviderClient

from components import cost, md_escape, services

__all__ = ["form_quality_default", "direct_entry_offer", "direct_retry_offer", "switch_to_direct_entry"]

_SESSION = "easel.provider_session"
_RETRY_ERROR = "easel.direct_retry.error"


def _session():
    return st.session_state.get(_SESSION)


def switch_to_direct_entry(profile_id: str) -> None:
    """Point the sidebar at the provider's direct entry (a callback: it runs before the sidebar is drawn)."""
    profile = catalog.get_profile(profile_id)
    label = entries.direct_entry_label(profile)
    if label is not None:
        st.session_state[f"easel.region.{profile_id}"] = label
    st.session_state[f"easel.base_url.{profile_id}"] = ""       # a typed override would beat the region


def form_quality_default(profile, qualities: list[str], *, key: str) -> str:
    """The quality a parameter form (widget key `{key}.quality`) starts at: low on a CDN entry (QCode: the CDN
    cuts at 100 s, and medium or high often take longer), else the profile's default. A quality the user has not
    changed follows the entry when the Region changes; one they chose stays."""
    sess = _session()
    default = entries.default_quality(profile, getattr(sess, "base_url", None), qualities)
    applied = st.session_state.get(f"{key}.quality_default")
    if (applied and applied[0] == profile.id and applied[1] != default
            and st.session_state.get(f"{key}.quality") == applied[1]):
        st.session_state[f"{key}.quality"] = default
    st.session_state[f"{key}.quality_default"] = (profile.id, default)
    return default


def _action_label(profile) -> str:
    return _("Use the direct entry {url} (no {seconds} s limit)").format(
        url=profile.direct_entry, seconds=format_number(round(profile.cdn_limit_s)))


def direct_entry_offer(profile, quality: str | None, *, key: str) -> None:
    """Under Quality: medium or high on a CDN entry is likely to be cut; offer the direct entry in one click."""
    sess = _session()
    if sess is None or not entries.at_risk_of_cdn_cut(profile, sess.base_url, quality):
        return
    # The quality is the API's own word (medium, high), as the Quality field above shows it.
    st.caption(md_escape(_("{quality} quality often takes longer than the {seconds} s this entry's CDN waits before "
                           "it answers 524 ({doc}).").format(quality=quality.capitalize(), doc=profile.doc,
                                                              seconds=format_number(round(profile.cdn_limit_s)))))
    st.button(_action_label(profile), key=f"{key}.direct_entry", icon=":material/alt_route:",
              on_click=switch_to_direct_entry, args=(profile.id,))


def _replace_job(old: str, new: str) -> None:
    """The pages keep their last run under easel.last_job.* (Generate a list of job ids, Edit one id); the retry
    takes the failed job's place there, so it shows where the failure was."""
    for name in list(st.session_state.keys()):
        if not str(name).startswith("easel.last_job."):
            continue
        ids = st.session_state[name]
        if ids == old:
            st.session_state[name] = new
        elif isinstance(ids, list) and old in ids:
            st.session_state[name] = [new if i == old else i for i in ids]


def _retry_on_direct_entry(job_id: str) -> None:
    st.session_state.pop(_RETRY_ERROR, None)
    jobs = services.get_jobs()
    job = jobs.get(job_id, viewer=services.viewer())
    sess = _session()
    if job is None or sess is None or sess.client is None or sess.profile.id != job.provider:
        try:
            label = catalog.get_profile(job.provider).label if job else None
        except EaselError:
            label = job.provider
        # A message id and its provider, put into words when shown: the language may change in between.
        st.session_state[_RETRY_ERROR] = (job_id, ("choose", label))
        return
    profile = sess.profile
    client = ProviderClient(profile, sess.client.api_key, base_url=profile.direct_entry)
    try:
        new_id = cost.retry_within_budget(jobs, job, client, session_id=services.session_id(), viewer=services.viewer())
    except EaselError as e:
        st.session_state[_RETRY_ERROR] = (job_id, ("error", e))
        return
    finally:
        client.close()              # only a carrier for the key: the job runs on its own client
    switch_to_direct_entry(profile.id)
    _replace_job(job_id, new_id)


def direct_retry_offer(job, *, key: str) -> None:
    """Under a failed job: after the CDN's 524, retry on the direct entry with the same settings."""
    if job.error_code not in entries.CDN_TIMEOUT_CODES:
        return
    try:
        profile = catalog.get_profile(job.provider)
    except EaselError:
        return
    if not profile.direct_entry or (job.base_url or "").rstrip("/") == profile.direct_entry.rstrip("/"):
        return
    st.button(_("Retry on the direct entry {url} (same settings)").format(url=profile.direct_entry),
              key=f"{key}.direct_retry.{job.id}", icon=":material/alt_route:", on_click=_retry_on_direct_entry,
              args=(job.id,))
    failed = st.session_state.get(_RETRY_ERROR)
    if failed and failed[0] == job.id:
        st.caption(md_escape(_retry_error_text(*failed[1])))


def _retry_error_text(kind: str, detail) -> str:
    if kind == "error":
        return detail.user_message()
    if detail is None:
        return _("Choose the provider in the sidebar, with its key, to retry this job.")
    return _("Choose {provider} in the sidebar, with its key, to retry this job.").format(provider=detail)
