"""gccai: every request is a task. Submit JSON, poll /v1/tasks/{id} or /v1/tasks/batch, download expiring URLs."""

from __future__ import annotations

import httpx

from easel.providers.catalog import Profile
from easel.core.errors import ResponseError, error_from_status
from easel.core.i18n import N_
from easel.core.models import RawImage, TaskState, TaskStatus, WireResult
from easel.providers.request import ImageRequest
from easel.providers.dialects._common import endpoint_url, get_request, json_request, load_json, parse_error

__all__ = ["build_submit", "parse_submit", "build_poll", "parse_poll", "parse_error", "POLL_BATCH_LIMIT"]

# gccai.txt ("Batch query: To query multiple tasks at once, use POST /v1/tasks/batch") gives no limit on the
# ids per batch. Reading: at most 100 ids a request, a common gateway page size and what the simulator
# enforces. Larger sets go as several batches; a batch still refused as too large is halved by the poller.
POLL_BATCH_LIMIT = 100

_STATES = {"submitted": TaskState.PENDING, "pending": TaskState.PENDING, "queued": TaskState.PENDING,
           "in_progress": TaskState.RUNNING, "processing": TaskState.RUNNING, "running": TaskState.RUNNING,
           "completed": TaskState.COMPLETED, "succeeded": TaskState.COMPLETED,
           "failed": TaskState.FAILED, "cancelled": TaskState.FAILED, "canceled": TaskState.FAILED}


def build_submit(profile: Profile, req: ImageRequest, base_url: str, *, async_: bool = True) -> httpx.Request:
    # gccai has only the task form, so async_ changes nothing on the wire.
    body: dict[str, object] = {"model": req.model or profile.default_model, "prompt": req.prompt,
                               "size": req.size or profile.default_size,
                               "resolution": req.resolution or profile.default_resolution or "1k",
                               "quality": req.quality or profile.default_quality, "n": req.n}
    for key in profile.allowed_extras(edit=req.is_edit):
        value = req.extras.get(key)
        if value is not None and value != "":
            body[key] = value
    # image_urls / mask_url are URLs; a data: URL is a URL (RFC 2397), so uploads travel inline (DESIGN.md).
    if req.images:
        body["image_urls"] = [img.url if img.is_url else img.data_url() for img in req.images]
    if req.mask is not None:
        body["mask_url"] = req.mask.url if req.mask.is_url else req.mask.data_url()
    return json_request("POST", endpoint_url(base_url, profile.path_prefix, "/images/generations"), body)


def _envelope(profile: Profile, response: httpx.Response) -> object:
    body = load_json(response, profile.label)
    if not isinstance(body, dict):
        raise ResponseError(N_("gccai's response is not a JSON object."), code="unexpected_response", provider=profile.label)
    code = body.get("code", 200)
    # An HTTP 200 may still carry an error code in gccai's envelope.
    if isinstance(code, int) and code not in (0, 200):
        raise error_from_status(code, None, body.get("message") or body.get("msg"), provider=profile.label)
    return body.get("data")


def parse_submit(profile: Profile, response: httpx.Response) -> WireResult:
    data = _envelope(profile, response)
    items = data if isinstance(data, list) else [data]
    ids = [str(i.get("task_id") or i.get("id")) for i in items if isinstance(i, dict) and (i.get("task_id") or i.get("id"))]
    if not ids:
        raise ResponseError(N_("gccai accepted the request but sent no task_id."), code="unexpected_response",
                            provider=profile.label)
    return WireResult(task_ids=ids, provider_request_id=ids[0])


def build_poll(profile: Profile, task_ids: list[str], base_url: str, *,
               batch_limit: int = POLL_BATCH_LIMIT) -> list[httpx.Request]:
    """One request per `batch_limit` ids: a GET for a lone id, else a batch POST."""
    ids = list(task_ids)
    size = max(1, int(batch_limit))
    return [_poll_request(profile, ids[i:i + size], base_url) for i in range(0, len(ids), size)]


def _poll_request(profile: Profile, task_ids: list[str], base_url: str) -> httpx.Request:
    if len(task_ids) == 1:
        return get_request(endpoint_url(base_url, profile.path_prefix, f"/tasks/{task_ids[0]}"))
    # Reading (DESIGN.md): the batch body is {"task_ids": [...]}.
    return json_request("POST", endpoint_url(base_url, profile.path_prefix, "/tasks/batch"), {"task_ids": task_ids})


def parse_poll(profile: Profile, response: httpx.Response) -> list[TaskStatus]:
    data = _envelope(profile, response)
    items = data if isinstance(data, list) else [data]
    return [_task(profile, item) for item in items if isinstance(item, dict)]


def _task(profile: Profile, item: dict) -> TaskStatus:
    raw_status = str(item.get("status") or "").lower()
    state = _STATES.get(raw_status)
    if state is None:
        raise ResponseError(N_("gccai reported an unknown task status {status}."), dict(status=repr(raw_status)),
                            code="unexpected_response",
                            provider=profile.label)
    progress = item.get("progress")
    status = TaskStatus(task_id=str(item.get("id") or item.get("task_id") or ""), state=state,
                        progress=int(progress) if isinstance(progress, (int, float)) else None,
                        reported_cost=_number(item.get("cost")))
    if state is TaskState.COMPLETED:
        result = item.get("result") if isinstance(item.get("result"), dict) else {}
        expiries = []
        for entry in result.get("images") or []:
            if not isinstance(entry, dict):
                continue
            urls = entry.get("url")
            url = urls[0] if isinstance(urls, list) and urls else urls if isinstance(urls, str) else None
            if url:
                status.images.append(RawImage(url=url))
            if isinstance(entry.get("expires_at"), (int, float)):
                expiries.append(float(entry["expires_at"]))
        status.expires_at = min(expiries) if expiries else None
        status.progress = 100
    elif state is TaskState.FAILED:
        status.error_code = str(item.get("error_code") or "task_failed")
        status.error_message = item.get("fail_reason") or item.get("error") or item.get("message")
    return status


def _number(value: object) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
