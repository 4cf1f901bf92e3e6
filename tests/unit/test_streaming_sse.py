"""Streaming previews, without a network: SSE bytes → events, the request fields, and who may stream."""

from __future__ import annotations

import base64
import io
import json

import httpx
import pytest
from PIL import Image

from easel.core.errors import ProviderError, ResponseError, ValidationError
from easel.core.models import Usage
from easel.providers.catalog import BUILTIN, custom_profile, get_profile, stream_unsupported_reason
from easel.providers.client import PartialImage, ProviderClient, StreamInterrupted
from easel.providers.dialects import openai as openai_dialect
from easel.providers.dialects.sse import SSEDecoder, iter_image_events, parse_image_event
from easel.providers.request import ImageInput, ImageRequest, validate


def png(w: int = 64, h: int = 48, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(out, "PNG")
    return out.getvalue()


B64 = base64.b64encode(png()).decode()
USAGE = {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
         "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}

# The spec's own example shape (openai-openapi, /images/generations, "response" of the streaming example).
STREAM = (
    b'event: image_generation.partial_image\n'
    b'data: {"type":"image_generation.partial_image","b64_json":"' + B64.encode() + b'","created_at":1620000000,'
    b'"size":"1024x1024","quality":"high","background":"opaque","output_format":"png","partial_image_index":0}\n'
    b'\n'
    b'event: image_generation.completed\n'
    b'data: {"type":"image_generation.completed","b64_json":"' + B64.encode() + b'","created_at":1620000001,'
    b'"size":"1024x1024","quality":"high","background":"opaque","output_format":"png","usage":'
    + json.dumps(USAGE, separators=(",", ":")).encode() + b'}\n'
    b'\n'
)


def test_decoder_reads_the_specs_event_bytes_in_one_chunk():
    events = SSEDecoder().feed(STREAM)
    assert [e.event for e in events] == ["image_generation.partial_image", "image_generation.completed"]
    assert json.loads(events[0].data)["partial_image_index"] == 0


def test_decoder_joins_events_split_at_every_byte():
    decoder = SSEDecoder()
    events = [e for i in range(len(STREAM)) for e in decoder.feed(STREAM[i:i + 1])]
    assert [json.loads(e.data)["type"] for e in events] == ["image_generation.partial_image",
                                                            "image_generation.completed"]


def test_decoder_follows_the_event_stream_line_rules():
    raw = b": keep-alive comment\r\n\r\nevent:image_edit.partial_image\rdata: {\"a\":\r\ndata:  1}\r\nid: 7\n\n"
    (event,) = SSEDecoder().feed(raw)
    # CR, CRLF and LF all end lines; data lines join with LF; only one space after the colon is dropped.
    assert (event.event, event.data, event.id) == ("image_edit.partial_image", '{"a":\n 1}', "7")


def test_line_rules_hold_when_cr_and_lf_arrive_in_separate_chunks():
    raw = b"event: a\r\ndata: 1\r\rdata: 2\r\n\r\n"
    decoder = SSEDecoder()
    events = [e for i in range(len(raw)) for e in decoder.feed(raw[i:i + 1])]
    # "\r\r" is two line ends (so an empty line: the first event ends), never one CRLF.
    assert [(e.event, e.data) for e in events] == [("a", "1"), (None, "2")]


def test_a_12_mb_event_in_1_kb_chunks_decodes_whole():
    data = "A" * 12_000_000
    raw = b"event: image_generation.completed\ndata: " + data.encode() + b"\n\n"
    decoder = SSEDecoder()
    events = [e for i in range(0, len(raw), 1024) for e in decoder.feed(raw[i:i + 1024])]
    assert len(events) == 1 and events[0].data == data


def test_an_event_without_its_blank_line_is_not_dispatched():
    half = STREAM[:STREAM.index(b"\n\n") + 2] + b'event: image_generation.completed\ndata: {"type":"image_gen'
    decoder = SSEDecoder()
    assert len(decoder.feed(half)) == 1
    assert decoder.close() == []


def test_image_events_parse_every_field_including_usage():
    partial, done = list(iter_image_events([STREAM]))
    assert (partial.type, partial.partial_index, partial.size, partial.quality, partial.background,
            partial.output_format, partial.created_at) == (
        "image_generation.partial_image", 0, "1024x1024", "high", "opaque", "png", 1620000000)
    assert partial.b64 == B64 and not partial.completed and partial.usage is None
    assert done.completed and done.partial_index is None
    assert done.usage == Usage(text_tokens=10, image_tokens=40, output_tokens=50)


def test_data_url_prefix_is_stripped_as_openai_hk_sends_it():
    from easel.providers.dialects.sse import ServerSentEvent

    data = json.dumps({"type": "image_edit.partial_image", "b64_json": f"data:image/png;base64,{B64}",
                       "partial_image_index": 2})
    event = parse_image_event(ServerSentEvent("image_edit.partial_image", data))
    assert event.b64 == B64 and event.partial_index == 2


def test_an_error_payload_mid_stream_is_the_providers_error():
    from easel.providers.dialects.sse import ServerSentEvent

    data = '{"error":{"type":"server_error","code":"image_generation_failed","message":"upstream died"}}'
    with pytest.raises(ProviderError) as err:
        parse_image_event(ServerSentEvent("error", data), provider="OpenAI")
    assert err.value.code == "image_generation_failed" and "upstream died" in err.value.message


def test_a_partial_without_its_index_is_refused():
    from easel.providers.dialects.sse import ServerSentEvent

    data = json.dumps({"type": "image_generation.partial_image", "b64_json": B64})
    with pytest.raises(ResponseError, match="partial_image_index"):
        parse_image_event(ServerSentEvent(None, data))


def test_unknown_events_and_done_are_skipped():
    from easel.providers.dialects.sse import ServerSentEvent

    assert parse_image_event(ServerSentEvent("ping", '{"type":"ping"}')) is None
    assert parse_image_event(ServerSentEvent(None, "[DONE]")) is None


# --- the request ------------------------------------------------------------------------------------------
def test_generation_body_carries_stream_and_partial_images_exactly():
    profile = BUILTIN["openai"]
    req = validate(ImageRequest(prompt="otter", size="1024x1024", quality="low", stream=True, partial_images=2),
                   profile)
    request = openai_dialect.build_submit(profile, req, profile.base_url)
    assert request.content == (b'{"model":"gpt-image-2","prompt":"otter","n":1,"size":"1024x1024",'
                               b'"quality":"low","stream":true,"partial_images":2}')


def test_edit_form_carries_stream_true_and_partial_images():
    profile = BUILTIN["openai"]
    req = validate(ImageRequest(prompt="hat", images=[ImageInput.from_bytes(png())], stream=True, partial_images=1),
                   profile)
    body = openai_dialect.build_submit(profile, req, profile.base_url).content
    assert b'name="stream"\r\n\r\ntrue\r\n' in body and b'name="partial_images"\r\n\r\n1\r\n' in body


def test_a_plain_request_sends_no_stream_field():
    profile = BUILTIN["openai"]
    req = validate(ImageRequest(prompt="otter"), profile)
    assert b"stream" not in openai_dialect.build_submit(profile, req, profile.base_url).content


@pytest.mark.parametrize("provider", ["openai", "demo", "openai-hk"])
def test_providers_whose_docs_allow_it_stream(provider):
    assert stream_unsupported_reason(get_profile(provider)) is None


def test_qcode_refuses_with_its_docs_words():
    with pytest.raises(ValidationError) as err:
        validate(ImageRequest(prompt="x", stream=True), get_profile("qcode"))
    assert err.value.code == "stream_not_supported"
    assert "stream + partial_images (incremental return) ⏳ Not yet supported (full result returned at once)" \
        in err.value.message


@pytest.mark.parametrize("provider", ["icodeeasy", "gccai"])
def test_url_and_task_providers_say_why_they_cannot_stream(provider):
    reason = stream_unsupported_reason(get_profile(provider))
    assert reason is not None and f"{provider}'s doc" in reason


def test_a_custom_openai_endpoint_may_stream():
    assert stream_unsupported_reason(custom_profile("mine", "https://gw.example/v1", "openai", register=False)) is None


@pytest.mark.parametrize("fields, code", [
    ({"partial_images": 4}, "invalid_partial_images"),
    ({"partial_images": -1}, "invalid_partial_images"),
    ({"n": 2}, "stream_n_not_1"),
])
def test_stream_rules(fields, code):
    with pytest.raises(ValidationError) as err:
        validate(ImageRequest(prompt="x", stream=True, **fields), BUILTIN["openai"])
    assert err.value.code == code


def test_partial_images_without_stream_is_refused():
    with pytest.raises(ValidationError) as err:
        validate(ImageRequest(prompt="x", partial_images=2), BUILTIN["openai"])
    assert err.value.code == "partial_images_without_stream"


# --- the client over an in-process transport (the loopback tests are in tests/integration) -----------------
def _client(body: bytes, content_type: str = "text/event-stream") -> ProviderClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": content_type})

    return ProviderClient(BUILTIN["openai"], "sk-unit", transport=httpx.MockTransport(handler), max_retries=0)


def test_client_hands_partials_over_and_returns_the_final_with_usage():
    seen: list[PartialImage] = []
    outcome = _client(STREAM).generate_stream(ImageRequest(prompt="x", stream=True, partial_images=1), seen.append)
    assert [(p.index, p.image.width, p.image.height) for p in seen] == [(0, 64, 48)]
    assert [(i.width, i.height) for i in outcome.images] == [(64, 48)]
    assert outcome.usage == Usage(text_tokens=10, image_tokens=40, output_tokens=50)


def test_a_stream_that_ends_before_its_final_image_is_interrupted():
    first_event = STREAM[:STREAM.index(b"\n\n") + 2]
    with pytest.raises(StreamInterrupted) as err:
        _client(first_event).generate_stream(ImageRequest(prompt="x", stream=True, partial_images=2))
    assert err.value.code == "stream_interrupted" and err.value.partials == 1
    assert "broke after 1 partial image, before the final image" in err.value.message


def test_a_gateway_that_ignores_stream_and_answers_json_still_gives_the_image():
    body = json.dumps({"created": 1, "data": [{"b64_json": B64}], "usage": USAGE}).encode()
    outcome = _client(body, "application/json").generate_stream(ImageRequest(prompt="x", stream=True))
    assert [(i.width, i.height) for i in outcome.images] == [(64, 48)]


def test_an_error_status_on_a_streamed_request_is_the_providers_error_and_retries_as_usual():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(503, json={"error": {"type": "server_error", "code": "service_overloaded",
                                                       "message": "busy"}})
        return httpx.Response(200, content=STREAM, headers={"content-type": "text/event-stream"})

    client = ProviderClient(BUILTIN["openai"], "sk-unit", transport=httpx.MockTransport(handler), max_retries=1,
                            sleep=lambda s: None)
    outcome = client.generate_stream(ImageRequest(prompt="x", stream=True, partial_images=1))
    assert len(calls) == 2 and outcome.attempts == 2

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"type": "invalid_request_error", "code": "invalid_value",
                                                   "message": "partial_images is not allowed"}})

    client = ProviderClient(BUILTIN["openai"], "sk-unit", transport=httpx.MockTransport(refuse), max_retries=2)
    with pytest.raises(ProviderError) as err:
        client.generate_stream(ImageRequest(prompt="x", stream=True, partial_images=1))
    assert (err.value.code, err.value.status) == ("invalid_value", 400)
    assert "partial_images is not allowed" in err.value.message
