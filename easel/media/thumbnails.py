"""Cached thumbnails beside the store's images: made once per content hash and size, then only read.

JPEG, or PNG for an image with transparency: the kinds st.image sends as they are. The suffix is part of the
name, so a WebP thumbnail cached by an older Easel is never read and is simply made again.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from easel.media.imaging import thumbnail
from easel.store import ImageRow, Store

__all__ = ["thumbnail_path", "thumbnail_bytes", "make_thumbnails"]


def thumbnail_path(store: Store, row: ImageRow, max_side: int = 384) -> Path:
    """The cached thumbnail's file, made first if it is missing."""
    stem = store.root / "thumbs" / f"{row.sha256}-{max_side}"
    for ext in ("jpg", "png"):
        cached = stem.with_suffix(f".{ext}")
        if cached.is_file():
            return cached
    data = thumbnail(store.image_bytes(row), max_side=max_side)
    cached = stem.with_suffix(".png" if data[:4] == b"\x89PNG" else ".jpg")
    cached.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so a reader in another thread never sees half a file.
    tmp = cached.with_suffix(f".tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.write_bytes(data)
    os.replace(tmp, cached)
    return cached


def thumbnail_bytes(store: Store, row: ImageRow, max_side: int = 384) -> bytes:
    return thumbnail_path(store, row, max_side).read_bytes()


def make_thumbnails(store: Store, job_id: str, max_side: int = 384) -> int:
    """Make a job's thumbnails now, off the page's thread, so the gallery only ever reads files.
    Returns how many could be made; an unreadable file is left for the page to report."""
    made = 0
    for row in store.list_images(job_id=job_id, limit=10_000):
        try:
            thumbnail_path(store, row, max_side)
            made += 1
        except Exception:  # noqa: BLE001 - a thumbnail is an optimisation; the page retries and shows why
            continue
    return made
