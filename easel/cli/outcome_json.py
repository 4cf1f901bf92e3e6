"""The one JSON shape the CLI prints for a job: `generate --json`, `tasks show --json` and `tasks wait --json`.

Scripts parse this object, so its keys are fixed by issue 2 §10 and never grow silently:
{"provider", "model", "status", "task_id", "images": [{"path", "width", "height"}],
 "cost": {"estimated", "actual", "currency"}, "latency_s", "error": null | {"code", "message"}}
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["job_outcome", "dumps", "FAILED_STATUSES"]

# Statuses after which the job will not produce images without the user acting; the CLI exits non-zero on them.
FAILED_STATUSES = frozenset({"failed", "interrupted", "timed_out", "cancelled"})


def job_outcome(job, images, *, image_root: Path | None = None, paths: list[str] | None = None) -> dict:
    """The shape for a job row and its image rows.

    `paths`, when given, replaces the stored paths (the files `--out` copied), in result order. Otherwise paths
    are absolute files under the store's root, so a script can open them without knowing the data directory.
    """
    task_ids = list(getattr(job, "task_ids", []) or [])
    out_images = []
    for i, img in enumerate(images):
        if paths is not None:
            path = paths[i]
        else:
            path = str((image_root / img.path) if image_root is not None else Path(img.path))
        out_images.append({"path": path, "width": img.width, "height": img.height})
    error = None
    if job.status in FAILED_STATUSES or job.error_code:
        error = {"code": job.error_code or job.status, "message": job.error_message or _status_message(job.status)}
    return {
        "provider": job.provider,
        "model": job.model,
        "status": job.status,
        # One id for the common case; a job the provider split into several tasks lists them comma-joined.
        "task_id": ",".join(task_ids) if task_ids else None,
        "images": out_images,
        "cost": {"estimated": job.cost_estimated, "actual": job.cost_actual, "currency": job.currency},
        "latency_s": None if job.latency_s is None else round(job.latency_s, 3),
        "error": error,
    }


def _status_message(status: str) -> str:
    return {
        "interrupted": "The request was cut off before it finished (the process stopped).",
        "timed_out": "The task passed its deadline; `easel tasks wait ID` can still query it.",
        "cancelled": "The job was cancelled.",
    }.get(status, f"The job ended as {status}.")


def dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False)
