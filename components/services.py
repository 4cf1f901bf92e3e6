"""Process-wide services shared by every session (the job service and its store; no key in any of them), and
this browser session's id."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import streamlit as st

from easel import batch
from easel.core import config, identity
from easel.jobs import job_service as jobs
from easel.store import Store

__all__ = ["jobs_for", "get_jobs", "get_store", "viewer", "session_id", "forget"]

_services: dict[str, object] = {}
_services_lock = threading.Lock()


def jobs_for(data_dir: str):
    """The process's JobService (jobs.service()) when it serves this data directory; tests that point
    EASEL_DATA_DIR elsewhere get a service of their own, so no test sees another's jobs. A plain module
    dict rather than st.cache_resource: the service holds no key and must outlive any one session."""
    with _services_lock:
        svc = _services.get(data_dir)
        if svc is None:
            svc = jobs.service()
            if Path(svc.store.root).resolve() != Path(data_dir).resolve():
                svc = jobs.JobService(store=Store(Path(data_dir) / "easel.db"))
            _services[data_dir] = svc
            batch.resume(svc)       # batch rows a previous process left waiting are sent again (easel.batch)
        return svc


def get_jobs():
    return jobs_for(str(config.data_dir()))


def viewer() -> identity.Person:
    """Who this session acts as (easel.core.identity.current(): the signed-in person, else the single user)."""
    return identity.current()


def get_store():
    """The store of the current data directory (the one the job service writes to), as this session's person
    sees it: a named person reads their own, shared and team rows only, so another person's private job id,
    image id or hash given in a URL or a widget is "not found". The single user (no sign-in) reads every row.
    The job service keeps the process's own, unscoped store for its poller and workers."""
    return get_jobs().store.for_viewer(viewer())


def session_id() -> str:
    if "easel.session_id" not in st.session_state:
        st.session_state["easel.session_id"] = uuid.uuid4().hex[:16]
    return st.session_state["easel.session_id"]


def forget(data_dir: str) -> None:
    """Stop serving `data_dir` from this process's table (the caller closes the service); for tests."""
    with _services_lock:
        _services.pop(data_dir, None)
