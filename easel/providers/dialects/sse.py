"""Streamed image responses: server-sent events as OpenAI's Images API sends them with `stream: true`.

The wire (openai/openai-openapi, `ImageGenStreamEvent` / `ImageEditStreamEvent`, `text/event-stream`):

    event: image_generation.partial_image
    data: {"type":"image_generation.partial_image","b64_json":"...","partial_image_index":0, ...}

    event: image_generation.completed
    data: {"type":"image_generation.completed","b64_json":"...","usage":{...}, ...}

Edits send `image_edit.partial_image` / `image_edit.completed`. Both kinds also carry `created_at`, `size`,
`quality`, `background` and `output_format`; the completed event carries `usage` (ImagesUsage).

`SSEDecoder` follows the HTML event-stream rules (lines end in CRLF, LF or CR; `data` lines join with LF; a
blank line dispatches; `:` starts a comment; one space after the colon is dropped). The event's kind is read
from the JSON `type`, as the official SDK reads it; the `event:` line, where present, must agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from easel.core.errors import ProviderError, ResponseError
from easel.core.i18n import N_
from easel.core.models import Usage
from easel.providers.dialects._common import strip_data_prefix
from easel.providers.dialects.openai import parse_usage

__all__ = ["ServerSentEvent", "SSEDecoder", "ImageStreamEvent", "PARTIAL_TYPES", "COMPLETED_TYPES",
           "parse_image_event", "iter_image_events", "STREAM_MEDIA_TYPE"]

STREAM_MEDIA_TYPE = "text/event-stream"
PARTIAL_TYPES = ("image_generation.partial_image", "image_edit.partial_image")
COMPLETED_TYPES = ("image_generation.completed", "image_edit.completed")


@dataclass
class ServerSentEvent:
    event: str | None = None
    data: str = ""
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Bytes in, events out, across arbitrary chunk boundaries.

    Linear in the stream's size: a 4k image's event is one data line of ~10 MB arriving in ~64 KB chunks, so
    the buffer is a bytearray searched (in C) only past what was already searched."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._scan = 0                  # bytes of the buffer known to hold no line end
        self._event: str | None = None
        self._data: list[str] = []
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        buf = self._buffer
        buf += chunk
        events: list[ServerSentEvent] = []
        start = 0
        while True:
            end = _line_end(buf, self._scan)
            if end < 0:
                self._scan = len(buf)
                break
            if buf[end] == 0x0D:
                if end + 1 == len(buf):     # CR last: wait to see whether LF follows
                    self._scan = end
                    break
                after = end + 2 if buf[end + 1] == 0x0A else end + 1
            else:
                after = end + 1
            event = self._line(bytes(buf[start:end]).decode("utf-8"))
            if event is not None:
                events.append(event)
            start = self._scan = after
        del buf[:start]
        self._scan -= start
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream. An event without its closing blank line is not dispatched (the HTML rules)."""
        self._buffer = bytearray()
        self._scan = 0
        return []

    def _line(self, line: str) -> ServerSentEvent | None:
        if line == "":
            if not self._data and self._event is None:
                return None
            event = ServerSentEvent(self._event, "\n".join(self._data), self._id, self._retry)
            self._event, self._data, self._retry = None, [], None
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None


def _line_end(buf: bytearray, start: int) -> int:
    """The index of the first CR or LF at or after `start`, or -1."""
    lf = buf.find(b"\n", start)
    cr = buf.find(b"\r", start, lf if lf >= 0 else len(buf))
    return cr if cr >= 0 else lf


@dataclass
class ImageStreamEvent:
    """One parsed image event: a partial (`partial_index` set) or the completed image (`usage` set)."""

    type: str
    b64: str
    partial_index: int | None = None
    created_at: int | None = None
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None
    usage: Usage | None = None
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def completed(self) -> bool:
        return self.type in COMPLETED_TYPES


def parse_image_event(sse: ServerSentEvent, *, provider: str | None = None) -> ImageStreamEvent | None:
    """One event → an ImageStreamEvent; None for events Easel does not use (unknown types, `[DONE]`).

    An `{"error": {...}}` payload mid-stream is the provider's error, raised as such (the official SDK does
    the same)."""
    if sse.data.startswith("[DONE]") or not sse.data.strip():
        return None
    try:
        body = json.loads(sse.data)
    except ValueError:
        raise ResponseError(N_("A streamed event is not valid JSON."), code="unexpected_response",
                            provider=provider) from None
    if not isinstance(body, dict):
        raise ResponseError(N_("A streamed event is not a JSON object."), code="unexpected_response", provider=provider)
    error = body.get("error")
    if error:
        err = error if isinstance(error, dict) else {"message": str(error)}
        code = err.get("code") or err.get("type") or "stream_error"
        raise ProviderError(N_("The provider reported an error mid-stream: {text}"),
                            dict(text=err.get("message") or code), code=str(code), provider=provider)
    kind = body.get("type") or sse.event
    if kind not in PARTIAL_TYPES + COMPLETED_TYPES:
        return None
    if sse.event and sse.event != kind:
        raise ResponseError(N_("A streamed event says `event: {event}` but its type is {kind}."),
                            dict(event=sse.event, kind=kind),
                            code="unexpected_response", provider=provider)
    b64 = body.get("b64_json")
    if not isinstance(b64, str) or not b64:
        raise ResponseError(N_("The {kind} event carries no b64_json."), dict(kind=kind), code="unexpected_response",
                            provider=provider)
    index = body.get("partial_image_index")
    if kind in PARTIAL_TYPES and (isinstance(index, bool) or not isinstance(index, int)):
        raise ResponseError(N_("The {kind} event carries no partial_image_index."), dict(kind=kind),
                            code="unexpected_response",
                            provider=provider)
    return ImageStreamEvent(
        type=kind, b64=strip_data_prefix(b64), partial_index=index if kind in PARTIAL_TYPES else None,
        created_at=body.get("created_at"), size=body.get("size"), quality=body.get("quality"),
        background=body.get("background"), output_format=body.get("output_format"),
        usage=parse_usage(body.get("usage")) if kind in COMPLETED_TYPES else None, raw=body)


def iter_image_events(chunks: Iterable[bytes], *, provider: str | None = None) -> Iterator[ImageStreamEvent]:
    """Image events from a byte stream, in order, as soon as each one's blank line arrives."""
    decoder = SSEDecoder()
    for chunk in chunks:
        for sse in decoder.feed(chunk):
            event = parse_image_event(sse, provider=provider)
            if event is not None:
                yield event
    decoder.close()
