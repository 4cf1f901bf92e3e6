"""Reference images for Generate: uploads, pasted URLs (where the provider takes them) and gallery picks."""

from __future__ import annotations

import streamlit as st

from easel.core.i18n import _
from easel.providers.catalog import Profile
from easel.providers.request import ImageInput

from components import oversize, truncate
from easel.media import thumbnails

__all__ = ["reference_inputs"]

REFS = "easel.references"


def _remove(image_id: int) -> None:
    refs = st.session_state.get(REFS, [])
    if image_id in refs:
        refs.remove(image_id)


def reference_inputs(profile: Profile, store, *, key: str) -> list[ImageInput]:
    """Draw the reference pickers; return the inputs in order (gallery picks, uploads, then URLs)."""
    picked = [store.get_image(i) for i in st.session_state.get(REFS, [])]
    picked = [row for row in picked if row is not None and not row.deleted]
    if profile.max_references == 0:
        st.caption(_("{provider} takes no reference images.").format(provider=profile.label))
        return []
    inputs: list[ImageInput] = []
    label = _("Reference images ({count})").format(count=len(picked)) if picked else _("Reference images")
    with st.expander(label, icon=":material/image:", expanded=bool(picked), key=f"{key}.refs_box"):
        st.caption(_("Up to {count} images; with references the request goes to the edits endpoint.").format(
            count=profile.max_references))
        if picked:
            cols = st.columns(min(6, len(picked)))
            for i, row in enumerate(picked):
                with cols[i % len(cols)]:
                    st.image(thumbnails.thumbnail_bytes(store, row), width="stretch")
                    st.text(truncate(row.prompt, 30))
                    st.button(_("Remove"), key=f"{key}.ref.rm.{row.id}", on_click=_remove, args=(row.id,))
                inputs.append(ImageInput.from_bytes(store.image_bytes(row), f"gallery-{row.id}.png"))
        uploads = st.file_uploader(_("Upload"), type=["png", "jpg", "jpeg", "webp"], accept_multiple_files=True,
                                   key=f"{key}.uploads")
        for i, up in enumerate(uploads or []):
            # A file that is too large is offered as a downscaled copy (one click); one that is not an image, is
            # corrupt or is a decompression bomb is named with its rule and never reaches the provider.
            accepted = oversize.accept_upload(up.getvalue(), up.name, profile, key=f"{key}.upload.{i}")
            if accepted is not None:
                inputs.append(ImageInput(data=accepted.data, name=accepted.name, mime=accepted.mime))
        if profile.reference_urls:
            scheme = "https" if profile.https_only_urls else "http(s)"
            text = st.text_area(_("Or paste image URLs ({scheme}, one per line)").format(scheme=scheme),
                                key=f"{key}.urls", height=80)
            inputs += [ImageInput(url=line.strip(), name=line.strip().rsplit("/", 1)[-1] or "image.png")
                       for line in (text or "").splitlines() if line.strip()]
    return inputs
