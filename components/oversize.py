"""Uploads that are too large become an offer to shrink them, not an error.

API
---
``accept_upload(data, name, profile, *, key) -> Accepted | None``

Call it with an uploaded file's bytes, where the upload's messages should appear (right under its uploader).

- A file within the limits comes back at once as ``Accepted`` (``data``, ``name``, ``mime``, the decoded
  ``image``, ``downscaled_from=None``), and nothing is drawn.
- A file that is too large draws a warning that names the limit it breaks and a button
  **"Downscale to W×H and use it"**, and returns None. Too large means any of (the rules and their sentences
  live in ``easel.providers.upload_rules``, which every request and the CLI apply too):
    * over the provider's per-file size (``profile.max_upload_bytes``),
    * over the largest image any provider documents, the pixel limit (``easel.providers.sizes.MAX_SIDE`` px on
      the longest side, ``sizes.MAX_PIXELS`` pixels in all: 3840×2160),
    * over Easel's decompression guard (``easel.media.imaging.MAX_PIXELS``).
  W×H is the exact size the copy will have (made once per file and kept in session state, so the label never
  promises what the click does not give). After the click the same call returns the shrunken copy as
  ``Accepted`` with ``downscaled_from=(w, h)`` of the original, for as long as the same file is passed in.
- A file that is not an image, is corrupt, or is too large even to open for shrinking
  (``imaging.DOWNSCALE_MAX_PIXELS``) draws an error naming the rule and returns None.

``key`` must be unique on the page per upload slot (e.g. ``f"refs.{i}"``); the state lives under it.

The pure part (target size, resize, re-encoding to fit the byte limit) is ``easel.media.imaging.fit_within``
and ``imaging.downscale``, which are unit-tested on their own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

import streamlit as st
from PIL import Image

from easel.core.errors import EaselError
from easel.core.i18n import _
from easel.media import imaging
from easel.providers import sizes, upload_rules
from easel.providers.catalog import Profile

from components import md_escape, truncate
from components.errors_view import show_error

__all__ = ["Accepted", "accept_upload", "limits_problem"]

_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


@dataclass(frozen=True)
class Accepted:
    data: bytes
    name: str
    mime: str
    image: Image.Image
    downscaled_from: tuple[int, int] | None = None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def limits_problem(data: bytes, name: str, profile: Profile, size: tuple[int, int]) -> str | None:
    """Which limit a file of `size` pixels breaks, as a sentence, or None: easel's rule, the one the CLI and
    every request apply (easel.providers.upload_rules), so the page offers a downscale where the CLI refuses."""
    problem = upload_rules.upload_problem(len(data), name, profile, size)
    return None if problem is None else problem.message


def _offer(data: bytes, profile: Profile, key: str) -> imaging.Downscaled:
    """The shrunken copy for this file, made once and kept for the session (the latest few files only)."""
    offers: dict = st.session_state.setdefault(f"{key}.offers", {})
    digest = _digest(data)
    if digest not in offers:
        offers[digest] = imaging.downscale(data, max_side=sizes.MAX_SIDE, max_pixels=sizes.MAX_PIXELS,
                                           max_bytes=profile.max_upload_bytes)
        for old in list(offers)[:-3]:
            offers.pop(old)
    return offers[digest]


def _use(key: str, digest: str) -> None:
    st.session_state[f"{key}.use"] = digest


def accept_upload(data: bytes, name: str, profile: Profile, *, key: str) -> Accepted | None:
    """See the module docstring."""
    label = truncate(name, 40)
    try:
        imaging.upload_type(data, name)       # sniffed from the bytes, with check_upload's own message
        # The header only, up to the size Easel will decode in order to shrink it.
        size = imaging.image_size(data, cap=imaging.DOWNSCALE_MAX_PIXELS)
    except EaselError as err:
        show_error(err if err.code == "unsupported_image_type" else
                   _("{file}: {problem}").format(file=label, problem=err.user_message()),
                   icon=":material/block:")
        return None
    problem = limits_problem(data, label, profile, size)
    if problem is None:
        try:
            mime, image = imaging.check_upload(data, name, profile)
        except EaselError as err:
            show_error(err, icon=":material/block:")
            return None
        return Accepted(data, name, mime, image)
    try:
        small = _offer(data, profile, key)
    except EaselError as err:
        show_error(f"{problem} {err.user_message()}", icon=":material/block:")
        return None
    digest = _digest(data)
    if st.session_state.get(f"{key}.use") == digest:
        stem = PurePath(name).stem or "image"
        image = imaging.open_image(small.data)
        return Accepted(small.data, f"{stem}-{small.width}x{small.height}.{_EXT[small.mime]}", small.mime, image,
                        downscaled_from=small.original)
    st.warning(md_escape(problem) + " " + _("A smaller copy keeps the whole picture."),
               icon=":material/photo_size_select_large:")
    st.button(_("Downscale to {pixels} and use it").format(pixels=f"{small.width}×{small.height}"),
              key=f"{key}.downscale", type="primary", icon=":material/photo_size_select_large:", on_click=_use,
              args=(key, digest),
              help=_("{format}, {size}; the original file is not changed.").format(
                  format=_EXT[small.mime].upper(), size=imaging.megabytes(len(small.data))))
    return None
