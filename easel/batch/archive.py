"""A batch as a ZIP: every row's images, copied from their blob files one at a time (the gallery ZIP's
streaming style, easel/store/zip_export.py), and `batch.csv`, the manifest: one line per row with its job id,
status, file names and cost, invalid and failed rows included (with their rule or error code).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from typing import BinaryIO

from easel.batch.run import RowResult, results
from easel.core.tempfiles import written_to_temp_file
from easel.media import png_info
from easel.store.zip_export import write_image

__all__ = ["MANIFEST", "MANIFEST_COLUMNS", "manifest_rows", "write_zip", "zip_to_temp_file", "file_names"]

MANIFEST = "batch.csv"
MANIFEST_COLUMNS = ("row", "prompt", "provider", "size", "quality", "n", "job_id", "status", "files", "cost",
                    "currency", "error_code", "error_message")
_EXTENSIONS = {"image/jpeg": "jpg", "image/webp": "webp"}


def file_names(r: RowResult) -> list[str]:
    return [f"row{r.row:03d}-{img.idx + 1}.{_EXTENSIONS.get(img.mime or '', 'png')}" for img in r.images]


def manifest_rows(rows: list[RowResult]) -> list[dict]:
    out = []
    for r in rows:
        req = r.request or {}
        out.append({"row": r.row, "prompt": r.prompt, "provider": r.target, "size": req.get("size") or "",
                    "quality": req.get("quality") or "", "n": req.get("n") or "",
                    "job_id": r.job.id if r.job is not None else "", "status": r.status,
                    "files": " ".join(file_names(r)), "cost": "" if r.cost is None else f"{r.cost:g}",
                    "currency": r.currency or "", "error_code": r.error_code or "",
                    "error_message": r.error_message or ""})
    return out


def write_zip(store, batch_id: str, out: BinaryIO | str | os.PathLike) -> list[dict]:
    """Write the archive to `out`; returns the manifest's rows."""
    rows = results(store, batch_id)
    data = manifest_rows(rows)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for r, entry in zip(rows, data):
            for img, name in zip(r.images, file_names(r)):
                try:
                    # Streamed from the object store in chunks, never read whole; a PNG gets its prompt and settings as
                    # text chunks (Easel's and A1111's), like every PNG Easel hands out.
                    write_image(zf, store.blobs, img.path, name, png_info.job_chunks(img, r.job))
                except FileNotFoundError:
                    entry["error_message"] = (entry["error_message"] + f" {name} missing from the data directory."
                                              ).strip()
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
        zf.writestr(MANIFEST, text.getvalue().encode("utf-8"))
    return data


def zip_to_temp_file(store, batch_id: str) -> BinaryIO:
    return written_to_temp_file(lambda f: write_zip(store, batch_id, f), prefix="easel-batch-", suffix=".zip")
