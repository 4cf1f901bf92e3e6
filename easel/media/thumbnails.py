"""Cached thumbnails beside the store's images (thumbs/<sha256>-<side>.<ext> in the object store, local or S3):
made once per content hash and size, then only read.

JPEG, or PNG for an image with transparency: the kinds st.image sends as they are. The suffix is part of the
name, so a WebP thumbnail cached by an older Easel is never read and is simply made again.
"""

from __future__ import annotations

from dataclasses import dataclass

from easel.media.imaging import thumbnail as thumbnail_image
from easel.store import ImageRow, Store

__all__ = ["Thumbnail", "thumbnail", "thumbnail_bytes", "make_thumbnails", "GRID_SIDE", "TILE_SIDE", "TABLE_SIDE", "SIZES"]

GRID_SIDE = 384          # Generate's and Edit's results, the Tasks list, pickers
# The Gallery page's square tiles: six across at 1366 px are about 150 CSS px, so 288 px is sharp at 2× DPR,
# and 48 of them from detailed photographs stay under 1.5 MB (a 384 px q80 tile of a busy photo is ~50 KB,
# this one ~25 KB; BENCHMARKS.md, issue 15).
TILE_SIDE = 288
TABLE_SIDE = 64          # the Usage page's request table
SIZES = (GRID_SIDE, TILE_SIDE, TABLE_SIDE)
_QUALITY = {TILE_SIDE: 75}


# Pages hand these bytes to st.image, so Streamlit serves them from the app's own origin under short-lived,
# session-scoped media URLs, whether the object store is local or S3. Not presigned S3 URLs: those are bearer
# credentials in the page for as long as they live, and would need every browser to reach the storage endpoint
# (docs/DEPLOY.md, "How images reach the browser").
@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    mime: str            # image/jpeg or image/png: what st.image sends as it is

    @property
    def format(self) -> str:
        """st.image's output_format for these bytes, so it need not open them to guess."""
        return "PNG" if self.mime == "image/png" else "JPEG"


def _stem(sha256: str, max_side: int) -> str:
    return f"thumbs/{sha256}-{max_side}"


def _cached(store: Store, sha256: str, max_side: int) -> Thumbnail | None:
    # Read straight away rather than asked about first: on S3 a hit is one GET, not a HEAD and a GET.
    for ext, mime in (("jpg", "image/jpeg"), ("png", "image/png")):
        try:
            return Thumbnail(store.blobs.read(f"{_stem(sha256, max_side)}.{ext}"), mime)
        except FileNotFoundError:
            continue
    return None


def thumbnail(store: Store, row: ImageRow, max_side: int = GRID_SIDE) -> Thumbnail:
    """The cached thumbnail's bytes, made and stored first if it is missing."""
    cached = _cached(store, row.sha256, max_side)
    if cached is not None:
        return cached
    # A small one is made from the grid thumbnail when that exists: decoding a 2048² PNG costs 30–100 ms, a
    # 384 px JPEG a few.
    larger = _cached(store, row.sha256, GRID_SIDE) if max_side < GRID_SIDE else None
    source = larger.data if larger is not None else store.image_bytes(row)
    data = thumbnail_image(source, max_side=max_side, quality=_QUALITY.get(max_side, 80))
    is_png = data[:4] == b"\x89PNG"
    # The object store writes aside and renames (or uploads whole), so a reader never sees half a file.
    store.blobs.objects.put(f"{_stem(row.sha256, max_side)}.{'png' if is_png else 'jpg'}", data)
    return Thumbnail(data, "image/png" if is_png else "image/jpeg")


def thumbnail_bytes(store: Store, row: ImageRow, max_side: int = GRID_SIDE) -> bytes:
    return thumbnail(store, row, max_side).data


def make_thumbnails(store: Store, job_id: str, sizes: tuple[int, ...] = SIZES) -> int:
    """Make a job's thumbnails in every size a page shows (the grid's and the request table's), off the page's
    thread, so pages only ever read them. Returns how many images got them all; an unreadable file is left
    for the page to report."""
    made = 0
    for row in store.list_images(job_id=job_id, limit=10_000):
        try:
            for side in sorted(sizes, reverse=True):          # largest first: the small ones are made from it
                thumbnail(store, row, side)
            made += 1
        except Exception:  # noqa: BLE001 - a thumbnail is an optimisation; the page retries and shows why
            continue
    return made
