"""The one JSON shape the CLI prints for a job: `generate --json`, `tasks show --json` and `tasks wait --json`.

Scripts parse this object, so its keys are fixed (issue 2 §10, then issue 14 §1 added `job_id` and `progress`)
and never grow silently:
{"job_id", "provider", "model", "status", "progress", "task_id", "images": [{"path", "width", "height"}],
 "cost": {"estimated", "actual", "currency"}, "latency_s", "error": null | {"code", "message"}}

`job_id` is Easel's id (what `easel tasks show|wait` take first); `task_id` is the provider's, null for a plain
request. `progress` is the provider's last reported percentage for a task, 100 once completed, else null.

`easel tasks list --json` prints a shorter line per job (`job_summary`): no image rows, but the prompt and times.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

__all__ = ["job_outcome", "job_summary", "dumps", "FAILED_STATUSES"]

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
        "job_id": job.id,
        "provider": job.provider,
        "model": job.model,
        "status": job.status,
        "progress": _progress(job),
        # One id for the common case; a job the provider split into several tasks lists them comma-joined.
        "task_id": ",".join(task_ids) if task_ids else None,
        "images": out_images,
        "cost": {"estimated": job.cost_estimated, "actual": job.cost_actual, "currency": job.currency},
        "latency_s": None if job.latency_s is None else round(job.latency_s, 3),
        "error": error,
    }


def job_summary(job) -> dict:
    """One line of `easel tasks list --json`: the job without its images (one query for the whole list)."""
    task_ids = list(getattr(job, "task_ids", []) or [])
    return {
        "job_id": job.id,
        "task_id": ",".join(task_ids) if task_ids else None,
        "created_at": _iso(job.created_at),
        "finished_at": _iso(job.finished_at),
        "provider": job.provider,
        "mode": job.mode,
        "status": job.status,
        "progress": _progress(job),
        "prompt": job.prompt,
        "cost": {"estimated": job.cost_estimated, "actual": job.cost_actual, "currency": job.currency},
        "simulated": bool(job.simulated),
    }


def _progress(job) -> int | None:
    if job.status == "completed":
        return 100
    return job.progress


def _iso(ts: float | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds")


def _status_message(status: str) -> str:
    return {
        "interrupted": "The request was cut off before it finished (the process stopped).",
        "timed_out": "The task passed its deadline; `easel tasks wait ID` can still query it.",
        "cancelled": "The job was cancelled.",
    }.get(status, f"The job ended as {status}.")


def dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False)
