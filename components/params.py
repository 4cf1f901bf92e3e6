"""The parameter form, driven by a profile: only what the provider documents is offered.

Shared by Generate and Edit. A `key` prefix keeps two pages' widgets apart; `load_params` fills the form from a
stored job's parameters ("Reuse settings"), dropping anything the current provider does not take.
"""

from __future__ import annotations

import streamlit as st

from easel.core.errors import EaselError
from easel.core.i18n_text import shown
from easel.core.i18n import N_, _, format_number
from easel.providers import sizes
from easel.providers.catalog import (EXTRA_OPTIONS, MAX_TEXT_EXTRA, PARTIAL_IMAGES_MAX, TEXT_EXTRAS, Profile,
                                     stream_unsupported_reason)

from components import entry_routing, md_escape

__all__ = ["parameter_form", "load_params", "size_label", "planned_size", "async_suggested", "listed_models",
           "stream_controls", "load_stream_params", "DEFAULT_PARTIALS"]

CUSTOM_SIZE = "custom"
# An extra left unset is not sent, so the provider's own default applies. Short, so no select box truncates it.
_DEFAULT = N_("Default")
_DEFAULT_HELP = N_("Default: not sent, so the provider's own default applies.")
_SHAPES = {"square": N_("square"), "portrait": N_("portrait"), "landscape": N_("landscape")}
# The extras' labels; their values (auto, opaque, png…) are the API's own words and stay as sent.
_EXTRA_LABELS = {
    "background": N_("Background"), "output_format": N_("Output format"),
    "output_compression": N_("Output compression"), "input_fidelity": N_("Input fidelity"),
    "moderation": N_("Moderation"), "user": N_("End-user ID"),
}
_MAX_TYPED_SIDE = 16_384     # what the fields accept; the doc's rules (max 3840) are checked and explained live


def size_label(profile: Profile, size: str) -> str:
    """'1024x1536 · 2:3' for presets, 'auto' as is, ratios as they are."""
    if size == "auto":
        return _("auto (provider decides)") if profile.size_mode != "ratio" else "auto"
    if size == CUSTOM_SIZE:
        return _("Custom width × height…")
    wh = sizes.parse_pixels(size)
    if wh is None:
        return size
    for ratio, tiers in sizes.OPENAI_HK_PRESETS.items():
        for tier, value in tiers.items():
            if value == wh and profile.size_mode == "pixels":
                return f"{size} · {ratio} {tier}"
    return f"{size} · {_shape(*wh)}"


def _shape(w: int, h: int) -> str:
    return _(_SHAPES["square" if w == h else ("portrait" if h > w else "landscape")])


def _times(wh: tuple[int, int]) -> str:
    return f"{wh[0]}×{wh[1]}"


def planned_size(profile: Profile, fields: dict) -> str:
    """What the form will ask for, in words: '1536×1024 · landscape', '16:9 at 2k → 2048×1360', 'auto: …'."""
    size = fields.get("size") or profile.default_size
    if profile.size_mode == "ratio":
        resolution = fields.get("resolution") or profile.default_resolution
        if size == "auto":
            return _("auto at {resolution}: the provider picks the shape").format(resolution=resolution)
        try:
            return _("{size} at {resolution} → {pixels}").format(
                size=size, resolution=resolution, pixels=_times(sizes.ratio_pixels(size, resolution)))
        except sizes.PixelRuleError:
            return _("{size} at {resolution}").format(size=size, resolution=resolution)
    if size == "auto":
        return _("auto: the provider picks the size")
    wh = sizes.parse_pixels(size)
    if wh is None:
        return size
    w, h = wh
    if profile.pixel_rules and sizes.pixel_rule_errors(w, h):
        return _("{pixels} breaks a size rule: fix it on the left").format(pixels=f"{w}×{h}")
    return f"{w}×{h} · {_shape(w, h)}"


def async_suggested(profile: Profile, params: dict) -> bool:
    """Long jobs (2k/4k or several images) are better as provider tasks: nothing holds a connection open."""
    return profile.supports_async and (params.get("resolution") in ("2k", "4k") or int(params.get("n") or 1) > 1)


def load_params(profile: Profile, params: dict, *, key: str, edit: bool) -> None:
    """Put a stored request's parameters into the form's widgets, keeping only values valid for `profile`.
    Call before the form is drawn (Streamlit forbids setting a drawn widget's value)."""
    ss = st.session_state
    if params.get("model") in profile.models or (profile.open_models and params.get("model")):
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
    load_stream_params(profile, params, key=key)


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


def _use_size(key: str, wh: tuple[int, int]) -> None:
    """The one-click fix: put the nearest valid size into the Width and Height fields (a callback, so it runs
    before those widgets are drawn again)."""
    st.session_state[f"{key}.width"], st.session_state[f"{key}.height"] = wh


def _custom_size(profile: Profile, *, key: str, width_col, height_col) -> str:
    """Width × Height fields checked live against the doc's pixel rules; the nearest valid size one click away."""
    rules = _("Multiples of {multiple}, the longest side at most {max_side} px, ratio at most 3:1, {min_pixels} to "
              "{max_pixels} pixels in all.").format(multiple=sizes.SIDE_MULTIPLE, max_side=sizes.MAX_SIDE,
                                                    min_pixels=format_number(sizes.MIN_PIXELS),
                                                    max_pixels=format_number(sizes.MAX_PIXELS))
    w = width_col.number_input(_("Width (px)"), min_value=16, max_value=_MAX_TYPED_SIDE, step=sizes.SIDE_MULTIPLE,
                               key=f"{key}.width", help=rules, **_seed(f"{key}.width", value=1024))
    h = height_col.number_input(_("Height (px)"), min_value=16, max_value=_MAX_TYPED_SIDE, step=sizes.SIDE_MULTIPLE,
                                key=f"{key}.height", help=rules, **_seed(f"{key}.height", value=1024))
    w, h = int(w), int(h)
    if not profile.pixel_rules:
        return f"{w}x{h}"
    broken = sizes.pixel_rule_errors(w, h)
    if broken:
        # Shown here, beside the fields, naming every rule broken; the page does not repeat it by the button.
        st.error(md_escape(custom_size_message(w, h, broken)), icon=":material/rule:")
        fix = sizes.nearest_valid_pixels(w, h)
        st.button(_("Use {pixels}").format(pixels=f"{fix[0]}×{fix[1]}"), key=f"{key}.size_fix", on_click=_use_size,
                  args=(key, fix), icon=":material/auto_fix_high:",
                  help=_("The nearest size that keeps this shape and passes every rule."))
    return f"{w}x{h}"


def custom_size_message(w: int, h: int, broken: list) -> str:
    """'1024x3840: the aspect ratio must not exceed 3:1 (size rule max_ratio)', every broken rule named."""
    rules = "; ".join(_("{detail} (size rule {rule})").format(detail=e.detail.rstrip(".。"), rule=e.rule)
                      for e in broken)
    return _("{size}: {rules}.").format(size=f"{w}x{h}", rules=rules)


def _size_widgets(profile: Profile, *, edit: bool, key: str, slot=None) -> dict:
    """The size picker. `slot`: a column beside the Model select to put the Size select in."""
    out: dict = {}
    allowed = list(profile.allowed_sizes(edit=edit))
    if profile.size_mode == "ratio":
        _valid_choice(f"{key}.size", allowed, profile.default_size)
        _valid_choice(f"{key}.resolution", list(profile.resolutions), profile.default_resolution)
        c1, c2 = st.columns(2)
        out["size"] = c1.selectbox(_("Aspect ratio"), allowed, key=f"{key}.size", **_seed(
            f"{key}.size", index=allowed.index(profile.default_size) if profile.default_size in allowed else 0))
        res = list(profile.resolutions)
        out["resolution"] = c2.selectbox(
            _("Resolution"), res, key=f"{key}.resolution", **_seed(
                f"{key}.resolution", index=res.index(profile.default_resolution) if profile.default_resolution in res else 0),
            format_func=lambda r: f"{r} · {_times(sizes.ratio_pixels(out['size'], r))}"
            if out["size"] != "auto" else r)
        return out
    options = allowed + ([CUSTOM_SIZE] if profile.size_mode == "pixels" else [])
    default = profile.default_size_for(edit=edit)
    _valid_choice(f"{key}.size", options, default)
    # Width and Height get a row of their own: beside the Size select a number field is too narrow to read.
    size = (slot or st.container()).selectbox(
        _("Size"), options, key=f"{key}.size", format_func=lambda s: size_label(profile, s), **_seed(
            f"{key}.size", index=options.index(default) if default in options else 0))
    if size == CUSTOM_SIZE:
        width_col, height_col = st.columns(2)
        size = _custom_size(profile, key=key, width_col=width_col, height_col=height_col)
    out["size"] = size
    return out


def _extra_widgets(profile: Profile, *, edit: bool, key: str) -> dict:
    names = profile.allowed_extras(edit=edit)
    if not names:
        return {}
    extras: dict = {}
    with st.expander(_("{provider} options").format(provider=shown(profile.label)), expanded=False, key=f"{key}.extras_box"):
        cols = st.columns(2)
        for i, name in enumerate(names):
            choices = EXTRA_OPTIONS.get(name)
            col = cols[i % 2]
            label = _(_EXTRA_LABELS[name]) if name in _EXTRA_LABELS else name.replace("_", " ").capitalize()
            if name in TEXT_EXTRAS:
                value = col.text_input(label, key=f"{key}.extra.{name}",
                                       max_chars=MAX_TEXT_EXTRA, placeholder=_(_DEFAULT),
                                       help=_("Sent as `{name}`: an id for your end user, which {provider} passes on "
                                              "for abuse monitoring. Empty: not sent.").format(
                                           name=name, provider=profile.label))
                extras[name] = value.strip() or None
                continue
            if choices is None:
                value = col.number_input(label, min_value=0, max_value=100, step=5, key=f"{key}.extra.{name}",
                                         placeholder=_(_DEFAULT), **_seed(f"{key}.extra.{name}", value=None),
                                         help=_("0–100; applies to JPEG and WebP output.") + " " + _(_DEFAULT_HELP))
                extras[name] = None if value is None else int(value)
            else:
                options = [None, *choices]
                _valid_choice(f"{key}.extra.{name}", options)
                extras[name] = col.selectbox(label, options, key=f"{key}.extra.{name}", help=_(_DEFAULT_HELP),
                                             format_func=lambda v: _(_DEFAULT) if v is None else v)
    return {k: v for k, v in extras.items() if v is not None}


def parameter_form(profile: Profile, *, edit: bool, key: str, repeat_help: str | None = None,
                   options=None) -> dict:
    """Draw the form; return the request fields: model, size, resolution, quality, n, extras, async_.

    With `repeat_help`, a 'Repeat × k' field (key `{key}.repeat`) sits beside 'Images (n)': the page reads it
    from session state; it is not a request field. `options` is a container for the provider's extra options
    (background, format…), for a page that keeps them out of the primary path; by default they follow inline."""
    params: dict = {"model": profile.default_model}
    size_slot = None
    if len(profile.models) > 1 or profile.open_models:
        # One row for Model and Size where Size is one select; a ratio and a resolution need a row of their own.
        model_slot, size_slot = st.columns([2, 3]) if profile.size_mode != "ratio" else (st.container(), None)
        params["model"] = _model_widget(profile, key=key, slot=model_slot)
    params.update(_size_widgets(profile, edit=edit, key=key, slot=size_slot))
    qualities = list(profile.allowed_qualities(edit=edit))
    default_q = entry_routing.form_quality_default(profile, qualities, key=key)
    _valid_choice(f"{key}.quality", qualities, default_q)
    # A row of its own: four options side by side need the column's full width, never a wrapped line.
    params["quality"] = st.radio(_("Quality"), qualities, key=f"{key}.quality", horizontal=True,
                                 **_seed(f"{key}.quality", index=qualities.index(default_q)))
    entry_routing.direct_entry_offer(profile, params["quality"], key=key)
    n_key = f"{key}.n"
    if n_key in st.session_state and st.session_state[n_key] > profile.n_max:
        st.session_state[n_key] = profile.n_max
    c1, c2 = st.columns(2)
    params["n"] = int(c1.number_input(_("Images (n)"), min_value=1, max_value=profile.n_max, step=1, key=n_key,
                                      **_seed(n_key, value=1),
                                      help=_("{provider} returns up to {count} images per request.").format(
                                          provider=profile.label, count=profile.n_max)))
    if repeat_help is not None:
        c2.number_input(_("Repeat × k"), min_value=1, max_value=20, step=1, key=f"{key}.repeat", help=repeat_help,
                        **_seed(f"{key}.repeat", value=1))
    with options if options is not None else st.container():
        params["extras"] = _extra_widgets(profile, edit=edit, key=key)
    params.update(stream_controls(profile, params, key=key))
    params["async_"] = _async_widget(profile, params, key=key)
    return params


def listed_models(profile: Profile) -> tuple[tuple[str, ...], str | None]:
    """(image models the provider's GET /models lists, why none could be read). The session's client asks once
    and remembers the answer, so a rerun costs no request."""
    if not profile.models_endpoint:
        return (), None
    from components.session import current      # here, not at the top: session draws the sidebar, not forms

    sess = current()
    if sess.client is None or sess.profile.id != profile.id:
        return (), None
    try:
        return tuple(sess.client.list_models()), None
    except EaselError as e:
        return (), e.user_message()


def _model_widget(profile: Profile, *, key: str, slot) -> str:
    """A select of the profile's models; where the doc leaves the name open, plus GET /models' image models and
    any name the user types (the provider has the last word on a typed name)."""
    if not profile.open_models:
        _valid_choice(f"{key}.model", list(profile.models))
        return slot.selectbox(_("Model"), profile.models, key=f"{key}.model")
    listed, problem = listed_models(profile)
    options = list(dict.fromkeys(profile.models + listed))
    typed = st.session_state.get(f"{key}.model")
    if typed and typed not in options:
        options.append(typed)       # a name typed earlier stays selectable after the rerun
    source = (_("{provider} lists these; type any other model name to send it as typed.") if listed else
              _("Easel knows these for {provider}; type any other model name to send it as typed.")
              ).format(provider=profile.label)
    why = (" " + _("Its model list could not be read: {problem}").format(problem=problem)) if problem else ""
    value = slot.selectbox(_("Model"), options, key=f"{key}.model", accept_new_options=True, help=source + why)
    return value or profile.default_model


def _async_widget(profile: Profile, params: dict, *, key: str) -> bool:
    if profile.async_mode == "always":
        st.toggle(_("Run as a provider task"), value=True, disabled=True, key=f"{key}.async_forced",
                  help=_("{provider} runs every request as a task that Easel polls.").format(provider=profile.label))
        return True
    if profile.async_mode != "optional":
        return False
    suggested = async_suggested(profile, params)
    on = st.toggle(_("Run as a provider task (async)"), key=f"{key}.async",
                   help=_("The provider queues the job and Easel polls it: nothing waits on an open connection."))
    if suggested and not on:
        st.caption(_("Suggested for 2k/4k or several images: long requests can outlast a connection."))
    return bool(on)


# --- streaming previews ------------------------------------------------------------------------------------
DEFAULT_PARTIALS = 2        # two previews: one early, one nearly done, without tripling the bytes sent


def load_stream_params(profile: Profile, params: dict, *, key: str) -> None:
    """'Reuse settings' for the stream controls: only where this provider can stream."""
    if stream_unsupported_reason(profile) is not None or "stream" not in params:
        return
    st.session_state[f"{key}.stream"] = bool(params.get("stream"))
    if params.get("partial_images") is not None:
        st.session_state[f"{key}.partials"] = max(0, min(int(params["partial_images"]), PARTIAL_IMAGES_MAX))


def stream_controls(profile: Profile, params: dict, *, key: str) -> dict:
    """The 'Stream previews' toggle and, when on, how many partial images (0–3). Where the provider's doc rules
    streaming out, a plain line says so with the doc's reason instead of a control that cannot work."""
    reason = stream_unsupported_reason(profile)
    if reason is not None:
        st.caption(":material/block: " + _("No streaming previews. {reason}").format(reason=md_escape(reason)))
        return {"stream": False, "partial_images": None}
    toggle_col, slider_col = st.columns(2, vertical_alignment="center")
    on = toggle_col.toggle(
        _("Stream previews"), key=f"{key}.stream", **_seed(f"{key}.stream", value=False),
        help=_("The provider sends coarse previews while it works (OpenAI's stream: true), shown where the image "
               "will appear. Bytes keep flowing, so a gateway that cuts silent requests after 60–126 s lets it "
               "finish. One image per request."))
    if not on:
        return {"stream": False, "partial_images": None}
    count = slider_col.slider(_("Partial images"), 0, PARTIAL_IMAGES_MAX, key=f"{key}.partials",
                              **_seed(f"{key}.partials", value=DEFAULT_PARTIALS),
                              help=_("Previews before the final image (partial_images, 0–3). 0 streams the final "
                                     "image alone. The provider may send the final one before all of them."))
    if int(params.get("n") or 1) != 1:
        st.caption(_("Streaming previews show one image: set Images (n) to 1."))
    return {"stream": True, "partial_images": int(count)}
