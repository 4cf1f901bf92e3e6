"""The Edit page's inputs: the source image (an upload or a gallery image) and the extra reference images.

Every upload is checked here, before it reaches a request: the type is sniffed from its bytes, the provider's
per-file and total limits are applied, and it is opened behind Pillow's pixel cap (easel.imaging), so a bad file
becomes a message next to the uploader instead of a failed job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st
from PIL import Image

from easel.providers.catalog import Profile
from easel.core.errors import EaselError, UploadError
from easel.media import imaging
from easel.media.imaging import open_image
from easel.core.mime import sniff_mime
from easel.providers.request import ImageInput

from components import md_escape, truncate

__all__ = ["SourceImage", "check_upload", "source_picker", "reference_picker", "EDIT_SOURCE", "REFERENCES"]

EDIT_SOURCE = "easel.edit_source"      # image id set by the gallery's "Edit this image" and by "Edit again"
REFERENCES = "easel.references"        # image ids set by the gallery's "Use as reference"
_UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp"]
_SAVED_UPLOAD = "edit.source.saved"


@dataclass
class SourceImage:
    data: bytes
    name: str
    mime: str
    image: Image.Image
    label: str

    @property
    def id(self) -> str:
        """Content hash: the canvas and its drawing belong to these exact bytes."""
        return hashlib.sha256(self.data).hexdigest()[:16]

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def as_input(self) -> ImageInput:
        return ImageInput(data=self.data, name=self.name, mime=self.mime)


def check_upload(data: bytes, name: str, profile: Profile, *, label: str) -> SourceImage:
    """One uploaded file, checked against the provider's documented limits. Raises UploadError."""
    mime, image = imaging.check_upload(data, name, profile)
    return SourceImage(data, name, mime, image, label)


def _from_gallery(image_id: int) -> SourceImage:
    from components.services import get_store

    store = get_store()
    row = store.get_image(int(image_id))
    if row is None or row.deleted:
        raise UploadError("That gallery image is no longer there.", code="image_missing")
    data = store.image_bytes(row)
    mime = row.mime or sniff_mime(data) or "image/png"
    ext = {"image/jpeg": "jpg", "image/webp": "webp"}.get(mime, "png")
    return SourceImage(data, f"gallery-{row.id}.{ext}", mime, open_image(data, what="stored"),
                       f"gallery image #{row.id}")


def _use_upload() -> None:
    st.session_state.pop(EDIT_SOURCE, None)
    st.session_state.pop(_SAVED_UPLOAD, None)


def source_picker(profile: Profile, *, key: str = "edit.source") -> SourceImage | None:
    """The image to edit: the gallery image chosen with "Edit this image" / "Edit again", else an upload.

    An accepted upload is kept in session state (a file uploader forgets its file when the page is left), and
    the uploader is replaced by a "Replace" button until the user asks for another image.
    """
    image_id = st.session_state.get(EDIT_SOURCE)
    saved = st.session_state.get(_SAVED_UPLOAD)
    try:
        if image_id is not None:
            src = _from_gallery(image_id)
        elif saved is not None:
            src = check_upload(saved[0], saved[1], profile, label=f"upload {truncate(saved[1], 40)}")
        else:
            src = None
    except EaselError as err:
        st.error(md_escape(err.user_message()))
        st.button("Choose another image", key=f"{key}.clear", on_click=_use_upload)
        return None
    if src is not None:
        cols = st.columns([3, 1])
        cols[0].text(f"Source: {src.label}, {src.size[0]}×{src.size[1]}")
        cols[1].button("Replace", key=f"{key}.clear", on_click=_use_upload, icon=":material/swap_horiz:")
        return src
    up = st.file_uploader("Source image (PNG, JPEG or WebP)", type=_UPLOAD_TYPES, key=f"{key}.upload",
                          help="Or open a gallery image with its \"Edit this image\" button.")
    if up is None:
        return None
    try:
        src = check_upload(up.getvalue(), up.name, profile, label=f"upload {truncate(up.name, 40)}")
    except EaselError as err:
        st.error(md_escape(err.user_message()))
        return None
    st.session_state[_SAVED_UPLOAD] = (src.data, src.name)
    return src


def _clear_gallery_refs() -> None:
    st.session_state.pop(REFERENCES, None)


def reference_picker(profile: Profile, source: SourceImage | None, *, key: str = "edit.refs") -> tuple[list[ImageInput], str | None]:
    """Extra images after the source, in order, and a problem that blocks sending (None if fine)."""
    room = max(0, profile.max_references - 1)
    if room == 0:
        st.caption(f"{md_escape(profile.label)} takes one input image only.")
        return [], None
    ups = st.file_uploader(f"Extra reference images (up to {room})", type=_UPLOAD_TYPES, accept_multiple_files=True,
                           key=f"{key}.upload",
                           help="Multi-image composition: the source is image 1, these follow in upload order.")
    refs: list[SourceImage] = []
    problem = None
    for image_id in st.session_state.get(REFERENCES) or []:
        try:
            refs.append(_from_gallery(image_id))
        except EaselError as err:
            st.warning(md_escape(err.user_message()))
    if st.session_state.get(REFERENCES):
        st.button("Remove the gallery references", key=f"{key}.clear", on_click=_clear_gallery_refs)
    for up in ups or []:
        try:
            refs.append(check_upload(up.getvalue(), up.name, profile, label=f"upload {truncate(up.name, 40)}"))
        except EaselError as err:
            st.error(md_escape(err.user_message()))
            problem = problem or err.user_message()
    if not refs:
        return [], problem
    if len(refs) > room:
        problem = f"{profile.label} takes at most {profile.max_references} images in all; remove {len(refs) - room}."
        st.error(md_escape(problem))
    total = sum(len(r.data) for r in refs) + (len(source.data) if source else 0)
    if total > profile.max_total_upload_bytes:
        problem = (f"The images total {imaging.megabytes(total)}; {profile.label} takes at most "
                   f"{imaging.megabytes(profile.max_total_upload_bytes)} in all.")
        st.error(md_escape(problem))
    _show_order(source, refs)
    return [r.as_input() for r in refs], problem


def _show_order(source: SourceImage | None, refs: list[SourceImage]) -> None:
    items = ([source] if source else []) + refs
    cols = st.columns(min(len(items), 6))
    for i, item in enumerate(items):
        with cols[i % len(cols)]:
            thumb = item.image.copy()
            thumb.thumbnail((160, 160))
            st.image(thumb)
            st.text(f"Image {i + 1}: {'source' if item is source else truncate(item.name, 24)}")
    st.caption("Name each image's role in the prompt, by number: \"Image 1 is the scene, image 2 the product; "
               "place the product on the table\". The provider receives them in this order.")
