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

__all__ = ["thumbnail_path", "thumbnail_bytes", "make_thumbnails", "GRID_SIDE", "TILE_SIDE", "TABLE_SIDE", "SIZES"]

GRID_SIDE = 384          # Generate's and Edit's results, the Tasks list, pickers
# The Gallery page's square tiles: six across at 1366 px are about 150 CSS px, so 288 px is sharp at 2× DPR,
# and 48 of them from detailed photographs stay under 1.5 MB (a 384 px q80 tile of a busy photo is ~50 KB,
# this one ~25 KB; BENCHMARKS.md, issue 15).
TILE_SIDE = 288
TABLE_SIDE = 64          # the Usage page's request table
SIZES = (GRID_SIDE, TILE_SIDE, TABLE_SIDE)
_QUALITY = {TILE_SIDE: 75}


def _cached(store: Store, sha256: str, max_side: int) -> Path | None:
    stem = store.root / "thumbs" / f"{sha256}-{max_side}"
    for ext in ("jpg", "png"):
        cached = stem.with_suffix(f".{ext}")
        if cached.is_file():
            return cached
    return None


def thumbnail_path(store: Store, row: ImageRow, max_side: int = GRID_SIDE) -> Path:
    """The cached thumbnail's file, made first if it is missing."""
    cached = _cached(store, row.sha256, max_side)
    if cached is not None:
        return cached
    stem = store.root / "thumbs" / f"{row.sha256}-{max_side}"
    # A small one is made from the grid thumbnail when that exists: decoding a 2048² PNG costs 30–100 ms, a
    # 384 px JPEG a few.
    larger = _cached(store, row.sha256, GRID_SIDE) if max_side < GRID_SIDE else None
    source = larger.read_bytes() if larger is not None else store.image_bytes(row)
    data = thumbnail(source, max_side=max_side, quality=_QUALITY.get(max_side, 80))
    cached = stem.with_suffix(".png" if data[:4] == b"\x89PNG" else ".jpg")
    cached.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so a reader in another thread never sees half a file.
    tmp = cached.with_suffix(f".tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.write_bytes(data)
    os.replace(tmp, cached)
    return cached


def thumbnail_bytes(store: Store, row: ImageRow, max_side: int = GRID_SIDE) -> bytes:
    return thumbnail_path(store, row, max_side).read_bytes()


def make_thumbnails(store: Store, job_id: str, sizes: tuple[int, ...] = SIZES) -> int:
    """Make a job's thumbnails in every size a page shows (the grid's and the request table's), off the page's
    thread, so pages only ever read files. Returns how many images got them all; an unreadable file is left
    for the page to report."""
    made = 0
    for row in store.list_images(job_id=job_id, limit=10_000):
        try:
            for side in sorted(sizes, reverse=True):          # largest first: the small ones are made from it
                thumbnail_path(store, row, side)
            made += 1
        except Exception:  # noqa: BLE001 - a thumbnail is an optimisation; the page retries and shows why
            continue
    return made
