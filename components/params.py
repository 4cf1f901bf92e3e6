"""The parameter form, driven by a profile: only what the provider documents is offered.

Shared by Generate and Edit. A `key` prefix keeps two pages' widgets apart; `load_params` fills the form from a
stored job's parameters ("Reuse settings"), dropping anything the current provider does not take.
"""

from __future__ import annotations

import streamlit as st

from easel.providers import sizes
from easel.providers.catalog import EXTRA_OPTIONS, Profile

__all__ = ["parameter_form", "load_params", "size_label", "async_suggested"]

CUSTOM_SIZE = "custom"
_DEFAULT = "(provider default)"


def size_label(profile: Profile, size: str) -> str:
    """'1024x1536 · 2:3' for presets, 'auto' as is, ratios as they are."""
    if size == "auto":
        return "auto (provider decides)" if profile.size_mode != "ratio" else "auto"
    if size == CUSTOM_SIZE:
        return "Custom…"
    wh = sizes.parse_pixels(size)
    if wh is None:
        return size
    for ratio, tiers in sizes.OPENAI_HK_PRESETS.items():
        for tier, value in tiers.items():
            if value == wh and profile.size_mode == "pixels":
                return f"{size} · {ratio} {tier}"
    w, h = wh
    shape = "square" if w == h else ("portrait" if h > w else "landscape")
    return f"{size} · {shape}"


def async_suggested(profile: Profile, params: dict) -> bool:
    """Long jobs (2k/4k or several images) are better as provider tasks: nothing holds a connection open."""
    return profile.supports_async and (params.get("resolution") in ("2k", "4k") or int(params.get("n") or 1) > 1)


def load_params(profile: Profile, params: dict, *, key: str, edit: bool) -> None:
    """Put a stored request's parameters into the form's widgets, keeping only values valid for `profile`.
    Call before the form is drawn (Streamlit forbids setting a drawn widget's value)."""
    ss = st.session_state
    if params.get("model") in profile.models:
        ss[f"{key}.model"] = params["model"]
    size = params.get("size")
    if size in profile.allowed_sizes(edit=edit):
        ss[f"{key}.size"] = size
    elif profile.size_mode == "pixels" and size and sizes.parse_pixels(size):
        ss[f"{key}.size"] = CUSTOM_SIZE
        ss[f"{key}.width"], ss[f"{key}.height"] = sizes.parse_pixels(size)
    if params.get("resolution") in profile.resolutions:
        ss[f"{key}.resolution"] = params["resolution"]
    if params.get("quality") in profile.allowed_qualities(edit=edit):
        ss[f"{key}.quality"] = params["quality"]
    if params.get("n"):
        ss[f"{key}.n"] = max(1, min(int(params["n"]), profile.n_max))
    for name, value in (params.get("extras") or {}).items():
        if name in profile.allowed_extras(edit=edit) and value not in (None, ""):
            ss[f"{key}.extra.{name}"] = value
    if profile.async_mode == "optional" and "async_" in params:
        ss[f"{key}.async"] = bool(params["async_"])


def _seed(key: str, **default) -> dict:
    """The widget's default, unless session state already holds its value (Streamlit warns on both)."""
    return {} if key in st.session_state else default


def _valid_choice(key: str, options: list, default=None) -> None:
    """Replace a remembered value the current provider does not offer (the user switched providers).
    The default is set, not the key deleted: a keyed widget keeps its identity when its options change, and
    only a value set through session state is pushed to the browser, which otherwise goes on showing the
    old provider's label (e.g. '1024x1024' where gccai offers ratios)."""
    if key in st.session_state and st.session_state[key] not in options:
        st.session_state[key] = default if default in options else options[0]


def _size_widgets(profile: Profile, *, edit: bool, key: str) -> dict:
    out: dict = {}
    allowed = list(profile.allowed_sizes(edit=edit))
    if profile.size_mode == "ratio":
        _valid_choice(f"{key}.size", allowed, profile.default_size)
        _valid_choice(f"{key}.resolution", list(profile.resolutions), profile.default_resolution)
        c1, c2 = st.columns(2)
        out["size"] = c1.selectbox("Aspect ratio", allowed, key=f"{key}.size", **_seed(
            f"{key}.size", index=allowed.index(profile.default_size) if profile.default_size in allowed else 0))
        res = list(profile.resolutions)
        out["resolution"] = c2.selectbox(
            "Resolution", res, key=f"{key}.resolution", **_seed(
                f"{key}.resolution", index=res.index(profile.default_resolution) if profile.default_resolution in res else 0),
            format_func=lambda r: f"{r} · {sizes.format_pixels(sizes.ratio_pixels(out['size'], r))}"
            if out["size"] != "auto" else r)
        return out
    options = allowed + ([CUSTOM_SIZE] if profile.size_mode == "pixels" else [])
    _valid_choice(f"{key}.size", options, profile.default_size)
    size = st.selectbox("Size", options, key=f"{key}.size", format_func=lambda s: size_label(profile, s), **_seed(
        f"{key}.size", index=options.index(profile.default_size) if profile.default_size in options else 0))
    if size == CUSTOM_SIZE:
        c1, c2 = st.columns(2)
        w = c1.number_input("Width", min_value=16, max_value=sizes.MAX_SIDE, step=sizes.SIDE_MULTIPLE,
                            key=f"{key}.width", **_seed(f"{key}.width", value=1024))
        h = c2.number_input("Height", min_value=16, max_value=sizes.MAX_SIDE, step=sizes.SIDE_MULTIPLE,
                            key=f"{key}.height", **_seed(f"{key}.height", value=1024))
        st.caption("Sides are multiples of 16, at most 3840 px, ratio ≤ 3:1, 0.66–8.3 MP.")
        size = f"{int(w)}x{int(h)}"
    out["size"] = size
    return out


def _extra_widgets(profile: Profile, *, edit: bool, key: str) -> dict:
    names = profile.allowed_extras(edit=edit)
    if not names:
        return {}
    extras: dict = {}
    with st.expander(f"{profile.label} options", expanded=False):
        cols = st.columns(2)
        for i, name in enumerate(names):
            choices = EXTRA_OPTIONS.get(name)
            col = cols[i % 2]
            label = name.replace("_", " ").capitalize()
            if choices is None:
                value = col.number_input(label, min_value=0, max_value=100, step=5, key=f"{key}.extra.{name}",
                                         placeholder=_DEFAULT, **_seed(f"{key}.extra.{name}", value=None),
                                         help="0–100; applies to JPEG and WebP output.")
                extras[name] = None if value is None else int(value)
            else:
                options = [None, *choices]
                _valid_choice(f"{key}.extra.{name}", options)
                extras[name] = col.selectbox(label, options, key=f"{key}.extra.{name}",
                                             format_func=lambda v: _DEFAULT if v is None else v)
    return {k: v for k, v in extras.items() if v is not None}


def parameter_form(profile: Profile, *, edit: bool, key: str) -> dict:
    """Draw the form; return the request fields: model, size, resolution, quality, n, extras, async_."""
    params: dict = {"model": profile.default_model}
    if len(profile.models) > 1:
        _valid_choice(f"{key}.model", list(profile.models))
        params["model"] = st.selectbox("Model", profile.models, key=f"{key}.model")
    params.update(_size_widgets(profile, edit=edit, key=key))
    qualities = list(profile.allowed_qualities(edit=edit))
    default_q = profile.default_quality if profile.default_quality in qualities else qualities[0]
    _valid_choice(f"{key}.quality", qualities, default_q)
    c1, c2 = st.columns([3, 1])
    params["quality"] = c1.radio("Quality", qualities, key=f"{key}.quality", horizontal=True,
                                 **_seed(f"{key}.quality", index=qualities.index(default_q)))
    n_key = f"{key}.n"
    if n_key in st.session_state and st.session_state[n_key] > profile.n_max:
        st.session_state[n_key] = profile.n_max
    params["n"] = int(c2.number_input("Images (n)", min_value=1, max_value=profile.n_max, step=1, key=n_key,
                                      **_seed(n_key, value=1),
                                      help=f"{profile.label} returns up to {profile.n_max} images per request."))
    params["extras"] = _extra_widgets(profile, edit=edit, key=key)
    params["async_"] = _async_widget(profile, params, key=key)
    return params


def _async_widget(profile: Profile, params: dict, *, key: str) -> bool:
    if profile.async_mode == "always":
        st.toggle("Run as a provider task", value=True, disabled=True, key=f"{key}.async_forced",
                  help=f"{profile.label} runs every request as a task that Easel polls.")
        return True
    if profile.async_mode != "optional":
        return False
    suggested = async_suggested(profile, params)
    on = st.toggle("Run as a provider task (async)", key=f"{key}.async",
                   help="The provider queues the job and Easel polls it: nothing waits on an open connection.")
    if suggested and not on:
        st.caption("Suggested for 2k/4k or several images: long requests can outlast a connection.")
    return bool(on)
