"""The OpenAI Images API as demo, openai, openai-hk and QCode each serve it.

- QCode (qcode.txt): only its three sizes (+ `auto` on edits), else 422 `unsupported_size`; 1–8 images
  under the repeated field `image`; 25 MB per file / 200 MB in all, else 413 `image_too_large`; per-key
  concurrency cap (429 `concurrency_exhausted`) and daily image cap (429 `image_daily_limit`); answers
  `b64_json` + `revised_prompt`, no usage.
- openai-hk (openai-hk.txt): pixel rules, 400 otherwise; `response_format` defaults to `url`; `b64_json`
  carries the `data:image/png;base64,` prefix its doc shows; `revised_prompt` is the prompt; token usage.
- demo, openai: pixel rules; `b64_json` + usage.
- `stream: true` (demo, openai, openai-hk): server-sent image events with `partial_images` previews
  (simulator/streaming.py). QCode answers plain JSON, as its doc says it does.

Usage tokens (a simulator formula, close to openai-hk's "~800 credits low / ~3000 medium" at 1024²):
text = ceil(len(prompt) / 4); each input image 65 + 129 per 512-px tile of it fitted in 1024²;
output per image = {low 272, medium 1056, high 4160, auto 1056} × pixels / 1024².
"""

from __future__ import annotations

import asyncio
import base64
import math
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from easel.providers import sizes
from easel.simulator import billing_faults, misbehave, render, streaming
from easel.simulator.common import Ctx, api, decode_refs, new_id, parse_int, serve_file, store_images

__all__ = ["routes"]

OUTPUT_TOKENS = {"low": 272, "medium": 1056, "high": 4160, "auto": 1056}
QCODE_MAX_FILE = 25 * 1024 * 1024
QCODE_MAX_TOTAL = 200 * 1024 * 1024
_QUALITIES = ("low", "medium", "high", "auto")
_FORMATS = ("png", "jpeg", "webp")
_BACKGROUNDS = ("auto", "opaque", "transparent")


@dataclass(frozen=True)
class Rules:
    models: tuple[str, ...]
    n_max: int
    max_images: int
    default_response_format: str
    usage: bool
    revised: str | None          # None | "same" | "rewritten"
    b64_prefix: bool


RULES = {
    "qcode": Rules(("gpt-image-2",), 4, 8, "b64_json", False, "rewritten", False),
    "openai-hk": Rules(("gpt-image-2", "gpt-image-1.5", "gpt-image-1"), 10, 16, "url", True, "same", True),
    "openai": Rules(("gpt-image-2", "gpt-image-1.5", "gpt-image-1", "gpt-image-1-mini"), 10, 16, "b64_json", True, None, False),
    "demo": Rules(("gpt-image-2", "gpt-image-1.5", "gpt-image-1"), 10, 16, "b64_json", True, None, False),
}


def beijing_day() -> str:
    """QCode's daily cap resets at 00:00 Beijing time."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")


def _qcode_gate(ctx: Ctx) -> Response | None:
    if ctx.state.flight("qcode", ctx.key) >= ctx.state.settings.concurrency_cap:
        return ctx.error(429, "concurrency_exhausted",
                         f"Per-key concurrency cap reached ({ctx.state.settings.concurrency_cap} in flight).")
    return None


def routes(provider: str, prefix: str) -> list[Route]:
    before = _qcode_gate if provider == "qcode" else None

    @api(provider, "submit", before=before)
    async def generations(ctx: Ctx) -> Response:
        return await _images(ctx, prefix, edit=False)

    @api(provider, "submit", before=before)
    async def edits(ctx: Ctx) -> Response:
        return await _images(ctx, prefix, edit=True)

    @api(provider, "file", auth=False)
    async def files(ctx: Ctx) -> Response:
        return await serve_file(ctx, ctx.request.path_params["rest"].rsplit("/", 1)[-1])

    # openai-hk's profile joins "/v1" onto the bare origin; the others' prefixes already end in /v1.
    roots = ("/v1", "") if provider == "openai-hk" else ("",)
    out = []
    for root in roots:
        out += [Route(root + "/images/generations", generations, methods=["POST"]),
                Route(root + "/images/edits", edits, methods=["POST"])]
    out.append(Route("/files/{rest:path}", files, methods=["GET"]))
    if provider in MODEL_LISTS:
        @api(provider, "models")
        async def models(ctx: Ctx) -> Response:
            return JSONResponse(model_list(ctx.provider))

        out.append(Route("/models", models, methods=["GET"]))
    return out


# GET /models where a doc has it (OpenAI's spec; Demo plays OpenAI): the account's models, images or not, as
# OpenAI lists them; the non-image ones are there so a client's filter has something to leave out.
MODEL_LISTS = {"openai": ("gpt-image-2", "gpt-image-1.5", "gpt-image-1", "gpt-image-1-mini", "gpt-5", "whisper-1"),
               "demo": ("gpt-image-2", "gpt-image-1.5", "gpt-image-1", "gpt-5", "text-embedding-3-small")}


def model_list(provider: str) -> dict:
    return {"object": "list", "data": [{"id": m, "object": "model", "created": 1776220106, "owned_by": "system"}
                                       for m in MODEL_LISTS[provider]]}


async def _images(ctx: Ctx, prefix: str, *, edit: bool) -> Response:
    rules = RULES[ctx.provider]
    qcode = ctx.provider == "qcode"
    prompt = ctx.field("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return ctx.error(400, "invalid_request_error", "prompt is required.")
    model = ctx.field("model")
    if model not in rules.models:
        return ctx.error(400, "invalid_model", f"model must be one of {', '.join(rules.models)}; got {model!r}.")
    n = parse_int(ctx.field("n", 1))
    if n is None or not 1 <= n <= rules.n_max:
        return ctx.error(400, "invalid_request_error", f"n must be an integer from 1 to {rules.n_max}.")
    qualities = ("low", "medium", "high") if qcode and not edit else _QUALITIES
    quality = ctx.field("quality") or ("auto" if edit or not qcode else "medium")
    if quality not in qualities:
        return ctx.error(400, "invalid_request_error", f"quality must be one of {' / '.join(qualities)}.")
    response_format = ctx.field("response_format") or rules.default_response_format
    if response_format not in ("b64_json", "url"):
        return ctx.error(400, "invalid_request_error", "response_format must be b64_json or url.")
    fmt = ctx.field("output_format") or "png"
    if fmt not in _FORMATS:
        return ctx.error(400, "invalid_request_error", "output_format must be png, jpeg or webp.")
    compression = ctx.field("output_compression")
    if compression not in (None, ""):
        compression = parse_int(compression)
        if compression is None or not 0 <= compression <= 100:
            return ctx.error(400, "invalid_request_error", "output_compression must be an integer from 0 to 100.")
    else:
        compression = None
    background = ctx.field("background") or "auto"
    if background not in _BACKGROUNDS:
        return ctx.error(400, "invalid_request_error", "background must be auto, opaque or transparent.")
    if background == "transparent" and fmt == "jpeg":
        # qcode.txt: "transparent requires PNG / WebP output"; OpenAI's spec says the same.
        return ctx.error(400, "invalid_request_error", "background=transparent requires output_format png or webp.")

    inputs, mask = [], None
    if edit:
        # QCode repeats "image"; openai-hk and OpenAI send "image[]". Both are accepted; the record keeps which.
        blobs = [data for field, _, data, _ in ctx.rec.files if field in ("image", "image[]")]
        masks = [data for field, _, data, _ in ctx.rec.files if field == "mask"]
        if not blobs:
            return ctx.error(400, "invalid_request_error", "image is required for edits (multipart file).")
        if len(blobs) > rules.max_images:
            return ctx.error(400, "invalid_request_error", f"At most {rules.max_images} images per edit; got {len(blobs)}.")
        if qcode and (any(len(b) > QCODE_MAX_FILE for b in blobs + masks) or sum(map(len, blobs + masks)) > QCODE_MAX_TOTAL):
            return ctx.error(413, "image_too_large", "Single file > 25 MB, or total across files > 200 MB.")
        if qcode and masks and len(blobs) > 1:
            return ctx.error(400, "invalid_request_error", "mask applies to single-image edits only.")
        try:
            inputs = await decode_refs(blobs)
            mask = (await decode_refs(masks[:1]))[0] if masks else None
        except render.BadImage as e:
            return ctx.error(400, "invalid_image", f"An uploaded image is invalid: {e}.")
        if mask is not None and "A" not in mask.getbands() and "transparency" not in mask.info:
            return ctx.error(400, "invalid_mask", "mask must be a PNG with an alpha channel.")

    size = ctx.field("size") or ("1024x1024" if qcode and not edit else "auto")
    if qcode:
        allowed = sizes.QCODE_SIZES + (("auto",) if edit else ())
        if size not in allowed:
            return ctx.error(422, "unsupported_size", f"size must be one of {' / '.join(allowed)}; got {size!r}.")
    if size == "auto":
        wh = render.auto_size("qcode" if qcode else "openai", inputs[0] if inputs else None)
    else:
        wh = sizes.parse_pixels(size)
        if wh is None:
            return ctx.error(400, "invalid_size", f"size must be WIDTHxHEIGHT or auto; got {size!r}.")
        try:
            sizes.check_openai_pixels(*wh)
        except sizes.PixelRuleError as e:
            return ctx.error(400, "invalid_size", str(e))

    behaviour = misbehave.decide(ctx, wh, fmt, mask=mask)
    wh = behaviour.size
    transparent = background == "transparent"

    # QCode's doc: "stream + partial_images ⏳ Not yet supported (full result returned at once)", so its
    # simulator ignores `stream` and answers the plain JSON, as the doc describes.
    if not qcode:
        asked = streaming.stream_requested(ctx)
        if isinstance(asked, Response):
            return asked
        if asked[0]:
            return streaming.stream_images(ctx, prompt=prompt, wh=wh, n=n, partials=asked[1], edit=edit,
                                           inputs=inputs, mask=mask, fmt=behaviour.byte_format,
                                           compression=compression, quality=quality,
                                           usage=billing_faults.overbilled_usage(ctx, usage(prompt, inputs, wh, quality, n)),
                                           b64_prefix=rules.b64_prefix)

    day = beijing_day()
    if qcode and not ctx.state.reserve_daily(ctx.key, day, n):
        return ctx.error(429, "image_daily_limit",
                         f"Daily image generation count limit reached ({ctx.state.settings.daily_cap} per key).")
    try:
        # `latency` is the whole generation: rendering happens inside it, not after it, so a benchmark's L is
        # what a request takes (rendering 1024² took 0.1-0.3 s here, which alone broke wall ÷ 4L ≤ 1.15).
        started = time.monotonic()
        bomb = ctx.take("bomb") is not None
        ext = "png" if bomb else fmt.replace("jpeg", "jpg")
        names = [f"{new_id()}.{ext}" for _ in range(n)] if response_format == "url" else []
        images = await store_images(ctx, prompt, wh, n, names=names, inputs=inputs, mask=mask, fmt=fmt,
                                    compression=compression, bomb=bomb, transparent=transparent,
                                    behaviour=behaviour)
        remaining = ctx.state.settings.latency - (time.monotonic() - started)
        if remaining > 0:
            await asyncio.sleep(remaining)
    except BaseException:
        if qcode:
            ctx.state.refund_daily(ctx.key, day, n)
        raise

    mime = "image/png" if bomb else render.MIME[fmt]
    data = []
    for i, img in enumerate(images):
        item: dict = {}
        if response_format == "url":
            folder = f"{day}/" if ctx.provider == "openai-hk" else ""
            item["url"] = f"{ctx.base}{prefix}/files/{folder}{names[i]}"
        else:
            b64 = base64.b64encode(img).decode()
            item["b64_json"] = f"data:{mime};base64,{b64}" if rules.b64_prefix else b64
        if rules.revised == "same":
            item["revised_prompt"] = prompt
        elif rules.revised == "rewritten":
            item["revised_prompt"] = revised_prompt(prompt)
        data.append(item)
    body: dict = {"created": int(time.time()), "data": data}
    if rules.usage:
        body["usage"] = billing_faults.overbilled_usage(ctx, usage(prompt, inputs, wh, quality, n))
    return JSONResponse(body)


def revised_prompt(prompt: str) -> str:
    return f"{prompt.strip()}, rendered with clean composition and balanced lighting"


def usage(prompt: str, inputs: list, wh: tuple[int, int], quality: str, n: int) -> dict:
    text = max(1, math.ceil(len(prompt) / 4))
    image = 0
    for img in inputs:
        w, h = img.size
        scale = min(1.0, 1024 / max(w, h))
        image += 65 + 129 * math.ceil(w * scale / 512) * math.ceil(h * scale / 512)
    output = n * round(OUTPUT_TOKENS[quality] * wh[0] * wh[1] / (1024 * 1024))
    return {"input_tokens": text + image, "input_tokens_details": {"image_tokens": image, "text_tokens": text},
            "output_tokens": output, "total_tokens": text + image + output}
