"""icodeeasy (icodeeasy.txt): ratio + resolution sizes, reference images, URL results, optional async tasks.

- `POST /v1/images/generations` and `/v1/images/edits` (also without `/v1`), JSON with `image_urls` /
  `image_input` (https or data URLs; http → 400; more than 16 → 400; bad base64 → 400) or multipart `image[]`.
- `?async=1|true|yes` → 202 `{"status":"pending","task_id"}`; `GET /v1/images/tasks/{id}` → pending /
  completed (with `cost`, `result_url` and `data[{url}]`) / failed (`error{type,message}`).
- Result URLs `/v1/images/files/gpt-image-2/YYYYMMDD/<id>-<seq>.png` answer 302 to the file; no key needed.
- Ratio × resolution → pixels through gccai's table (`sizes.ratio_pixels`), the reading in docs/DESIGN.md.
"""

from __future__ import annotations

import asyncio
import time

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from easel.providers import sizes
from easel.simulator import billing_faults, misbehave, render
from easel.simulator.common import (Ctx, api, decode_refs, new_id, parse_int, poll_effects, ref_blobs, submit_effects, serve_file, store_images)
from easel.simulator.openai_api import beijing_day
from easel.simulator.state import Task

__all__ = ["routes", "TIER_CNY"]

TIER_CNY = {"low": 0.10, "medium": 0.20, "auto": 0.20, "high": 0.40}
MAX_REFS = 16
MODEL = "gpt-image-2"
PROVIDER = "icodeeasy"


def routes(prefix: str) -> list[Route]:
    @api(PROVIDER, "submit")
    async def submit(ctx: Ctx) -> Response:
        return await _submit(ctx, prefix)

    @api(PROVIDER, "poll")
    async def task(ctx: Ctx) -> Response:
        return _task(ctx, ctx.request.path_params["task_id"])

    @api(PROVIDER, "file", auth=False)
    async def result_url(ctx: Ctx) -> Response:
        name = ctx.request.path_params["name"]
        if ctx.state.get_file(name) is None:
            return Response(b"Not Found", status_code=404, media_type="text/plain")
        query = "?download=1" if ctx.request.query_params.get("download") == "1" else ""
        return RedirectResponse(f"{ctx.base}{prefix}/files/{name}{query}", status_code=302)

    @api(PROVIDER, "file", auth=False)
    async def raw_file(ctx: Ctx) -> Response:
        return await serve_file(ctx, ctx.request.path_params["name"],
                                download=ctx.request.query_params.get("download") == "1")

    out = []
    for root in ("/v1", ""):   # the doc: "without the /v1 prefix are also accepted and behave the same"
        out += [Route(root + "/images/generations", submit, methods=["POST"]),
                Route(root + "/images/edits", submit, methods=["POST"])]
    out += [Route("/v1/images/tasks/{task_id}", task, methods=["GET"]),
            Route("/v1/images/files/gpt-image-2/{day}/{name}", result_url, methods=["GET"]),
            Route("/files/{name}", raw_file, methods=["GET"])]
    return out


def _refs(ctx: Ctx) -> list:
    if isinstance(ctx.rec.json, dict):
        items = []
        for name in ("image_urls", "image_input"):   # the doc: "The two fields are aliases"
            value = ctx.rec.json.get(name)
            if value is None:
                continue
            items += value if isinstance(value, list) else [value]
        return items
    return ctx.rec.form.get("image_urls", []) + ctx.rec.form.get("image_urls[]", [])


async def _submit(ctx: Ctx, prefix: str) -> Response:
    if ctx.rec.json is None and not ctx.rec.form and not ctx.rec.files:
        return ctx.error(400, "invalid_request_error", "Send JSON or multipart/form-data.")
    prompt = ctx.field("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return ctx.error(400, "invalid_request_error", "prompt is required.")
    model = ctx.field("model")
    if model != MODEL:
        return ctx.error(400, "invalid_request_error", f"model must be {MODEL}; got {model!r}.")
    n = parse_int(ctx.field("n", 1))
    if n is None or not 1 <= n <= 10:
        return ctx.error(400, "invalid_request_error", "n must be an integer from 1 to 10.")
    quality = ctx.field("quality") or "medium"
    if quality not in TIER_CNY:
        return ctx.error(400, "invalid_request_error", "quality must be low, medium, high or auto.")
    resolution = str(ctx.field("resolution") or "1k").lower()
    if resolution not in ("1k", "2k"):
        return ctx.error(400, "invalid_request_error", f"resolution must be 1k or 2k; got {resolution!r}.")
    size = ctx.field("size") or "1:1"
    if size in sizes.ICODEEASY_RATIOS:
        wh = sizes.ratio_pixels(size, resolution)
    else:
        wh = sizes.parse_pixels(size)
        if wh is None or not all(16 <= side <= sizes.MAX_SIDE for side in wh):
            return ctx.error(400, "invalid_request_error", f"Unsupported size {size!r}: use a listed ratio or WIDTHxHEIGHT.")

    refs = _refs(ctx)
    uploads = [data for field, _, data, _ in ctx.rec.files if field in ("image[]", "image")]
    if len(refs) + len(uploads) > MAX_REFS:
        return ctx.error(400, "invalid_request_error", f"At most {MAX_REFS} reference images; got {len(refs) + len(uploads)}.")
    items, problem = ref_blobs(ctx.state, refs, https_only=True)
    if problem:
        return ctx.error(400, "invalid_request_error", problem)
    try:
        inputs = await decode_refs(items + uploads)
    except render.BadImage as e:
        return ctx.error(400, "invalid_request_error", f"A reference image is invalid: {e}.")

    is_async = str(ctx.request.query_params.get("async", "")).lower() in ("1", "true", "yes")
    task_id = new_id()
    day = beijing_day()
    names = [f"{task_id}-{seq}.png" for seq in range(1, n + 1)]
    urls = [f"{ctx.base}{prefix}/v1/images/files/gpt-image-2/{day}/{name}" for name in names]
    started = time.monotonic()
    bomb = ctx.take("bomb") is not None
    # icodeeasy documents no output_format and no mask: only `wrong_size` can apply to it.
    behaviour = misbehave.decide(ctx, wh, "png")
    await store_images(ctx, prompt, wh, n, names=names, inputs=inputs, bomb=bomb, behaviour=behaviour)
    # As in openai_api: a sync call's `latency` includes the rendering.
    remaining = ctx.state.settings.latency - (time.monotonic() - started)
    if not is_async and remaining > 0:
        await asyncio.sleep(remaining)
    if not is_async:
        return JSONResponse({"id": task_id, "created": int(time.time()), "data": [{"url": u} for u in urls]})
    cost = billing_faults.overbilled_cost(ctx, round(n * TIER_CNY[quality], 2))
    billed_failure = billing_faults.failure_cost(ctx)
    fail, stuck = submit_effects(ctx)
    task = Task(id=task_id, provider=PROVIDER, created=time.time(), duration=ctx.state.settings.task_duration, n=n,
                urls=urls, cost=cost, model=MODEL,
                fail=fail or billed_failure, stuck=stuck, billed_failure=billed_failure)
    ctx.state.put_task(task)
    return JSONResponse({"status": "pending", "task_id": task_id}, status_code=202)


def _task(ctx: Ctx, task_id: str) -> Response:
    task = ctx.state.get_task(task_id)
    if task is None or task.provider != PROVIDER:
        return ctx.error(404, "invalid_request_error", f"Task {task_id} not found.")
    now = time.time()
    poll_effects(ctx, task, now)
    status, _ = task.phase(now)
    body: dict = {"task_id": task.id, "status": "pending", "model": task.model}
    if status == "completed":
        # Reading in docs/DESIGN.md: a completed task carries data[{url}] beside result_url (n > 1).
        body.update(status="completed", cost=task.cost, result_url=task.urls[0], data=[{"url": u} for u in task.urls],
                    created=int(task.created + task.duration))
    elif status == "failed":
        body.update(status="failed", error={"type": "server_error", "message": "Image generation failed (simulated)."})
        if task.billed_failure:
            body["cost"] = task.cost
    return JSONResponse(body)
