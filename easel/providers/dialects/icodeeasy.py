"""icodeeasy: JSON to /v1/images/generations or /edits, ratio + resolution, URLs back, optional ?async=1."""

from __future__ import annotations

import httpx

from easel.providers.catalog import Profile
from easel.core.errors import ResponseError
from easel.core.i18n import N_
from easel.core.models import RawImage, TaskState, TaskStatus, WireResult
from easel.providers.request import ImageRequest
from easel.providers.dialects._common import (endpoint_url, expect_dict, get_request, json_request, load_json, parse_error)

__all__ = ["build_submit", "parse_submit", "build_poll", "parse_poll", "parse_error"]

_STATES = {"pending": TaskState.PENDING, "queued": TaskState.PENDING, "submitted": TaskState.PENDING,
           "processing": TaskState.RUNNING, "running": TaskState.RUNNING, "in_progress": TaskState.RUNNING,
           "completed": TaskState.COMPLETED, "succeeded": TaskState.COMPLETED, "success": TaskState.COMPLETED,
           "failed": TaskState.FAILED, "error": TaskState.FAILED}


def build_submit(profile: Profile, req: ImageRequest, base_url: str, *, async_: bool = False) -> httpx.Request:
    # The doc accepts JSON or multipart; Easel always sends JSON, uploads as data URLs in image_urls (DESIGN.md).
    body: dict[str, object] = {"model": req.model or profile.default_model, "prompt": req.prompt, "n": req.n,
                               "size": req.size or profile.default_size,
                               "resolution": req.resolution or profile.default_resolution or "1k",
                               "quality": req.quality or profile.default_quality}
    if req.images:
        body["image_urls"] = [img.url if img.is_url else img.data_url() for img in req.images]
    path = "/images/edits" if req.is_edit else "/images/generations"
    return json_request("POST", endpoint_url(base_url, profile.path_prefix, path), body,
                        params={"async": "1"} if async_ else None)


def parse_submit(profile: Profile, response: httpx.Response) -> WireResult:
    body = expect_dict(load_json(response, profile.label), "response", profile.label)
    if response.status_code == 202 or ("task_id" in body and "data" not in body):
        task_id = body.get("task_id") or body.get("id")
        if not task_id:
            raise ResponseError(N_("icodeeasy accepted the async request but sent no task_id."), code="unexpected_response",
                                provider=profile.label)
        return WireResult(task_ids=[str(task_id)], provider_request_id=str(task_id))
    items = body.get("data")
    if not isinstance(items, list):
        raise ResponseError(N_("The provider's response has no data list of images."), code="unexpected_response",
                            provider=profile.label)
    images = [RawImage(url=item["url"], revised_prompt=item.get("revised_prompt"))
              for item in items if isinstance(item, dict) and item.get("url")]
    return WireResult(images=images, provider_request_id=body.get("id"))


def build_poll(profile: Profile, task_ids: list[str], base_url: str) -> list[httpx.Request]:
    return [get_request(endpoint_url(base_url, profile.path_prefix, f"/images/tasks/{tid}")) for tid in task_ids]


def parse_poll(profile: Profile, response: httpx.Response) -> list[TaskStatus]:
    body = expect_dict(load_json(response, profile.label), "task", profile.label)
    task_id = str(body.get("task_id") or body.get("id") or "")
    raw_status = str(body.get("status") or "").lower()
    state = _STATES.get(raw_status)
    if state is None:
        raise ResponseError(N_("icodeeasy reported an unknown task status {status}."), dict(status=repr(raw_status)),
                            code="unexpected_response",
                            provider=profile.label)
    status = TaskStatus(task_id=task_id, state=state, reported_cost=_number(body.get("cost")))
    if state is TaskState.COMPLETED:
        # Reading (DESIGN.md): with n > 1 a task may carry data[].url beside result_url; prefer data.
        items = body.get("data")
        urls = [i["url"] for i in items if isinstance(i, dict) and i.get("url")] if isinstance(items, list) else []
        if not urls and body.get("result_url"):
            urls = [body["result_url"]]
        status.images = [RawImage(url=u) for u in urls]
        status.progress = 100
    elif state is TaskState.FAILED:
        err = body.get("error")
        if isinstance(err, dict):
            status.error_code = err.get("code") or err.get("type") or "task_failed"
            status.error_message = err.get("message")
        else:
            status.error_code = "task_failed"
            status.error_message = str(err) if err else body.get("message")
    return [status]


def _number(value: object) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
