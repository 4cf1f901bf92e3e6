"""Streaming previews in the store: the `partial_images` table (migration 20), apart from the results.

A running streamed job's page shows its newest partial from here, in the place of the final image. A stream
that breaks before its final image keeps its partials: `keep_as_results` copies them into `images` at
`PARTIAL_IDX + partial_index`, so the gallery and the result view show them, labelled partial.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from easel.core.models import ImageOut

__all__ = ["PartialRow", "PARTIAL_IDX", "is_partial", "add_partial", "list_partials", "latest_partial",
           "keep_as_results"]

# Above the paste-back offset (easel.media.masks.PASTE_BACK_IDX = 1000): an image row at this index or above is
# a kept partial of a stream that broke, never a final result.
PARTIAL_IDX = 2000


def is_partial(idx: int) -> bool:
    return idx >= PARTIAL_IDX


@dataclass
class PartialRow:
    job_id: str
    image_index: int
    partial_index: int
    sha256: str
    path: str
    created_at: float
    width: int | None = None
    height: int | None = None
    mime: str | None = None
    bytes: int | None = None


def add_partial(store, job_id: str, partial_index: int, image: ImageOut, *, image_index: int = 0) -> PartialRow:
    """Store one partial as it arrives. Idempotent on (job, image, partial index)."""
    sha, rel = store.blobs.put("images", image.data, image.mime)
    # store._write: the Store's one write transaction (as easel/usage/rollups.py uses it), kept here so the
    # partials' queries live beside their table's docs.
    with store._write() as conn:
        conn.execute(
            "INSERT INTO partial_images (job_id, image_index, partial_index, sha256, path, width, height, mime, "
            "bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (job_id, image_index, partial_index) DO NOTHING",
            (job_id, image_index, partial_index, sha, rel, image.width, image.height, image.mime, len(image.data),
             time.time()))
    return _one(store, job_id, image_index, partial_index)


def _one(store, job_id: str, image_index: int, partial_index: int) -> PartialRow:
    rows = store.query("SELECT * FROM partial_images WHERE job_id = ? AND image_index = ? AND partial_index = ?",
                       (job_id, image_index, partial_index))
    return _row(rows[0])


def _row(r) -> PartialRow:
    return PartialRow(**{k: r[k] for k in r.keys()})


def list_partials(store, job_id: str, *, image_index: int | None = None) -> list[PartialRow]:
    """A job's partials in arrival order (by partial index); none of a job the viewer may not read."""
    if _hidden(store, job_id):
        return []
    sql, args = "SELECT * FROM partial_images WHERE job_id = ?", [job_id]
    if image_index is not None:
        sql += " AND image_index = ?"
        args.append(image_index)
    return [_row(r) for r in store.query(sql + " ORDER BY image_index, partial_index", args)]


def _hidden(store, job_id: str) -> bool:
    return getattr(store, "scoped", False) and store.get_job(job_id) is None


def latest_partial(store, job_id: str) -> PartialRow | None:
    if _hidden(store, job_id):
        return None
    rows = store.query("SELECT * FROM partial_images WHERE job_id = ? ORDER BY partial_index DESC, created_at DESC "
                       "LIMIT 1", (job_id,))
    return _row(rows[0]) if rows else None


def keep_as_results(store, job_id: str) -> list:
    """Copy a job's partials into its images at PARTIAL_IDX + partial index (the stream broke: they are all
    there is). Returns the image rows; idempotent, as add_image is."""
    out = []
    for p in list_partials(store, job_id):
        data = store.blobs.read(p.path)
        image = ImageOut(data=data, width=p.width or 0, height=p.height or 0, mime=p.mime or "image/png")
        out.append(store.add_image(job_id, PARTIAL_IDX + p.partial_index, image))
    return out
