"""The shared sidebar: which provider, which key, which base URL, and the one client this browser session owns.

The key lives only in this session's `st.session_state` and in the client built from it (plus the process's
in-memory KeyRing, so this session's async tasks can be polled). Nothing keyed by an API key is cached
globally: a global cache would hand one visitor's key to the next.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass

import streamlit as st

from easel import catalog, config
from easel.catalog import Profile
from easel.errors import EaselError

from . import md_escape

__all__ = ["ProviderSession", "sidebar", "current", "session_id", "get_store", "get_jobs", "DEMO_KEY"]

DEMO_KEY = "demo-test-key"        # the simulator accepts any key that does not start with bad/invalid
ADD_CUSTOM = "__add_custom__"
_STATE = "easel.provider_session"
_CLIENT = "easel.client"
_CLIENT_SIG = "easel.client_sig"
_TYPED = "easel.typed_keys"       # provider id → key typed this session; survives switching providers
_CUSTOM = "easel.custom_providers"
PROVIDER_KEY = "easel.provider"


@dataclass
class ProviderSession:
    profile: Profile
    client: object | None          # easel.client.ProviderClient
    key_source: str                # "typed" | "secrets" | "environment" | "simulator" | ""
    base_url: str
    problem: str | None = None
    fingerprint: str = ""

    @property
    def ready(self) -> bool:
        return self.client is not None and self.problem is None

    def status_line(self) -> str:
        if self.problem:
            return self.problem
        return f"Ready · {self.fingerprint} · {self.base_url}"


# --- process-wide resources: no key in any of them ------------------------------------------------
_services: dict[str, object] = {}
_services_lock = threading.Lock()


def _jobs_for(data_dir: str):
    """The process's JobService (jobs.service()) when it serves this data directory; tests that point
    EASEL_DATA_DIR elsewhere get a service of their own, so no test sees another's jobs. A plain module
    dict rather than st.cache_resource: the service holds no key and must outlive any one session."""
    from pathlib import Path

    from easel import jobs
    from easel.store import Store

    with _services_lock:
        svc = _services.get(data_dir)
        if svc is None:
            svc = jobs.service()
            if Path(svc.store.root).resolve() != Path(data_dir).resolve():
                svc = jobs.JobService(store=Store(Path(data_dir) / "easel.db"))
            _services[data_dir] = svc
        return svc


def get_jobs():
    return _jobs_for(str(config.data_dir()))


def get_store():
    """The store of the current data directory: the one the job service writes to."""
    return get_jobs().store


def session_id() -> str:
    if "easel.session_id" not in st.session_state:
        st.session_state["easel.session_id"] = uuid.uuid4().hex[:16]
    return st.session_state["easel.session_id"]


# --- the client, owned by this session --------------------------------------------------------------
class _ClientHolder:
    """Holds this session's client so it can be closed when Streamlit releases the session."""

    def __init__(self) -> None:
        self.client = None

    def replace(self, client) -> None:
        old, self.client = self.client, client
        if old is not None and old is not client:
            old.close()


def _release(holder: _ClientHolder) -> None:
    holder.replace(None)


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _holder() -> _ClientHolder:
    return _ClientHolder()


def _client_for(profile: Profile, key: str, base_url: str):
    """The session's client, rebuilt only when provider, key fingerprint or base URL change."""
    from easel.client import ProviderClient

    sig = (profile.id, config.key_fingerprint(key), base_url, profile.dialect)
    client = st.session_state.get(_CLIENT)
    if client is None or st.session_state.get(_CLIENT_SIG) != sig:
        client = ProviderClient(profile, key, base_url=base_url)
        _holder().replace(client)
        st.session_state[_CLIENT] = client
        st.session_state[_CLIENT_SIG] = sig
        # So the poller can resume this session's provider tasks after the client is replaced.
        get_jobs().register(client)
    return client


# --- providers ---------------------------------------------------------------------------------------
def _custom_profiles() -> dict[str, Profile]:
    return st.session_state.setdefault(_CUSTOM, {})


def _provider_options() -> list[str]:
    builtin = [pid for pid in catalog.BUILTIN if pid != "demo"]
    return ["demo", *config.configured_provider_ids(builtin), *_custom_profiles(), ADD_CUSTOM]


def _label(pid: str) -> str:
    if pid == ADD_CUSTOM:
        return "Add custom provider…"
    # No session_state here: Streamlit may format options outside a script run. Custom profiles are
    # registered in the catalog (a name, a URL and a dialect; never a key), so the label is found there.
    try:
        p = catalog.get_profile(pid)
    except EaselError:
        return pid
    return f"{p.label} (custom, {p.dialect})" if p.custom else p.label


def _add_custom() -> None:
    name = (st.session_state.get("easel.custom.name") or "").strip()
    url = (st.session_state.get("easel.custom.url") or "").strip()
    dialect = st.session_state.get("easel.custom.dialect") or "openai"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        st.session_state["easel.custom.error"] = "Give the provider a name."
        return
    pid = f"custom-{slug}"
    try:
        base = config.resolve_base_url(pid, url, url)
        profile = catalog.custom_profile(pid, base, dialect, label=name)
    except EaselError as e:
        st.session_state["easel.custom.error"] = e.user_message()
        return
    _custom_profiles()[pid] = profile
    st.session_state.pop("easel.custom.error", None)
    st.session_state[PROVIDER_KEY] = pid


def _custom_form() -> None:
    with st.form("easel.custom.form", border=True):
        st.text_input("Name", key="easel.custom.name", placeholder="My gateway")
        st.text_input("Base URL", key="easel.custom.url", placeholder="https://gateway.example/v1")
        st.selectbox("Dialect", catalog.DIALECTS, key="easel.custom.dialect",
                     help="openai: the OpenAI Images API · icodeeasy: JSON with image_urls and ?async=1 · gccai: tasks")
        st.form_submit_button("Add provider", on_click=_add_custom)
    if st.session_state.get("easel.custom.error"):
        st.error(md_escape(st.session_state["easel.custom.error"]))


def _remember_typed(pid: str) -> None:
    st.session_state.setdefault(_TYPED, {})[pid] = st.session_state.get(f"easel.key.{pid}") or ""


def _key_widget(profile: Profile) -> config.KeySource:
    pid = profile.id
    typed = st.session_state.setdefault(_TYPED, {}).get(pid, "")
    widget = f"easel.key.{pid}"
    if widget not in st.session_state:
        st.session_state[widget] = typed
    ambient = config.resolve_key(pid) if not profile.custom else config.KeySource(None, "")
    hint = {"environment": "key from environment", "secrets": "key from secrets"}.get(ambient.source)
    placeholder = f"{hint} (type to override)" if hint else (f"{profile.key_prefix}…" if profile.key_prefix else "")
    st.text_input("API key", type="password", key=widget, on_change=_remember_typed, args=(pid,),
                  placeholder=placeholder, autocomplete="off",
                  help=f"Used in this browser session only, never stored. Or set EASEL_{profile.env_id}_API_KEY "
                       f"or [providers.{pid}] api_key in .streamlit/secrets.toml.")
    source = config.resolve_key(pid, st.session_state.get(widget)) if not profile.custom \
        else config.KeySource((st.session_state.get(widget) or "").strip() or None, "typed")
    if source.source in ("environment", "secrets"):
        st.caption(f"key from {source.source} · {source.fingerprint}")
    return source


def _base_url_widget(profile: Profile) -> str:
    pid = profile.id
    if profile.regions:
        labels = list(profile.regions)
        region = st.selectbox("Region", labels, key=f"easel.region.{pid}",
                              help="QCode's entry points. The direct China entry has no CDN 100 s limit.")
        default = profile.regions[region]
        typed = st.text_input("Base URL override", key=f"easel.base_url.{pid}", placeholder=default)
        # An explicit region choice beats the secrets/env base URL; the typed override beats both.
        if typed or region != labels[0]:
            return config.resolve_base_url(pid, default, typed or default)
        return config.resolve_base_url(pid, default)
    default = config.resolve_base_url(pid, profile.base_url) if not profile.custom else profile.base_url
    typed = st.text_input("Base URL override", key=f"easel.base_url.{pid}", placeholder=default)
    return config.resolve_base_url(pid, default, typed or default)


# Demo can also play any real provider on the simulator, with that provider's own rules (QCode's three sizes,
# gccai's tasks, icodeeasy's async and missing mask), so a team can try them all without a key.
SIMULATE_KEY = "easel.demo.simulate"
_SIMULATABLE = ("demo", "icodeeasy", "qcode", "gccai", "openai-hk")


def _simulate_label(pid: str) -> str:
    return "OpenAI-style, every feature" if pid == "demo" else f"{catalog.BUILTIN[pid].label}'s rules"


def _demo_profile(pid: str, simulator_url: str) -> Profile:
    from dataclasses import replace

    demo = catalog.BUILTIN["demo"]
    profile = catalog.simulated_profile(catalog.BUILTIN[pid], simulator_url)
    if pid == "demo":
        return profile
    # The simulator finishes tasks in about a second, so the real providers' 15 s first poll would only stall.
    return replace(profile, label=f"{profile.label} (simulated)", poll=demo.poll,
                   typical_latency_s=demo.typical_latency_s)


def _demo_session() -> ProviderSession:
    from easel.simulator import local

    try:
        url = local.ensure_simulator()
    except Exception as e:  # noqa: BLE001 - shown to the user; the demo cannot run without its simulator
        return ProviderSession(catalog.BUILTIN["demo"], None, "simulator", "",
                               f"The demo simulator did not start: {e}")
    choice = st.selectbox("Simulate", _SIMULATABLE, key=SIMULATE_KEY, format_func=_simulate_label,
                          help="Try a provider's sizes, options, async mode and errors on the local simulator.")
    profile = _demo_profile(choice, url)
    st.caption("Runs on Easel's built-in simulator: no key, no cost, instant results.")
    client = _client_for(profile, DEMO_KEY, profile.base_url)
    return ProviderSession(profile, client, "simulator", profile.base_url, None, config.key_fingerprint(DEMO_KEY))


def _provider_session(pid: str) -> ProviderSession:
    profile = _custom_profiles().get(pid) or catalog.get_profile(pid)
    key = _key_widget(profile)
    try:
        base_url = _base_url_widget(profile)
    except EaselError as e:
        return ProviderSession(profile, None, key.source, "", e.user_message(), key.fingerprint)
    if not key.key:
        problem = f"No API key: set EASEL_{profile.env_id}_API_KEY or type one"
        if profile.custom:
            problem = "No API key: type one"
        return ProviderSession(profile, None, key.source, base_url, problem)
    try:
        client = _client_for(profile, key.key, base_url)
    except EaselError as e:
        return ProviderSession(profile, None, key.source, base_url, e.user_message(), key.fingerprint)
    return ProviderSession(profile, client, key.source, base_url, None, key.fingerprint)


def sidebar() -> ProviderSession:
    """Draw the shared sidebar (once per run, from app.py) and return this session's provider."""
    session_id()
    with st.sidebar:
        options = _provider_options()
        if st.session_state.get(PROVIDER_KEY) not in options:
            st.session_state[PROVIDER_KEY] = "demo"
        pid = st.selectbox("Provider", options, key=PROVIDER_KEY, format_func=_label)
        if pid == ADD_CUSTOM:
            _custom_form()
            sess = ProviderSession(catalog.BUILTIN["demo"], None, "", "", "Add the provider, then pick it above.")
        elif pid == "demo":
            sess = _demo_session()
        else:
            sess = _provider_session(pid)
        if sess.problem:
            st.warning(md_escape(sess.problem), icon=":material/key_off:")
        else:
            st.text(sess.status_line())
    st.session_state[_STATE] = sess
    return sess


def current() -> ProviderSession:
    """This run's provider session, as app.py's sidebar() set it up."""
    sess = st.session_state.get(_STATE)
    if sess is None:
        return sidebar()
    return sess
