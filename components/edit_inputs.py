"""The Edit page's inputs: the source image (an upload or a gallery image) and the extra reference images.

Compact by design, so the canvas starts high on the page: until a source is chosen there is one uploader and a
"From the gallery" picker; once it is chosen, one row says which image it is, with Replace and a References
popover for the extra images.

Every upload is checked here, before it reaches a request: the type is sniffed from its bytes, the provider's
per-file and total limits are applied, and it is opened behind Pillow's pixel cap (easel.media.imaging), so a bad
file becomes a message next to the uploader instead of a failed job. A file that is only too large is offered a
one-click downscale (components.oversize).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st
from PIL import Image

from easel.providers.catalog import Profile
from easel.core.errors import EaselError, UploadError
from easel.core.i18n import _
from easel.media import imaging, thumbnails
from easel.media.imaging import open_image
from easel.core.mime import sniff_mime
from easel.providers.request import ImageInput

from components import md_escape, oversize, truncate
from components.errors_view import show_error

__all__ = ["SourceImage", "check_upload", "source_row", "EDIT_SOURCE", "REFERENCES"]

EDIT_SOURCE = "easel.edit_source"      # image id set by the gallery's "Edit this image" and by "Edit again"
REFERENCES = "easel.references"        # image ids set by the gallery's "Use as reference"
_UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp"]
_SAVED_UPLOAD = "edit.source.saved"
_GALLERY_PICKS = 12


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
        raise UploadError(_("That gallery image is no longer there."), code="image_missing")
    data = store.image_bytes(row)
    mime = row.mime or sniff_mime(data) or "image/png"
    ext = {"image/jpeg": "jpg", "image/webp": "webp"}.get(mime, "png")
    return SourceImage(data, f"gallery-{row.id}.{ext}", mime, open_image(data, what="stored"),
                       _("gallery image #{id}").format(id=row.id))


def _use_upload() -> None:
    st.session_state.pop(EDIT_SOURCE, None)
    st.session_state.pop(_SAVED_UPLOAD, None)


def _use_gallery(image_id: int) -> None:
    st.session_state[EDIT_SOURCE] = image_id
    st.session_state.pop(_SAVED_UPLOAD, None)


def _accepted(data: bytes, name: str, downscaled_from: tuple[int, int] | None = None, *, profile: Profile,
              key: str) -> SourceImage | None:
    """An upload through the oversize check; kept in session state once accepted (an uploader forgets its file
    when the page is left), with the size it was downscaled from, if it was. The size is kept, not a sentence:
    the label is worded in the language of the run that shows it."""
    got = oversize.accept_upload(data, name, profile, key=f"{key}.oversize")
    if got is None:
        return None
    downscaled_from = tuple(got.downscaled_from) if got.downscaled_from else downscaled_from
    st.session_state[_SAVED_UPLOAD] = (got.data, got.name, downscaled_from)
    if downscaled_from:
        label = _("upload {name}, downscaled from {width}×{height}").format(
            name=truncate(got.name, 40), width=downscaled_from[0], height=downscaled_from[1])
    else:
        label = _("upload {name}").format(name=truncate(got.name, 40))
    return SourceImage(got.data, got.name, got.mime, got.image, label)


def _pick(profile: Profile, key: str) -> SourceImage | None:
    """No source yet: an uploader and the gallery's latest images. Once an upload is accepted, they are taken off
    the page in the same run, so the source row and the canvas take their place at once."""
    slot = st.empty()
    with slot.container(horizontal=True, vertical_alignment="bottom", key=f"{key}.pick"):
        up = st.file_uploader(_("Source image (PNG, JPEG or WebP)"), type=_UPLOAD_TYPES, key=f"{key}.upload",
                              help=_("Or open a gallery image with its “Edit this image” button."))
        _gallery_popover(key)
    if up is None:
        return None
    src = _accepted(up.getvalue(), up.name, profile=profile, key=key)
    if src is not None:
        slot.empty()
    return src


def _gallery_popover(key: str) -> None:
    from components.services import get_store

    store = get_store()
    rows = [r for r in store.list_images(limit=_GALLERY_PICKS) if not r.deleted]
    with st.popover(_("From the gallery"), icon=":material/photo_library:", disabled=not rows,
                    help=_("Edit one of your latest results.") if rows else _("The gallery is empty.")):
        cols = st.columns(3)
        for i, row in enumerate(rows):
            with cols[i % 3]:
                try:
                    st.image(thumbnails.thumbnail_bytes(store, row), width="stretch")
                except (OSError, EaselError):
                    st.caption(_("(unreadable)"))
                    continue
                st.button(_("Edit this"), key=f"{key}.gallery.{row.id}", on_click=_use_gallery, args=(row.id,),
                          width="stretch")


def source_row(profile: Profile, *, key: str = "edit.source") -> tuple[SourceImage | None, list[ImageInput], str | None]:
    """The source, the extra reference images after it, and a problem that blocks sending (None if fine).

    The source is the gallery image chosen with "Edit this image" / "Edit again", else an accepted upload, else
    the uploader. Once there is a source, one row shows it with Replace and the References popover.
    """
    image_id = st.session_state.get(EDIT_SOURCE)
    saved = st.session_state.get(_SAVED_UPLOAD)
    src = None
    try:
        if image_id is not None:
            src = _from_gallery(image_id)
        elif saved is not None:
            src = _accepted(*saved, profile=profile, key=key)
        else:
            src = _pick(profile, key)
    except EaselError as err:
        show_error(err)
        st.button(_("Choose another image"), key=f"{key}.clear", on_click=_use_upload)
        return None, [], None
    if src is None:
        if saved is not None:          # no longer within this provider's limits: the offer is shown above
            st.button(_("Choose another image"), key=f"{key}.clear", on_click=_use_upload)
        return None, [], None
    refs_key = "edit.refs"
    with st.container(horizontal=True, vertical_alignment="center", key=f"{key}.row"):
        st.text(_("Source: {label}, {width}×{height}").format(label=src.label, width=src.size[0],
                                                              height=src.size[1]))
        st.space("stretch")
        st.button(_("Replace"), key=f"{key}.clear", on_click=_use_upload, icon=":material/swap_horiz:", type="tertiary")
        if profile.max_references > 1:
            n = len(st.session_state.get(REFERENCES) or []) + len(st.session_state.get(f"{refs_key}.upload") or [])
            with st.popover(_("References ({n})").format(n=n) if n else _("References"),
                            icon=":material/collections:",
                            help=_("Extra images sent after the source, for multi-image edits.")):
                refs, problem = reference_picker(profile, src, key=refs_key)
        else:
            st.caption(_("{provider} takes one input image only.").format(provider=md_escape(profile.label)))
            refs, problem = [], None
    if problem:
        show_error(problem)
    return src, refs, problem


def _clear_gallery_refs() -> None:
    st.session_state.pop(REFERENCES, None)


def reference_picker(profile: Profile, source: SourceImage | None, *, key: str = "edit.refs") -> tuple[list[ImageInput], str | None]:
    """Extra images after the source, in order, and a problem that blocks sending (None if fine)."""
    room = max(0, profile.max_references - 1)
    ups = st.file_uploader(_("Extra reference images (up to {n})").format(n=room), type=_UPLOAD_TYPES,
                           accept_multiple_files=True, key=f"{key}.upload",
                           help=_("Multi-image composition: the source is image 1, these follow in upload order."))
    refs: list[SourceImage] = []
    problem = None
    for image_id in st.session_state.get(REFERENCES) or []:
        try:
            refs.append(_from_gallery(image_id))
        except EaselError as err:
            show_error(err, level="warning")
    if st.session_state.get(REFERENCES):
        st.button(_("Remove the gallery references"), key=f"{key}.clear", on_click=_clear_gallery_refs)
    for up in ups or []:
        data = up.getvalue()
        got = oversize.accept_upload(data, up.name, profile, key=f"{key}.oversize.{hashlib.sha256(data).hexdigest()[:12]}")
        if got is None:
            problem = problem or _("{name} cannot be sent as it is: downscale it or remove it (under References).") \
                .format(name=up.name)
            continue
        refs.append(SourceImage(got.data, got.name, got.mime, got.image, f"upload {truncate(got.name, 40)}"))
    if not refs:
        return [], problem
    if len(refs) > room:
        problem = _("{provider} takes at most {limit} images in all; remove {extra}.").format(
            provider=profile.label, limit=profile.max_references, extra=len(refs) - room)
    total = sum(len(r.data) for r in refs) + (len(source.data) if source else 0)
    if total > profile.max_total_upload_bytes:
        problem = _("The images total {total}; {provider} takes at most {limit} in all.").format(
            total=imaging.megabytes(total), provider=profile.label,
            limit=imaging.megabytes(profile.max_total_upload_bytes))
    _show_order(source, refs)
    return [r.as_input() for r in refs], problem


def _show_order(source: SourceImage | None, refs: list[SourceImage]) -> None:
    items = ([source] if source else []) + refs
    cols = st.columns(min(len(items), 4))
    for i, item in enumerate(items):
        with cols[i % len(cols)]:
            thumb = item.image.copy()
            thumb.thumbnail((160, 160))
            st.image(thumb)
            st.text(_("Image {n}: source").format(n=i + 1) if item is source
                    else _("Image {n}: {name}").format(n=i + 1, name=truncate(item.name, 24)))
    st.caption(_("Name each image's role in the prompt, by number: “Image 1 is the scene, image 2 the product; "
                 "place the product on the table”. The provider receives them in this order."))
