"""The gallery as a ZIP, streamed: images are copied from the object store (files or S3) one at a time, in
pieces, and the manifest is written to a side file, so the memory it takes does not grow with the number of
images.

One SQL query (images joined with their jobs, parameters included) feeds the whole archive; it is read a page
of rows at a time. Images are stored as they are (no re-encoding, ZIP_STORED: PNG, JPEG and WebP are already
compressed), a PNG with its prompt and settings spliced in as text chunks on the way (Easel's own and A1111's
`parameters`, easel/core/png_text.py), streamed like the rest. `plan_parts` splits a large gallery into archives of at most a given size, for a server that
must hold one archive in memory to serve it (Streamlit's media store does).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import BinaryIO

from easel.core import png_text
from easel.core.tempfiles import written_to_temp_file
from easel.store.rows import ImageRow

__all__ = ["image_metadata", "file_name", "write_image", "copy_stamped", "write_zip", "zip_to_temp_file", "plan_parts", "ZipPart", "ZipSummary"]

_FETCH = 200
_EXTENSIONS = {"image/jpeg": "jpg", "image/webp": "webp"}
_SELECT = ("SELECT images.*, jobs.provider, jobs.prompt, jobs.model, jobs.quality, jobs.size, jobs.resolution, "
           "jobs.params_json AS job_params_json "
           "FROM images JOIN jobs ON jobs.id = images.job_id")
_ORDER = " ORDER BY images.created_at DESC, images.id DESC"
# What the text chunks stamped into a PNG add (write_image), counted when planning parts so a part stays within its
# bytes: the settings (well under 2 KB) plus the prompt twice (Easel's chunk and A1111's) and the revised prompt,
# each counted three times over so JSON's escapes never push a part past its limit.
_STAMPED = ("CASE WHEN COALESCE(images.mime, 'image/png') = 'image/png' THEN 2048 + 3 * ("
            "length(CAST(COALESCE(jobs.prompt, '') AS BLOB)) * 2 "
            "+ length(CAST(COALESCE(images.revised_prompt, '') AS BLOB))) ELSE 0 END")


@dataclass(frozen=True)
class ZipPart:
    """Images `offset` … `offset + count - 1` of the filtered gallery (newest first), `bytes` of them. The part
    is pinned by its first and last image's (created_at, id), so images added or deleted after planning do
    not shift one part's images into another."""

    offset: int
    count: int
    bytes: int
    first: tuple[float, int] | None = None
    last: tuple[float, int] | None = None


@dataclass(frozen=True)
class ZipSummary:
    images: int             # image files written
    missing: int            # rows whose blob file is gone (listed in the manifest with "missing": true)


def image_metadata(row: ImageRow, job_prompt: str | None, params: dict | None) -> dict:
    """What a downloaded image carries (PNG text chunks, the ZIP's manifest): enough to reproduce it, never a
    key or URL."""
    meta = {
        "prompt": row.prompt or job_prompt or "",
        "revised_prompt": row.revised_prompt,
        "provider": row.provider,
        "model": row.model,
        "size": f"{row.width}x{row.height}" if row.width else row.size,
        "quality": row.quality,
        "created": datetime.fromtimestamp(row.created_at, timezone.utc).isoformat(timespec="seconds"),
        "software": "Easel",
    }
    if params is not None:
        kept = dict(params)
        kept.pop("images", None)
        kept.pop("mask", None)
        meta["parameters"] = json.dumps(kept, ensure_ascii=False, sort_keys=True)
    return {k: v for k, v in meta.items() if v not in (None, "")}


def file_name(row: ImageRow, ext: str) -> str:
    return f"easel-{row.job_id[:8]}-{row.idx + 1}.{ext}"


def write_image(zf: zipfile.ZipFile, blobs, key: str, name: str, chunks: dict[str, str]) -> None:
    """One image into the archive, streamed from the object store (a local file or S3) in 64 KB pieces, never
    whole. A PNG gets `chunks` as text chunks (stamped here, at export, so every image ever stored gets them and
    the blob stays the provider's bytes); JPEG and WebP are copied as they are. Raises FileNotFoundError for a
    blob that is gone."""
    with blobs.open(key) as src:
        head = src.read(8)
        with zf.open(name, "w", force_zip64=True) as dst:
            copy_stamped(head, src, dst, chunks)


def copy_stamped(head: bytes, src: BinaryIO, dst: BinaryIO, chunks: dict[str, str]) -> None:
    """Copy an image whose first 8 bytes (`head`) were already read from `src` to `dst`, in 64 KB pieces: a PNG
    with `chunks` stamped in, anything else as it is. (The stream cannot seek back on S3, hence `head`.)"""
    body = _Rejoined(head, src)
    if head == png_text.PNG_SIGNATURE:
        png_text.stamp_png(body, dst, chunks)
        return
    while piece := body.read(_PIECE):
        dst.write(piece)


_PIECE = 64 * 1024


class _Rejoined:
    """`head` (already read) followed by the rest of `stream`, read like one file."""

    def __init__(self, head: bytes, stream):
        self._head, self._stream = head, stream

    def read(self, n: int = -1) -> bytes:
        if not self._head:
            return self._stream.read(n)
        if n is None or n < 0:
            out, self._head = self._head + self._stream.read(), b""
            return out
        out, self._head = self._head[:n], self._head[n:]
        return out + (self._stream.read(n - len(out)) if len(out) < n else b"")


def _where(store, filters: dict) -> tuple[str, list]:
    # The gallery's own filter, so the archive holds exactly the images the page lists.
    return store._image_filter(**{"provider": None, "text": None, "since": None, "until": None, "job_id": None,
                                  "include_deleted": False, **filters})


def plan_parts(store, max_bytes: int, **filters) -> list[ZipPart]:
    """Split the filtered gallery into runs of images of at most `max_bytes` each (an image larger than that
    is a part of its own). One query over the sizes only; an empty gallery is one empty part."""
    where, args = _where(store, filters)
    parts: list[ZipPart] = []
    offset = count = size = 0
    first = last = None
    with store.reading() as conn:
        cur = conn.execute(f"SELECT images.created_at, images.id, COALESCE(images.bytes, 0) + {_STAMPED} "
                           f"FROM images JOIN jobs ON jobs.id = images.job_id{where}{_ORDER}", args)
        while batch := cur.fetchmany(5000):
            for created, image_id, n in batch:
                if count and size + n > max_bytes:
                    parts.append(ZipPart(offset, count, size, first, last))
                    offset, count, size, first = offset + count, 0, 0, None
                first = first or (created, image_id)
                last = (created, image_id)
                count += 1
                size += n
    parts.append(ZipPart(offset, count, size, first, last))
    return parts


def write_zip(store, out: BinaryIO | str | os.PathLike, *, part: ZipPart | None = None, header: dict | None = None,
              **filters) -> ZipSummary:
    """Write the filtered gallery (or one `part` of it) to `out` (a seekable binary file or a path). With a
    `header` (a board's name), manifest.json is that object with the list under "images", each entry with its
    job id."""
    where, args = _where(store, filters)
    if part is not None:
        if part.first is None or part.last is None:
            return _empty_zip(out)
        # Newest first: the part runs from its first image down to its last, both included.
        where += (" AND " if where else " WHERE ") + ("(images.created_at, images.id) <= (?, ?) AND "
                                                      "(images.created_at, images.id) >= (?, ?)")
        args = [*args, *part.first, *part.last]
    written = missing = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as manifest, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        if header is not None:
            manifest.write(json.dumps(header, ensure_ascii=False)[:-1] + (", " if header else "") + '"images": ')
        manifest.write("[")
        with store.reading() as conn:
            cur = conn.execute(f"{_SELECT}{where}{_ORDER}", args)
            while batch := cur.fetchmany(_FETCH):
                for r in batch:
                    row = ImageRow.from_row(r)
                    name = file_name(row, _EXTENSIONS.get(row.mime or "", "png"))
                    params = _params(r["job_params_json"])
                    entry = {"file": name, **image_metadata(row, None, params)}
                    if header is not None:
                        entry["job_id"] = row.job_id
                    try:
                        write_image(zf, store.blobs, row.path, name, png_text.image_chunks(row, r["prompt"], r["provider"], params))
                        written += 1
                    except FileNotFoundError:
                        entry["missing"] = True
                        missing += 1
                    manifest.write(("\n  " if written + missing == 1 else ",\n  ")
                                   + json.dumps(entry, ensure_ascii=False))
        manifest.write("\n]}\n" if header is not None else "\n]\n")
        manifest.seek(0)
        with zf.open("manifest.json", "w", force_zip64=True) as target:
            for chunk in iter(lambda: manifest.read(64 * 1024), ""):
                target.write(chunk.encode("utf-8"))
    return ZipSummary(images=written, missing=missing)


def _empty_zip(out) -> ZipSummary:
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", "[]\n")
    return ZipSummary(images=0, missing=0)


def zip_to_temp_file(store, *, part: ZipPart | None = None, header: dict | None = None, **filters) -> BinaryIO:
    """The archive in a temporary file, opened for reading at its start. The file has no name on disk once
    it is open (POSIX), so it is gone when the handle is closed or collected."""
    return written_to_temp_file(lambda f: write_zip(store, f, part=part, header=header, **filters),
                                prefix="easel-", suffix=".zip")


def _params(raw: str | None) -> dict | None:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None

