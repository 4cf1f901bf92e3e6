"""gccai (gccai.txt): every request is a task.

- `POST /v1/images/generations` → `{"code":200,"data":[{"status":"submitted","task_id":"task_..."}]}`.
- `GET /v1/tasks/{id}` → `{"code":200,"data":{"id","status","progress","actual_time","cost","result"?}}`,
  status submitted → in_progress → completed | failed (`fail_reason`), progress rising 0 → 100.
- `POST /v1/tasks/batch` `{"task_ids":[...]}` → `{"code":200,"data":[task, ...]}`; unknown ids are left out.
  The doc gives no limit; the simulator refuses more than `max_batch` ids (100 unless configured) with a 400.
- Result files `/f/image/<name>` need no key and answer 404 after `expires_at` (completion + url_ttl).
- Errors: HTTP status with `{"code": <status>, "message"}`.

`cost` is USD per image by quality × resolution (a simulator table: gccai publishes no price list;
`auto` is priced as `low`, which the doc says it "typically" equals):
low 0.01 / 0.02 / 0.04, medium 0.04 / 0.08 / 0.16, high 0.16 / 0.32 / 0.64 for 1k / 2k / 4k.
"""

from __future__ import annotations

import os
import time

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from easel.providers import sizes
from easel.simulator import billing_faults, misbehave, render
from easel.simulator.common import (Ctx, api, decode_refs, parse_int, poll_effects, ref_blobs, submit_effects, serve_file, store_images)
from easel.simulator.state import Task

__all__ = ["routes", "COST_USD", "MODEL"]

MODEL = "gpt-image-2-official"
PROVIDER = "gccai"
COST_USD = {
    "low": {"1k": 0.01, "2k": 0.02, "4k": 0.04},
    "medium": {"1k": 0.04, "2k": 0.08, "4k": 0.16},
    "high": {"1k": 0.16, "2k": 0.32, "4k": 0.64},
}
COST_USD["auto"] = COST_USD["low"]
_OPTIONS = {"background": ("auto", "opaque", "transparent"), "moderation": ("auto", "low"),
            "output_format": ("png", "jpeg", "webp")}
_TIER_OF_PIXELS = {wh: tier for row in sizes.GCCAI_PIXELS.values() for tier, wh in row.items()}
_TIER_OF_PIXELS.update({wh: "1k" for wh in sizes.GCCAI_ALTERNATE_PIXELS.values()})
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_task_id() -> str:
    """task_ + 26 Crockford base32 characters, the shape of the doc's task_01KPT... ids."""
    return "task_01" + "".join(_CROCKFORD[b % 32] for b in os.urandom(24))


def routes(prefix: str) -> list[Route]:
    @api(PROVIDER, "submit")
    async def submit(ctx: Ctx) -> Response:
        return await _submit(ctx, prefix)

    @api(PROVIDER, "poll")
    async def task(ctx: Ctx) -> Response:
        t = ctx.state.get_task(ctx.request.path_params["task_id"])
        if t is None or t.provider != PROVIDER:
            return ctx.error(404, "not_found", "Task not found.")
        now = time.time()
        poll_effects(ctx, t, now)
        return JSONResponse({"code": 200, "data": task_view(t, now)})

    @api(PROVIDER, "poll")
    async def batch(ctx: Ctx) -> Response:
        ids = ctx.rec.json.get("task_ids") if isinstance(ctx.rec.json, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return ctx.error(400, "invalid_request_error", 'Body must be {"task_ids": ["task_...", ...]}.')
        limit = ctx.state.settings.max_batch
        if len(ids) > limit:
            return ctx.error(400, "invalid_request_error", f"At most {limit} task ids per batch.")
        ctx.state.count("batch_requests")
        ctx.state.count("batch_task_ids", len(ids))
        now, out = time.time(), []
        for task_id in ids:
            t = ctx.state.get_task(task_id)
            if t is not None and t.provider == PROVIDER:
                poll_effects(ctx, t, now)
                out.append(task_view(t, now))
        return JSONResponse({"code": 200, "data": out})

    @api(PROVIDER, "file", auth=False)
    async def file(ctx: Ctx) -> Response:
        return await serve_file(ctx, ctx.request.path_params["name"])

    return [Route("/v1/images/generations", submit, methods=["POST"]),
            Route("/v1/tasks/batch", batch, methods=["POST"]),
            Route("/v1/tasks/{task_id}", task, methods=["GET"]),
            Route("/f/image/{name}", file, methods=["GET"])]


def task_view(t: Task, now: float) -> dict:
    status, frac = t.phase(now)
    elapsed = max(0.0, min(now, t.created + t.duration) - t.created) if not t.stuck else now - t.created
    view: dict = {"id": t.id, "status": {"queued": "submitted", "running": "in_progress"}.get(status, status),
                  "progress": 0, "actual_time": int(elapsed), "cost": 0}
    if status == "running":
        view["progress"] = min(95, 10 + int(85 * frac))
    elif status == "completed":
        view.update(progress=100, actual_time=max(1, int(round(t.duration))), cost=t.cost,
                    result={"images": [{"url": [u], "expires_at": int(t.expires_at)} for u in t.urls]})
    elif status == "failed":
        view.update(progress=min(95, int(100 * frac)), fail_reason="Image generation failed upstream (simulated).",
                    cost=t.cost if t.billed_failure else 0)
    return view


async def _submit(ctx: Ctx, prefix: str) -> Response:
    body = ctx.rec.json
    if not isinstance(body, dict):
        return ctx.error(400, "invalid_request_error", "Body must be a JSON object.")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return ctx.error(400, "invalid_request_error", "prompt is required.")
    model = body.get("model", MODEL)
    if model != MODEL:
        return ctx.error(400, "invalid_request_error", f"model must be {MODEL}; got {model!r}.")
    n = parse_int(body.get("n", 1), strict=True)   # the doc: "Must be a pure number ... do not wrap in quotes"
    if n is None or not 1 <= n <= 4:
        return ctx.error(400, "invalid_request_error", "n must be a number from 1 to 4.")
    quality = body.get("quality", "auto")
    if quality not in COST_USD:
        return ctx.error(400, "invalid_request_error", "quality must be auto, low, medium or high.")
    resolution = str(body.get("resolution") or "1k").lower()
    if resolution not in ("1k", "2k", "4k"):
        return ctx.error(400, "invalid_request_error", "resolution must be 1k, 2k or 4k.")
    size = body.get("size") or "1:1"
    if size in sizes.GCCAI_RATIOS:
        wh, tier = sizes.ratio_pixels(size, resolution), resolution
    else:
        wh = sizes.parse_pixels(str(size))
        if wh not in _TIER_OF_PIXELS:
            return ctx.error(400, "invalid_request_error",
                             f"Unsupported size {size!r}: use a listed ratio or a pixel size from the mapping table.")
        tier = _TIER_OF_PIXELS[wh]
    for key, choices in _OPTIONS.items():
        if body.get(key) is not None and body[key] not in choices:
            return ctx.error(400, "invalid_request_error", f"{key} must be one of {', '.join(choices)}.")
    compression = body.get("output_compression")
    if compression is not None and (parse_int(compression, strict=True) is None or not 0 <= compression <= 100):
        return ctx.error(400, "invalid_request_error", "output_compression must be a number from 0 to 100.")
    fmt = body.get("output_format") or "png"

    refs = body.get("image_urls") or []
    if not isinstance(refs, list):
        return ctx.error(400, "invalid_request_error", "image_urls must be an array.")
    if len(refs) > 16:
        return ctx.error(400, "invalid_request_error", "At most 16 reference images.")
    mask_url = body.get("mask_url")
    if mask_url and not refs:
        return ctx.error(400, "invalid_request_error", "mask_url must be used together with image_urls.")
    items, problem = ref_blobs(ctx.state, refs + ([mask_url] if mask_url else []), https_only=False)
    if problem:
        return ctx.error(400, "invalid_request_error", problem.replace(f"image_urls[{len(refs)}]", "mask_url"))
    try:
        images = await decode_refs(items)
    except render.BadImage as e:
        return ctx.error(400, "invalid_request_error", f"A reference image could not be read: {e}.")
    mask = images.pop() if mask_url else None
    if mask is not None:
        if "A" not in mask.getbands() and "transparency" not in mask.info:
            return ctx.error(400, "invalid_request_error", "The mask image must have an alpha channel.")
        if mask.size != images[0].size:
            return ctx.error(400, "invalid_request_error",
                             f"The mask is {mask.size[0]}x{mask.size[1]} but the first reference image is "
                             f"{images[0].size[0]}x{images[0].size[1]}; they must match.")

    now = time.time()
    settings = ctx.state.settings
    task_id = new_task_id()
    ext = {"jpeg": "jpg"}.get(fmt, fmt)
    names = [f"{os.urandom(8).hex()}-gpt_image_2_official_{task_id}_{i}.{ext}" for i in range(n)]
    expires_at = now + settings.task_duration + settings.url_ttl
    bomb = ctx.take("bomb") is not None
    # gccai.txt: transparent "silently downgrades to auto" on gpt-image-2-official, so it renders opaque.
    behaviour = misbehave.decide(ctx, wh, fmt, mask=mask)
    await store_images(ctx, prompt, wh, n, names=names, inputs=images, mask=mask, fmt=fmt,
                       compression=compression, expires_at=expires_at, bomb=bomb, behaviour=behaviour)
    cost = billing_faults.overbilled_cost(ctx, round(n * COST_USD[quality][tier], 5))
    billed_failure = billing_faults.failure_cost(ctx)
    fail, stuck = submit_effects(ctx)
    task = Task(id=task_id, provider=PROVIDER, created=now, duration=settings.task_duration, n=n,
                urls=[f"{ctx.base}{prefix}/f/image/{name}" for name in names], cost=cost, model=MODEL,
                expires_at=expires_at, fail=fail or billed_failure, stuck=stuck, billed_failure=billed_failure)
    ctx.state.put_task(task)
    return JSONResponse({"code": 200, "data": [{"status": "submitted", "task_id": task_id}]})
