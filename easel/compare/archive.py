"""A comparison as a ZIP: every column's images, copied from their blob files one at a time (as the gallery's
ZIP does, easel/store/zip_export.py), and `comparison.json`, the manifest of what each column asked, got and cost.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from datetime import datetime, timezone
from typing import BinaryIO

from easel.compare.run import ColumnResult, results
from easel.core.tempfiles import written_to_temp_file
from easel.media import png_info
from easel.store import comparisons as cmp
from easel.store.zip_export import write_image

__all__ = ["manifest", "write_zip", "zip_to_temp_file", "column_entry", "MANIFEST"]

MANIFEST = "comparison.json"
_EXTENSIONS = {"image/jpeg": "jpg", "image/webp": "webp"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "column"


def _files(col: ColumnResult) -> list[str]:
    return [f"{col.idx + 1:02d}-{_slug(col.target)}-{img.idx + 1}.{_EXTENSIONS.get(img.mime or '', 'png')}"
            for img in col.images]


def column_entry(col: ColumnResult, requested_size: str | None) -> dict:
    job = col.job
    actual = col.actual_size
    latency = col.latency_s
    reported = col.reported
    files = _files(col)
    return {
        "column": col.idx + 1, "target": col.target, "provider": col.plan.get("provider") or col.target,
        "label": col.label, "job_id": job.id if job is not None else None, "status": col.status,
        "requested_size": requested_size, "sent_size": col.plan.get("sent_size"),
        "expected_size": col.expected_size, "actual_size": f"{actual[0]}x{actual[1]}" if actual else None,
        "quality": col.plan.get("quality"), "n": col.plan.get("n"),
        "latency_s": None if latency is None else round(latency, 3),
        "cost_estimate": col.estimate.amount, "cost_reported": None if reported is None else reported.amount,
        "cost_formula": job.cost_formula if job is not None else None,
        "cost_billed": job.cost_actual if job is not None else None,
        "currency": col.estimate.currency, "revised_prompt": col.revised_prompt, "error_code": col.code,
        "error_message": col.message if col.status != "completed" else None,
        "notes": col.plan.get("notes") or [], "file": files[0] if files else None, "files": files,
    }


def manifest(store, comparison_id: str) -> dict:
    comp = cmp.get_comparison(store, comparison_id)
    if comp is None:
        raise KeyError(f"no comparison {comparison_id}")
    cols = results(store, comparison_id)
    requested = comp.settings.get("size")
    return {
        "comparison_id": comp.id, "prompt": comp.prompt, "settings": comp.settings,
        "created": datetime.fromtimestamp(comp.created_at, timezone.utc).isoformat(timespec="seconds"),
        "winner_image_id": comp.winner_image_id,
        "columns": [column_entry(c, requested) for c in cols], "software": "Easel",
    }


def write_zip(store, comparison_id: str, out: BinaryIO | str | os.PathLike) -> dict:
    """Write the archive to `out`; returns the manifest written into it."""
    data = manifest(store, comparison_id)
    cols = {c.idx: c for c in results(store, comparison_id)}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for entry in data["columns"]:
            col = cols[entry["column"] - 1]
            for img, name in zip(col.images, entry["files"]):
                try:
                    # Streamed from the object store in chunks, never read whole; a PNG with its prompt and settings
                    # as text chunks.
                    write_image(zf, store.blobs, img.path, name, png_info.job_chunks(img, col.job))
                except FileNotFoundError:
                    entry.setdefault("missing", []).append(name)
        zf.writestr(MANIFEST, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return data


def zip_to_temp_file(store, comparison_id: str) -> BinaryIO:
    return written_to_temp_file(lambda f: write_zip(store, comparison_id, f), prefix="easel-compare-", suffix=".zip")
