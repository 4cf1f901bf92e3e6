"""The exact bytes each dialect puts on the wire, and how each parses the docs' own response examples."""

from __future__ import annotations

import base64
import io
import json
from email.parser import BytesParser
from email.policy import HTTP

import httpx
import pytest
from PIL import Image

from easel.providers.catalog import BUILTIN, custom_profile
from easel.providers.dialects import endpoint_url, get_dialect, parse_error
from easel.core.errors import BadRequest, ConfigError, ResponseError, ValidationError
from easel.core.models import TaskState, Usage
from easel.providers.request import ImageInput, ImageRequest, validate


def png(w=8, h=8, color=(200, 30, 30, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (w, h), color).save(out, "PNG")
    return out.getvalue()


def multipart(request: httpx.Request) -> list[tuple[str, str | None, bytes, str]]:
    """(field, filename, bytes, content type) for every part, in wire order."""
    ctype = request.headers["content-type"]
    assert ctype.startswith("multipart/form-data; boundary=")
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + request.content)
    parts = []
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts.append((name, part.get_filename(), part.get_payload(decode=True), part.get_content_type()))
    return parts


def build(profile_id, req, *, async_=False, base=None):
    profile = BUILTIN[profile_id]
    r = validate(req, profile)
    return get_dialect(profile.dialect).build_submit(profile, r, base or profile.base_url, async_=async_)


def response(status=200, body=None, headers=None, content=None):
    if content is None:
        content = json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers or {"content-type": "application/json"})


# --- URLs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("base, prefix, expected", [
    ("https://jp.icodeeasy.cc", "/v1", "https://jp.icodeeasy.cc/v1/images/generations"),
    ("https://jp.icodeeasy.cc/v1", "/v1", "https://jp.icodeeasy.cc/v1/images/generations"),
    ("https://jp.icodeeasy.cc/v1/", "/v1", "https://jp.icodeeasy.cc/v1/images/generations"),
    ("https://api.qcode.cc/qcode-img/v1", "", "https://api.qcode.cc/qcode-img/v1/images/generations"),
    ("https://api.openai.com/v1", "", "https://api.openai.com/v1/images/generations"),
    ("http://127.0.0.1:8080", "", "http://127.0.0.1:8080/v1/images/generations"),
    ("http://127.0.0.1:8080/", "", "http://127.0.0.1:8080/v1/images/generations"),
    ("http://127.0.0.1:9/openai-hk", "/v1", "http://127.0.0.1:9/openai-hk/v1/images/generations"),
])
def test_endpoint_url_accepts_bare_origins_and_bases_ending_in_v1(base, prefix, expected):
    assert endpoint_url(base, prefix, "/images/generations") == expected


def test_custom_profile_with_v1_in_its_base_does_not_double_it():
    profile = custom_profile("my-gccai", "https://gccai.example.com/v1/", "gccai", register=False)
    r = validate(ImageRequest("p"), profile)
    req = get_dialect("gccai").build_submit(profile, r, profile.base_url, async_=True)
    assert str(req.url) == "https://gccai.example.com/v1/images/generations"
    [poll] = get_dialect("gccai").build_poll(profile, ["t1"], profile.base_url)
    assert str(poll.url) == "https://gccai.example.com/v1/tasks/t1"


def test_unknown_dialect_is_a_config_error():
    with pytest.raises(ConfigError, match="Unknown dialect 'grpc'"):
        get_dialect("grpc")


# --- openai dialect: generations ------------------------------------------------------------------

def test_qcode_generation_is_exactly_the_five_documented_fields():
    req = build("qcode", ImageRequest("a cat", size="1024x1024", quality="low"))
    assert req.method == "POST"
    assert str(req.url) == "https://api.qcode.cc/qcode-img/v1/images/generations"
    assert req.headers["content-type"] == "application/json"
    assert req.content == b'{"model":"gpt-image-2","prompt":"a cat","n":1,"size":"1024x1024","quality":"low"}'
    assert "authorization" not in req.headers


def test_openai_hk_generation_asks_for_b64_json():
    req = build("openai-hk", ImageRequest("a white siamese cat", size="1024x1024", quality="low"))
    assert str(req.url) == "https://api.openai-hk.com/v1/images/generations"
    assert req.content == (b'{"model":"gpt-image-2","prompt":"a white siamese cat","n":1,"size":"1024x1024",'
                           b'"quality":"low","response_format":"b64_json"}')


def test_generic_openai_sends_set_extras_in_profile_order_and_no_response_format():
    req = build("openai", ImageRequest("猫", size="1536x1024", quality="high", n=2,
                                       extras={"output_compression": 80, "background": "opaque", "moderation": ""}))
    assert str(req.url) == "https://api.openai.com/v1/images/generations"
    # Non-ASCII prompts travel as UTF-8, not \u escapes; unset extras ("" / None) are left out.
    assert req.content == ('{"model":"gpt-image-2","prompt":"猫","n":2,"size":"1536x1024","quality":"high",'
                           '"background":"opaque","output_compression":80}').encode()


def test_openai_dialect_has_no_async_and_no_polling():
    profile = BUILTIN["openai-hk"]
    with pytest.raises(ValidationError, match="no async mode"):
        get_dialect("openai").build_submit(profile, validate(ImageRequest("p"), profile), profile.base_url, async_=True)
    with pytest.raises(ValidationError):
        get_dialect("openai").build_poll(profile, ["x"], profile.base_url)


# --- openai dialect: edits (multipart) -----------------------------------------------------------

def test_qcode_edit_repeats_image_and_puts_the_mask_last():
    a, m = png(16, 16), png(16, 16, (0, 0, 0, 0))
    req = build("qcode", ImageRequest("put a crown on the cat", size="1024x1024", quality="high",
                                      images=[ImageInput.from_bytes(a, "cat.png")], mask=ImageInput.from_bytes(m, "m.png"),
                                      extras={"input_fidelity": "high", "background": "transparent"}))
    assert str(req.url) == "https://api.qcode.cc/qcode-img/v1/images/edits"
    assert multipart(req) == [
        ("model", None, b"gpt-image-2", "text/plain"),
        ("prompt", None, b"put a crown on the cat", "text/plain"),
        ("n", None, b"1", "text/plain"),
        ("size", None, b"1024x1024", "text/plain"),
        ("quality", None, b"high", "text/plain"),
        ("background", None, b"transparent", "text/plain"),
        ("input_fidelity", None, b"high", "text/plain"),
        ("image", "cat.png", a, "image/png"),
        ("mask", "mask.png", m, "image/png"),
    ]
    assert "authorization" not in req.headers


def test_qcode_multi_image_edit_keeps_input_order_under_repeated_image_field():
    a, b = png(8, 8), png(9, 9)
    jpeg = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(jpeg, "JPEG")
    c = jpeg.getvalue()
    req = build("qcode", ImageRequest("compose", size="auto", images=[ImageInput.from_bytes(x, f"{i}.img")
                                                                         for i, x in enumerate((a, b, c))]))
    files = [p for p in multipart(req) if p[1]]
    assert files == [("image", "0.img", a, "image/png"), ("image", "1.img", b, "image/png"),
                     ("image", "2.img", c, "image/jpeg")]
    fields = {p[0]: p[2] for p in multipart(req) if not p[1]}
    # QCode's edits default quality is "auto" and size "auto" follows the input.
    assert fields == {"model": b"gpt-image-2", "prompt": b"compose", "n": b"1", "size": b"auto", "quality": b"auto"}


def test_openai_hk_edit_uses_image_brackets_and_sends_response_format():
    a, b, m = png(), png(12, 12), png(8, 8, (0, 0, 0, 0))
    req = build("openai-hk", ImageRequest("gift basket", size="1024x1024", quality="low",
                                          images=[ImageInput.from_bytes(a, "a.png"), ImageInput.from_bytes(b, "b.png")],
                                          mask=ImageInput.from_bytes(m)))
    assert str(req.url) == "https://api.openai-hk.com/v1/images/edits"
    parts = multipart(req)
    assert [p[0] for p in parts] == ["model", "prompt", "n", "size", "quality", "response_format",
                                     "image[]", "image[]", "mask"]
    assert parts[5][2] == b"b64_json"
    assert parts[6][1:] == ("a.png", a, "image/png") and parts[7][1:] == ("b.png", b, "image/png")
    assert parts[8][1:] == ("mask.png", m, "image/png")


def test_qcode_generation_drops_edit_only_extras_even_if_validation_is_skipped():
    profile = BUILTIN["qcode"]
    r = ImageRequest("p", extras={"input_fidelity": "high"}).resolved(profile)
    req = get_dialect("openai").build_submit(profile, r, profile.base_url, async_=False)
    assert b"input_fidelity" not in req.content


def test_openai_edit_refuses_a_url_input():
    profile = BUILTIN["openai-hk"]
    r = ImageRequest("p", images=[ImageInput(url="https://example.com/a.png")]).resolved(profile)
    with pytest.raises(ValidationError, match="uploaded files only"):
        get_dialect("openai").build_submit(profile, r, profile.base_url, async_=False)


# --- icodeeasy -----------------------------------------------------------------------------------

def test_icodeeasy_generation_json_with_ratio_and_resolution():
    req = build("icodeeasy", ImageRequest("a corgi astronaut", size="16:9", resolution="2k", quality="medium", n=2))
    assert req.method == "POST"
    assert str(req.url) == "https://jp.icodeeasy.cc/v1/images/generations"
    assert req.url.query == b""
    assert req.content == (b'{"model":"gpt-image-2","prompt":"a corgi astronaut","n":2,"size":"16:9",'
                           b'"resolution":"2k","quality":"medium"}')


def test_icodeeasy_defaults_are_the_docs_defaults():
    req = build("icodeeasy", ImageRequest("x"))
    assert json.loads(req.content) == {"model": "gpt-image-2", "prompt": "x", "n": 1, "size": "1:1",
                                       "resolution": "1k", "quality": "medium"}


def test_icodeeasy_async_edit_mixes_https_urls_and_data_urls_in_order():
    a = png(8, 8)
    req = build("icodeeasy", ImageRequest("merge", size="4:3", resolution="2k",
                                          images=[ImageInput(url="https://example.com/photo-a.jpg"),
                                                  ImageInput.from_bytes(a)]), async_=True)
    assert str(req.url) == "https://jp.icodeeasy.cc/v1/images/edits?async=1"
    body = json.loads(req.content)
    assert body["image_urls"] == ["https://example.com/photo-a.jpg",
                                  "data:image/png;base64," + base64.b64encode(a).decode()]
    assert list(body) == ["model", "prompt", "n", "size", "resolution", "quality", "image_urls"]


def test_icodeeasy_polls_each_task_with_a_get():
    profile = BUILTIN["icodeeasy"]
    reqs = get_dialect("icodeeasy").build_poll(profile, ["d142", "e253"], "https://jp.icodeeasy.cc/v1")
    assert [(r.method, str(r.url)) for r in reqs] == [
        ("GET", "https://jp.icodeeasy.cc/v1/images/tasks/d142"), ("GET", "https://jp.icodeeasy.cc/v1/images/tasks/e253")]


def test_icodeeasy_parses_sync_and_async_submissions():
    d = get_dialect("icodeeasy")
    profile = BUILTIN["icodeeasy"]
    sync = d.parse_submit(profile, response(200, {"id": "3e0c", "created": 1781599773, "data": [
        {"url": "https://api.icodeeasy.cc/v1/images/files/gpt-image-2/20260616/3e0c-1.png"}]}))
    assert [i.url for i in sync.images] == ["https://api.icodeeasy.cc/v1/images/files/gpt-image-2/20260616/3e0c-1.png"]
    assert sync.provider_request_id == "3e0c" and sync.task_ids == []
    task = d.parse_submit(profile, response(202, {"status": "pending", "task_id": "d142c93a"}))
    assert task.task_ids == ["d142c93a"] and task.images == []


def test_icodeeasy_task_prefers_data_urls_over_result_url():
    d, profile = get_dialect("icodeeasy"), BUILTIN["icodeeasy"]
    [done] = d.parse_poll(profile, response(200, {"task_id": "t", "status": "completed", "cost": 0.4,
                                                  "result_url": "https://f/1.png",
                                                  "data": [{"url": "https://f/1.png"}, {"url": "https://f/2.png"}]}))
    assert done.state is TaskState.COMPLETED and done.reported_cost == 0.4
    assert [i.url for i in done.images] == ["https://f/1.png", "https://f/2.png"]
    [single] = d.parse_poll(profile, response(200, {"task_id": "t", "status": "completed", "cost": 0.2,
                                                    "result_url": "https://f/only.png"}))
    assert [i.url for i in single.images] == ["https://f/only.png"]
    [pending] = d.parse_poll(profile, response(200, {"task_id": "t", "status": "pending"}))
    assert pending.state is TaskState.PENDING and not pending.done
    [failed] = d.parse_poll(profile, response(200, {"task_id": "t", "status": "failed",
                                                    "error": {"type": "server_error", "message": "upstream said no"}}))
    assert (failed.state, failed.error_code, failed.error_message) == (TaskState.FAILED, "server_error", "upstream said no")


# --- gccai ---------------------------------------------------------------------------------------

def test_gccai_submission_json_in_documented_field_order():
    req = build("gccai", ImageRequest("An ancient castle beneath a starry sky", size="16:9", resolution="2k",
                                      quality="high", extras={"output_format": "jpeg", "output_compression": 90}),
                async_=True)
    assert str(req.url) == "https://gccai.heqingsong.uk/v1/images/generations"
    assert req.content == (b'{"model":"gpt-image-2-official","prompt":"An ancient castle beneath a starry sky",'
                           b'"size":"16:9","resolution":"2k","quality":"high","n":1,'
                           b'"output_format":"jpeg","output_compression":90}')


def test_gccai_uploads_and_mask_travel_as_data_urls():
    a, m = png(8, 8), png(8, 8, (0, 0, 0, 0))
    req = build("gccai", ImageRequest("Replace the background", size="1:1", quality="medium",
                                      images=[ImageInput.from_bytes(a), ImageInput(url="https://cdn.example/b.png")],
                                      mask=ImageInput.from_bytes(m)), async_=True)
    body = json.loads(req.content)
    assert body["image_urls"] == ["data:image/png;base64," + base64.b64encode(a).decode(), "https://cdn.example/b.png"]
    assert body["mask_url"] == "data:image/png;base64," + base64.b64encode(m).decode()
    assert list(body)[-2:] == ["image_urls", "mask_url"]
    # gccai has one endpoint for everything
    assert str(req.url).endswith("/v1/images/generations")


def test_gccai_polls_one_task_with_get_and_many_with_one_batch_post():
    d, profile = get_dialect("gccai"), BUILTIN["gccai"]
    [one] = d.build_poll(profile, ["task_1"], profile.base_url)
    assert (one.method, str(one.url)) == ("GET", "https://gccai.heqingsong.uk/v1/tasks/task_1")
    [batch] = d.build_poll(profile, ["task_1", "task_2", "task_3"], profile.base_url)
    assert (batch.method, str(batch.url)) == ("POST", "https://gccai.heqingsong.uk/v1/tasks/batch")
    assert batch.content == b'{"task_ids":["task_1","task_2","task_3"]}'
    assert d.build_poll(profile, [], profile.base_url) == []


DOC_TASK = {"id": "task_01KPT", "status": "completed", "progress": 100, "actual_time": 46, "cost": 0.05279,
            "result": {"images": [{"url": ["https://upload.gccai.ai/f/image/x_0.png"], "expires_at": 1776928569}]}}


def test_gccai_parses_the_docs_submit_and_task_examples():
    d, profile = get_dialect("gccai"), BUILTIN["gccai"]
    sub = d.parse_submit(profile, response(200, {"code": 200, "data": [{"status": "submitted", "task_id": "task_01KPT"}]}))
    assert sub.task_ids == ["task_01KPT"] and sub.images == []
    [task] = d.parse_poll(profile, response(200, {"code": 200, "data": DOC_TASK}))
    assert task.task_id == "task_01KPT" and task.state is TaskState.COMPLETED and task.progress == 100
    assert task.reported_cost == 0.05279 and task.expires_at == 1776928569
    assert [i.url for i in task.images] == ["https://upload.gccai.ai/f/image/x_0.png"]


def test_gccai_batch_normalizes_every_state():
    d, profile = get_dialect("gccai"), BUILTIN["gccai"]
    tasks = [{"id": "a", "status": "submitted", "progress": 0},
             {"id": "b", "status": "in_progress", "progress": 40},
             DOC_TASK,
             {"id": "c", "status": "failed", "progress": 10, "fail_reason": "content policy violation"}]
    parsed = d.parse_poll(profile, response(200, {"code": 200, "data": tasks}))
    assert [(t.task_id, t.state, t.progress) for t in parsed] == [
        ("a", TaskState.PENDING, 0), ("b", TaskState.RUNNING, 40), ("task_01KPT", TaskState.COMPLETED, 100),
        ("c", TaskState.FAILED, 10)]
    assert parsed[3].error_message == "content policy violation" and parsed[3].error_code == "task_failed"


def test_gccai_error_inside_a_200_envelope_is_raised():
    d, profile = get_dialect("gccai"), BUILTIN["gccai"]
    with pytest.raises(BadRequest, match="size not supported"):
        d.parse_submit(profile, response(200, {"code": 400, "message": "size not supported"}))


def test_gccai_unknown_status_is_a_response_error():
    with pytest.raises(ResponseError, match="unknown task status 'exploded'"):
        get_dialect("gccai").parse_poll(BUILTIN["gccai"], response(200, {"code": 200, "data": {"id": "a", "status": "exploded"}}))


# --- openai responses ----------------------------------------------------------------------------

def test_openai_hk_b64_json_with_data_prefix_is_stripped_and_usage_parsed():
    raw = png()
    body = {"created": 1776220106, "data": [{"revised_prompt": "your original prompt",
                                             "url": "https://myfile.addmao.com/x.png",
                                             "b64_json": "data:image/png;base64," + base64.b64encode(raw).decode()}],
            "usage": {"input_tokens": 6, "input_tokens_details": {"image_tokens": 0, "text_tokens": 6},
                      "output_tokens": 275, "total_tokens": 281}}
    wire = get_dialect("openai").parse_submit(BUILTIN["openai-hk"], response(200, body, headers={"x-request-id": "req_1"}))
    assert base64.b64decode(wire.images[0].b64) == raw
    assert wire.images[0].revised_prompt == "your original prompt"
    assert wire.usage == Usage(text_tokens=6, image_tokens=0, output_tokens=275)
    assert wire.provider_request_id == "req_1"


def test_qcode_plain_b64_json_and_no_usage():
    raw = png()
    wire = get_dialect("openai").parse_submit(BUILTIN["qcode"], response(200, {"created": 1, "data": [
        {"b64_json": base64.b64encode(raw).decode(), "revised_prompt": "A vase"}]}))
    assert base64.b64decode(wire.images[0].b64) == raw and wire.usage is None


def test_malformed_json_in_a_2xx_is_a_response_error_naming_the_body():
    with pytest.raises(ResponseError, match="not JSON: '<html>oops</html>'") as e:
        get_dialect("openai").parse_submit(BUILTIN["qcode"], response(200, content=b"<html>oops</html>"))
    assert e.value.code == "malformed_json"


# --- error bodies --------------------------------------------------------------------------------

@pytest.mark.parametrize("body, expected", [
    ({"error": {"type": "rate_limit_error", "code": "image_daily_limit", "message": "Daily cap"}},
     ("image_daily_limit", "Daily cap")),
    ({"error": {"type": "server_error", "message": "...", "provider": "icodeeasy.cc"}}, ("server_error", "...")),
    ({"code": 401, "message": "invalid token"}, (None, "invalid token")),
    ({"error": "plain string"}, (None, "plain string")),
])
def test_parse_error_reads_every_documented_body(body, expected):
    assert parse_error(response(400, body)) == expected


def test_parse_error_on_a_non_json_body_returns_its_text():
    assert parse_error(httpx.Response(502, content=b"Bad gateway")) == (None, "Bad gateway")
