"""The Compare page's inputs: prompt, 2–6 providers, the shared settings, optional references and mask.

The settings are asked once, in provider-neutral terms (pixels, low/medium/high/auto); easel.compare maps them
onto each provider and says what it changed.
"""

from __future__ import annotations

import streamlit as st

from easel.compare import CompareSettings
from easel.compare.targets import MAX_COLUMNS, MIN_COLUMNS
from easel.core.i18n import N_, _
from easel.core.mime import sniff_mime
from easel.providers import sizes
from easel.providers.request import ImageInput

from components import md_escape
from components.compare_targets import Choice

__all__ = ["compare_form", "read_size", "SIZES", "DEFAULT_CHOICE"]

SIZES = ("1024x1024", "1536x1024", "1024x1536", "1920x1080", "1080x1920", "2048x2048", "auto")
QUALITIES = ("low", "medium", "high", "auto")
FORMATS = ("provider default", "png", "jpeg", "webp")
# How the option codes read; the values sent stay the API's (quality=high, output_format=png).
QUALITY_LABELS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"), "auto": N_("auto")}
FORMAT_LABELS = {"provider default": N_("provider default"), "png": "PNG", "jpeg": "JPEG", "webp": "WebP"}
DEFAULT_CHOICE = ("demo", "demo:gccai", "demo:qcode")
KEY = "cmp"


def _inputs(slot) -> tuple[tuple[ImageInput, ...], ImageInput | None]:
    with slot.expander(_("References and mask"), icon=":material/image:", key=f"{KEY}.inputs"):
        uploads = st.file_uploader(_("Reference or source images"), type=["png", "jpg", "jpeg", "webp"],
                                   accept_multiple_files=True, key=f"{KEY}.refs",
                                   help=_("The first is the image an edit changes; each column keeps as many as "
                                          "its provider takes."))
        mask = st.file_uploader(_("Mask (PNG with alpha, the first image's size)"), type=["png"], key=f"{KEY}.mask")
    images = tuple(ImageInput(data=u.getvalue(), name=u.name, mime=sniff_mime(u.getvalue())) for u in uploads or [])
    return images, (ImageInput(data=mask.getvalue(), name=mask.name, mime="image/png") if mask else None)


def read_size(raw: str | None) -> tuple[str, str | None]:
    """A typed size as the comparison takes it ('1536×1024 ' → '1536x1024'), or why it cannot be one."""
    size = (raw or "").strip().lower().replace("×", "x").replace(" ", "")
    if size != "auto" and sizes.parse_pixels(size) is None:
        return size, _("Size must be WIDTHxHEIGHT in pixels (e.g. 1536x1024) or auto; got {size}.").format(
            size=repr(size))
    return size, None


def compare_form(options: list[Choice], *, inputs_slot=None) -> tuple[list[Choice], CompareSettings | None, str | None]:
    """Draw the inputs; return (the chosen providers, the settings or None, what is missing or wrong).
    `inputs_slot`: where the references and mask go (a page may keep them under its main button)."""
    by_name = {c.name: c for c in options}
    if f"{KEY}.providers" not in st.session_state:
        st.session_state[f"{KEY}.providers"] = [n for n in DEFAULT_CHOICE if n in by_name]
    prompt = st.text_area(_("Prompt"), key=f"{KEY}.prompt", height=80,
                          placeholder=_("A watercolor fox reading under a lamp"))
    names = st.multiselect(
        _("Providers ({least}–{most})").format(least=MIN_COLUMNS, most=MAX_COLUMNS), list(by_name),
        key=f"{KEY}.providers", max_selections=MAX_COLUMNS,
        format_func=lambda n: by_name[n].label + ("" if by_name[n].usable else " · " + _("no key")),
        help=_("The Demo and the providers it simulates need no key; a real provider needs its key in this "
               "session."))
    chosen = [by_name[n] for n in names if n in by_name]
    c1, c2 = st.columns(2)
    size = c1.selectbox(_("Size"), SIZES, key=f"{KEY}.size", accept_new_options=True,
                        help=_("Pixels (type any WIDTHxHEIGHT) or auto; each provider gets its nearest valid size."))
    quality = c2.selectbox(_("Quality"), QUALITIES, index=1, key=f"{KEY}.quality",
                           format_func=lambda v: _(QUALITY_LABELS.get(v, v)))
    c3, c4 = st.columns(2)
    n = int(c3.number_input(_("Images (n)"), min_value=1, max_value=10, value=1, step=1, key=f"{KEY}.n"))
    fmt = c4.selectbox(_("Format"), FORMATS, key=f"{KEY}.format", format_func=lambda v: _(FORMAT_LABELS.get(v, v)))
    images, mask = _inputs(inputs_slot or st.container())
    for c in chosen:
        if not c.usable:
            st.caption(":orange[:material/key_off:] " + md_escape(f"{c.label}: {c.reason}."))
    size, size_problem = read_size(size)
    if size_problem:
        return chosen, None, size_problem
    if not prompt.strip():
        return chosen, None, _("Type a prompt to compare.")
    usable = [c for c in chosen if c.usable]
    if len(usable) < MIN_COLUMNS:
        return chosen, None, _("Choose at least {count} providers you can use (Demo modes need no key).").format(
            count=MIN_COLUMNS)
    settings = CompareSettings(prompt=prompt, size=size, quality=quality, n=n,
                               output_format=None if fmt == FORMATS[0] else fmt, images=images, mask=mask)
    return chosen, settings, None
