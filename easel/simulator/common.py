"""What every provider route shares: recording, auth, faults, in-flight counting, and small parsers.

`Recorder` wraps the whole ASGI app: it reads each request body once, records it (multipart parsed), and
hands the parsed record to the route, so routes never read the body themselves. Routes are wrapped by
`api(provider, endpoint)`, which checks the key, counts the request and fires the pre-response faults.

Just over 300 lines: the route plumbing every dialect shares; each piece is small and used by all three APIs.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from functools import wraps
from typing import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from easel.core.errors import ValidationError
from easel.core.mime import decode_data_url
from easel.simulator import render
from easel.simulator.faults import HTTP_FAULTS, error_response, fault_response
from easel.simulator.misbehave import Behaviour
from easel.simulator.state import FaultRule, FileEntry, RecordedRequest, SimState

__all__ = ["Recorder", "DropConnection", "Ctx", "api", "parse_int", "new_id", "store_images"]

_PRE_KINDS = tuple(HTTP_FAULTS) + ("http_524", "drop", "slow", "malformed_json", "result_404")
_TRUNCATED = b'{"created": 1776220106, "data": [{"b64_json": "iVBORw0KGgoAAAANSUhEUgAA'


class DropConnection(BaseException):
    """Raised by a route to close the connection without any response.

    A BaseException so Starlette's error middleware (which catches Exception) does not answer 500 first.
    """


class Recorder:
    def __init__(self, app, state: SimState):
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/_sim/"):
            return await self.app(scope, receive, send)
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)

        async def replay():
            return {"type": "http.request", "body": body, "more_body": False}

        rec = await _record(scope, body, replay)
        self.state.record(rec)
        scope["easel.rec"] = rec

        async def send_status(message):
            if message["type"] == "http.response.start":
                rec.status = message["status"]
            await send(message)

        try:
            await self.app(scope, replay, send_status)
        except DropConnection:
            rec.status = 0
            _abort(send)


def _abort(send) -> None:
    """Close the socket with no response at all, as a dropped upstream does.

    uvicorn's `send` is a bound method of its per-request cycle, which holds the transport; marking the
    cycle disconnected stops uvicorn from answering 500 afterwards.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("cannot drop: no transport")   # uvicorn then answers 500, still a visible fault
    cycle.disconnected = True
    transport.abort()


async def _record(scope, body: bytes, receive) -> RecordedRequest:
    request = Request(scope, receive)
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    auth = headers.get("authorization", "")
    if "authorization" in headers:
        headers["authorization"] = "[secure]"
    content_type = headers.get("content-type", "")
    rec = RecordedRequest(
        method=scope["method"], path=scope["path"],
        query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)),
        headers=headers, had_auth=bool(auth.strip()), content_type=content_type, body=body, at=time.time())
    if content_type.startswith("application/json") or (body[:1] in (b"{", b"[") and "form" not in content_type):
        try:
            rec.json = json.loads(body)
        except ValueError:
            rec.json = None
    elif content_type.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=10_000, max_fields=10_000, max_part_size=16 * 1024 * 1024)
            for name, value in form.multi_items():
                if isinstance(value, str):
                    rec.form.setdefault(name, []).append(value)
                else:
                    data = await value.read()
                    rec.files.append((name, value.filename or "", data, value.content_type or ""))
            await form.close()
        except Exception:   # a malformed multipart body: the route answers 400 from the empty form
            rec.form, rec.files = {}, []
    elif content_type.startswith("application/x-www-form-urlencoded"):
        rec.form = {}
        for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            rec.form.setdefault(k, []).append(v)
    return rec


@dataclass
class Ctx:
    state: SimState
    provider: str
    endpoint: str
    request: Request
    rec: RecordedRequest
    key: str | None

    def take(self, kind: str) -> FaultRule | None:
        return self.state.take_fault(self.provider, self.endpoint, kind)

    @property
    def base(self) -> str:
        """The simulator's own origin as the client reached it (result URLs must point back at it)."""
        return str(self.request.base_url).rstrip("/")

    def field(self, name: str, default=None):
        """A request field from the JSON body or the multipart form (first value)."""
        if isinstance(self.rec.json, dict):
            return self.rec.json.get(name, default)
        values = self.rec.form.get(name)
        return values[0] if values else default

    def error(self, status: int, code: str, message: str) -> Response:
        return error_response(self.provider, status, code, message)


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    if not value.lower().startswith("bearer "):
        return None
    return value[7:].strip() or None


def api(provider: str, endpoint: str, *, auth: bool = True,
        before: Callable[[Ctx], Response | None] | None = None):
    """Wrap a route: auth, counters, in-flight tracking, optional provider gate, pre-response faults."""
    def deco(fn: Callable[[Ctx], Awaitable[Response]]):
        @wraps(fn)
        async def handler(request: Request) -> Response:
            state: SimState = request.app.state.sim
            rec: RecordedRequest = request.scope["easel.rec"]
            rec.provider, rec.endpoint = provider, endpoint
            key = bearer(request)
            ctx = Ctx(state, provider, endpoint, request, rec, key)
            state.count(f"endpoint:{provider}.{endpoint}")
            if endpoint == "file":
                state.count("file_requests")
                if rec.had_auth:
                    state.count("file_requests_with_auth")
            if auth:
                if key is None:
                    return ctx.error(401, "invalid_api_key", "Missing API key: send Authorization: Bearer <key>.")
                if key.lower().startswith(("bad", "invalid")):
                    return ctx.error(401, "invalid_api_key", "API key invalid or disabled.")
            if before is not None:
                # No await between the gate and enter(): the event loop cannot interleave another request.
                refused = before(ctx)
                if refused is not None:
                    return refused
            tracked = endpoint == "submit" and key is not None
            if tracked:
                state.enter(provider, key)
            try:
                refused = await _pre_faults(ctx)
                if refused is not None:
                    return refused
                return await fn(ctx)
            finally:
                if tracked:
                    state.leave(provider, key)
        return handler
    return deco


async def _pre_faults(ctx: Ctx) -> Response | None:
    while True:
        rule = ctx.take(_PRE_KINDS if ctx.endpoint == "file" else tuple(k for k in _PRE_KINDS if k != "result_404"))
        if rule is None:
            return None
        if rule.kind == "slow":
            await asyncio.sleep(rule.delay)
            continue   # a slow answer is still an answer; other rules may also apply
        if rule.kind == "drop":
            raise DropConnection()
        if rule.kind == "malformed_json":
            return Response(_TRUNCATED, status_code=200, media_type="application/json")
        if rule.kind == "result_404":
            return Response(b"Not Found", status_code=404, media_type="text/plain")
        return fault_response(ctx.provider, rule)


def parse_int(value, *, strict: bool = False) -> int | None:
    """An integer field. `strict`: a JSON number only (gccai: "do not wrap in quotes")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if strict:
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def new_id() -> str:
    return str(uuid.uuid4())


async def store_images(ctx: Ctx, prompt: str, size: tuple[int, int], n: int, *, names: list[str], inputs=(),
                       mask=None, fmt: str = "png", compression: int | None = None,
                       expires_at: float | None = None, bomb: bool = False, transparent: bool = False,
                       behaviour: Behaviour | None = None) -> list[bytes]:
    """Render n images off the event loop and keep them as files under `names`; returns their bytes.

    `behaviour` (misbehave.decide) may render other pixels, other bytes or a leaking mask; the files keep the
    Content-Type of the asked `fmt` all the same, as a provider that ignores the format labels it."""
    b = behaviour or Behaviour(size, fmt)

    def work():
        return [render.bomb_png() if bomb else
                render.render_image(prompt, b.size, seq=i, inputs=list(inputs), mask=mask, fmt=b.byte_format,
                                    compression=compression, transparent=transparent, bleed=b.bleed)
                for i in range(n)]

    images = await run_in_threadpool(work)
    mime = "image/png" if bomb else render.MIME.get(fmt, "image/png")
    for name, data in zip(names, images):
        ctx.state.put_file(name, FileEntry(data, mime, expires_at))
    ctx.state.count("images_generated", n)
    return images


async def serve_file(ctx: Ctx, name: str, *, download: bool = False) -> Response:
    """A result file, no key needed. Answers 404 once the file has expired (gccai) or is unknown."""
    entry = ctx.state.get_file(name)
    if entry is None or (entry.expires_at is not None and time.time() > entry.expires_at):
        return Response(b"Not Found", status_code=404, media_type="text/plain")
    data, mime = entry.data, entry.mime
    if ctx.take("bomb"):
        data, mime = render.bomb_png(), "image/png"
    ctx.state.count("files_served")
    headers = {"Content-Disposition": f'attachment; filename="{name}"'} if download else None
    return Response(data, media_type=mime, headers=headers)


def own_file(state: SimState, url: str) -> bytes | None:
    """A reference URL that points at one of this simulator's result files (its last path segment)."""
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    entry = state.get_file(name)
    return entry.data if entry is not None else None


def ref_blobs(state: SimState, refs: list[str], *, https_only: bool) -> tuple[list, str | None]:
    """Reference items (https / http URLs, data URLs) → bytes or placeholder images, or an error message.

    The simulator never goes online: an https URL becomes a placeholder unless it is one of its own files.
    """
    out: list = []
    for i, ref in enumerate(refs, 1):
        if not isinstance(ref, str) or not ref.strip():
            return [], f"image_urls[{i - 1}] must be a non-empty string."
        ref = ref.strip()
        low = ref.lower()
        if low.startswith("data:"):
            try:
                out.append(decode_data_url(ref)[1])
            except ValidationError as e:
                return [], f"image_urls[{i - 1}]: {e.render('en')}"  # the simulated provider speaks English
        elif low.startswith("https://") or (low.startswith("http://") and not https_only):
            out.append(own_file(state, ref) or render.placeholder(ref))
        elif low.startswith("http://"):
            return [], f"image_urls[{i - 1}] must use https:// (http is rejected)."
        else:
            return [], f"image_urls[{i - 1}] must be an https URL or a data:image/...;base64, value."
    return out, None


async def decode_refs(items: list) -> list:
    """Bytes and ready images → images, decoded off the event loop; raises render.BadImage."""
    return await run_in_threadpool(lambda: [render.load_image(x) if isinstance(x, bytes) else x for x in items])


def poll_effects(ctx: Ctx, task, now: float) -> None:
    """task_fail / task_stuck rules aimed at polls act on a task that has not finished yet."""
    task.polls += 1
    if task.phase(now)[0] in ("completed", "failed"):
        return
    if ctx.take("task_fail"):
        task.failed_now = True
    elif ctx.take("task_stuck"):
        task.stuck = True


def submit_effects(ctx: Ctx) -> tuple[bool, bool]:
    """(fail, stuck) for a new task: at most one task rule acts on it."""
    if ctx.take("task_fail"):
        return True, False
    return False, ctx.take("task_stuck") is not None
