"""Streamed image responses, as OpenAI's spec defines them (`stream: true`, `partial_images` 0–3).

The response is `text/event-stream`: `partial_images` events `image_generation.partial_image` (edits:
`image_edit.partial_image`) with `partial_image_index` 0, 1, …, then one `…completed` event with `usage`.
Each event is `event: <type>\\ndata: <json>\\n\\n`, the form of the spec's own example.

Timing: the configured `latency` is the whole generation, as for a plain response. Partial k of P is sent at
latency × (k + 1) / (P + 1) and the final image at latency, so previews come at set intervals before it.
A partial is the final image coarsened (downscaled by 2^(P − k + 2), scaled back up): later ones are sharper.

Fault `stream_break` (rule field `partials`, default 1): the connection is cut after that many partials, with
no completed event, as a gateway that drops a long request does.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from typing import AsyncIterator

from PIL import Image
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from easel.simulator import render
from easel.simulator.common import Ctx, DropConnection, parse_int

__all__ = ["stream_requested", "EventStream", "stream_images", "sse_event", "coarsen"]

PARTIAL_IMAGES_MAX = 3


def stream_requested(ctx: Ctx) -> tuple[bool, int] | Response:
    """(stream?, partial_images) from the request, or a 400 for a bad value. JSON `true` or form "true"."""
    raw = ctx.field("stream")
    stream = raw is True or (isinstance(raw, str) and raw.strip().lower() == "true")
    raw_partials = ctx.field("partial_images")
    if raw_partials in (None, ""):
        return stream, 0
    partials = parse_int(raw_partials)
    if partials is None or not 0 <= partials <= PARTIAL_IMAGES_MAX:
        return ctx.error(400, "invalid_request_error", "partial_images must be an integer from 0 to 3.")
    return stream, partials


def sse_event(payload: dict) -> bytes:
    return f"event: {payload['type']}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode("utf-8")


def coarsen(data: bytes, factor: int, fmt: str, compression: int | None) -> bytes:
    img = Image.open(io.BytesIO(data))
    img.load()
    w, h = img.size
    small = img.resize((max(1, w // factor), max(1, h // factor)), Image.Resampling.BILINEAR)
    return render.encode(small.resize((w, h), Image.Resampling.BILINEAR), fmt, compression)


class EventStream(Response):
    """Sends each chunk as it is produced, with no disconnect listener: a DropConnection raised by the
    producer reaches the Recorder, which aborts the socket mid-body (a broken stream, not a 500)."""

    media_type = "text/event-stream"

    def __init__(self, chunks: AsyncIterator[bytes]):
        self.status_code = 200
        self.background = None
        self.chunks = chunks
        # No Content-Length: the body is chunked, and its end is the end of the stream.
        self.raw_headers = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for chunk in self.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def stream_images(ctx: Ctx, *, prompt: str, wh: tuple[int, int], n: int, partials: int, edit: bool, inputs: list,
                  mask, fmt: str, compression: int | None, quality: str, usage: dict, b64_prefix: bool) -> Response:
    kind = "image_edit" if edit else "image_generation"
    brk = ctx.take("stream_break")
    latency = ctx.state.settings.latency
    background = ctx.field("background") or "auto"
    common = {"size": f"{wh[0]}x{wh[1]}", "quality": "medium" if quality == "auto" else quality,
              "background": "opaque" if background == "auto" else background, "output_format": fmt}
    mime = render.MIME[fmt]

    def b64(data: bytes) -> str:
        text = base64.b64encode(data).decode()
        return f"data:{mime};base64,{text}" if b64_prefix else text

    async def events() -> AsyncIterator[bytes]:
        started = time.monotonic()
        sent = 0
        for seq in range(n):
            def work(seq=seq):
                final = render.render_image(prompt, wh, seq=seq, inputs=list(inputs), mask=mask, fmt=fmt,
                                            compression=compression)
                return final, [coarsen(final, 2 ** (partials - k + 2), fmt, compression) for k in range(partials)]

            final, previews = await run_in_threadpool(work)
            ctx.state.count("images_generated")
            span = latency / n
            for k, data in enumerate(previews):
                if brk is not None and sent >= brk.partials:
                    raise DropConnection()
                await _until(started + span * seq + span * (k + 1) / (partials + 1))
                yield sse_event({"type": f"{kind}.partial_image", "b64_json": b64(data), "created_at": int(time.time()),
                                 **common, "partial_image_index": k})
                sent += 1
            if brk is not None:
                raise DropConnection()
            await _until(started + span * (seq + 1))
            yield sse_event({"type": f"{kind}.completed", "b64_json": b64(final), "created_at": int(time.time()),
                             **common, "usage": usage})
            ctx.state.count("streams_completed")

    return EventStream(events())


async def _until(deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining > 0:
        await asyncio.sleep(remaining)
