"""PNG Info: drop an image, see the prompt and settings it carries (Easel's chunk or AUTOMATIC1111's
`parameters`), and fill Generate or Edit with them.

Reading is easel/media/png_info.py; fitting the settings to the sidebar's provider (mapped or named, never dropped
without a word) is easel/providers/fit_settings.py. "Use in Generate" hands the values over as `easel.reuse`, which
Generate loads before drawing its form (as the gallery's "Reuse settings" does); "Use in Edit" sets the Edit form's
widget keys in the button's callback, before Edit is drawn. Prompts are shown with st.text and the settings in a
dataframe: plain text, never markdown.
"""

from __future__ import annotations

import json

import streamlit as st

from easel.core.errors import EaselError
from easel.core.i18n import N_, _
from easel.media import png_info
from easel.providers.fit_settings import fit

from components import md_escape, params
from components.errors_view import show_error

__all__ = ["panel", "expander", "read_upload", "use_in_generate", "use_in_edit", "GENERATE_PAGE", "EDIT_PAGE"]

GENERATE_PAGE, EDIT_PAGE = "pages/generate.py", "pages/edit.py"
_SOURCES = {"easel": N_("Written by Easel · Prompt"),
            "a1111": N_("Written by AUTOMATIC1111 (its parameters chunk) · Prompt")}
_PAGES = {"Generate": N_("Generate"), "Edit": N_("Edit")}
_TOASTS = "easel.toasts"


def read_upload(upload) -> png_info.ImageInfo | EaselError:
    """The upload's metadata, or the media layer's error for bytes that are no readable image."""
    try:
        return png_info.read_info(upload.getvalue())
    except EaselError as e:
        return e


def _fitted(info: png_info.ImageInfo, *, edit: bool):
    from components.session import current

    profile = current().profile
    return profile, fit(profile, info.settings, edit=edit, negative_prompt=info.negative_prompt, source=info.source)


def _toast(target: str, notes: list[str]) -> None:
    """Shown on the page switched to (components/notifier.py), with what was mapped or left out: the PNG Info
    page that listed it is gone from view. Queued in the words of the language the click was made in."""
    filled = _("Filled {page} from PNG Info.").format(page=_(_PAGES[target]))
    message = "  \n".join([filled, *(md_escape(n) for n in notes)])
    st.session_state[_TOASTS] = [*st.session_state.get(_TOASTS, []), message]


def use_in_generate(info: png_info.ImageInfo) -> None:
    """Callback: Generate loads `easel.reuse` (prompt and parameters) before drawing its form."""
    _profile, fitted = _fitted(info, edit=False)
    st.session_state["easel.reuse"] = {"prompt": info.prompt, **fitted.params}
    _toast("Generate", fitted.notes)


def use_in_edit(info: png_info.ImageInfo) -> None:
    """Callback: the Edit form's widget keys, set before the Edit page draws them (its prompt is `edit.prompt`,
    its parameters `edit.params.*`)."""
    profile, fitted = _fitted(info, edit=True)
    st.session_state["edit.prompt"] = info.prompt
    params.load_params(profile, fitted.params, key="edit.params", edit=True)
    _toast("Edit", fitted.notes)


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _table(info: png_info.ImageInfo) -> None:
    # The column keys stay English; their headings are translated at display time.
    rows = [{"Setting": name, "Value": _shown(value)} for name, value in info.settings.items()
            if name != "revised_prompt"]
    if rows:
        # "auto" shows at most ten rows; an A1111 file can carry twenty settings, which then scroll.
        st.dataframe(rows, hide_index=True, width="stretch", height="auto",
                     column_config={"Setting": st.column_config.TextColumn(_("Setting"), width="small"),
                                    "Value": st.column_config.TextColumn(_("Value"), width="large")})


def expander(*, key: str) -> None:
    """The panel folded away on Generate, below the Generate button, without the picture (the column is narrow)."""
    with st.expander(_("Settings from an image (PNG Info)"), icon=":material/info:", key=f"{key}.expander"):
        panel(key=key, image_width=None)


def panel(*, key: str, image_width: int | None = 220) -> None:
    """The uploader, what the file says, and the two buttons. `key` keeps two panels' widgets apart; with no
    `image_width` the picture is left out."""
    upload = st.file_uploader(_("Image"), type=["png", "jpg", "jpeg", "webp"], key=f"{key}.file",
                              help=_("A PNG (or JPEG / WebP) from Easel, AUTOMATIC1111 or any tool that writes its "
                                     "settings into the file. It is read here and not stored."))
    if upload is None:
        st.caption(_("Drop an image to see the prompt and settings it carries."))
        return
    info = read_upload(upload)
    if isinstance(info, EaselError):
        show_error(info, icon=":material/broken_image:")
        return
    if info.source == "none":
        st.info(md_escape(_("{name} carries no prompt or settings: no Easel or AUTOMATIC1111 metadata (a "
                            "screenshot, or a file whose metadata was stripped).").format(name=upload.name)),
                icon=":material/info:")
        return
    if image_width:
        picture, details = st.columns([1, 3], gap="medium")
        picture.image(upload.getvalue(), width=image_width)
    else:
        details = st.container()
    with details:
        st.caption(md_escape(_(_SOURCES[info.source])))
        st.text(info.prompt or _("(no prompt)"))
        for label, text in ((_("Negative prompt"), info.negative_prompt),
                            (_("Revised prompt"), info.settings.get("revised_prompt"))):
            if text:
                st.caption(label)
                st.text(_shown(text))
        # The action and what it will change come before the table, so both stay in the first screen when an
        # A1111 file carries a dozen settings.
        _actions(info, key=key)
        _table(info)


def _actions(info: png_info.ImageInfo, *, key: str) -> None:
    profile, fitted = _fitted(info, edit=False)
    with st.container(horizontal=True, gap="small"):
        if st.button(_("Use in Generate"), key=f"{key}.to_generate", type="primary", icon=":material/auto_awesome:",
                     on_click=use_in_generate, args=(info,), disabled=not info.prompt):
            st.switch_page(GENERATE_PAGE)
        if st.button(_("Use in Edit"), key=f"{key}.to_edit", icon=":material/brush:", on_click=use_in_edit,
                     args=(info,), disabled=not info.prompt):
            st.switch_page(EDIT_PAGE)
    made_with = info.settings.get("provider")
    notes = ([_("Made with {made_with}; the settings are fitted to {provider}, the provider in the sidebar.")
              .format(made_with=made_with, provider=profile.label)]
             if made_with and made_with != profile.id else []) + fitted.notes
    if notes:
        st.caption("  \n".join(md_escape(note) for note in notes))
