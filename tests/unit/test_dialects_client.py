"""ProviderClient over httpx.MockTransport: error mapping, the retry policy, downloads and key hygiene."""

from __future__ import annotations

import base64
import io
import json

import httpx
import pytest
from PIL import Image

from easel.providers import client as client_mod
from easel.providers.catalog import BUILTIN
from easel.providers.client import ProviderClient, backoff_delay
from easel.core.config import key_fingerprint
from easel.core.errors import (AuthError, BadRequest, ConfigError, GatewayTimeout, Overloaded, PayloadTooLarge, PaymentRequired, QuotaExhausted, RateLimited, ResponseError, ServerError, TaskFailed, TaskTimedOut, TransportError, ValidationError)
from easel.providers.request import ImageRequest

KEY = "sk_test_abc123"


def png(w=8, h=8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def ok_openai(w=8, h=8) -> httpx.Response:
    return httpx.Response(200, json={"created": 1, "data": [{"b64_json": base64.b64encode(png(w, h)).decode(),
                                                              "revised_prompt": "rp"}]})


class Recorder:
    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        return item(request) if callable(item) else item


def make(profile_id, handler, **kw):
    sleeps: list[float] = []
    attempts = []
    c = ProviderClient(BUILTIN[profile_id], KEY, transport=httpx.MockTransport(handler), sleep=sleeps.append,
                       on_attempt=attempts.append, **kw)
    return c, sleeps, attempts


def err(status, type_, code=None, message="provider text", headers=None):
    body = {"error": {"type": type_, "message": message}}
    if code:
        body["error"]["code"] = code
    return httpx.Response(status, json=body, headers=headers)


# Every status and code the docs list → class, retryable, and the code the log keeps.
DOCUMENTED = [
    ("qcode", err(401, "authentication_error", "invalid_api_key"), AuthError, False, "invalid_api_key"),
    ("qcode", err(401, "authentication_error", "key_expired"), AuthError, False, "key_expired"),
    ("qcode", err(413, "invalid_request_error", "image_too_large"), PayloadTooLarge, False, "image_too_large"),
    ("qcode", err(422, "invalid_request_error", "unsupported_size"), BadRequest, False, "unsupported_size"),
    ("qcode", err(429, "rate_limit_error", "crs_daily_exhausted"), QuotaExhausted, False, "crs_daily_exhausted"),
    ("qcode", err(429, "rate_limit_error", "crs_total_exhausted"), QuotaExhausted, False, "crs_total_exhausted"),
    ("qcode", err(429, "rate_limit_error", "image_daily_limit"), QuotaExhausted, False, "image_daily_limit"),
    ("qcode", err(429, "rate_limit_error", "concurrency_exhausted"), RateLimited, True, "concurrency_exhausted"),
    ("qcode", err(503, "server_error", "service_overloaded"), Overloaded, True, "service_overloaded"),
    ("qcode", err(503, "server_error", "image_provider_unavailable"), Overloaded, True, "image_provider_unavailable"),
    ("qcode", httpx.Response(524, content=b"<html>A timeout occurred</html>"), GatewayTimeout, True, "cdn_timeout_524"),
    ("icodeeasy", err(400, "invalid_request_error"), BadRequest, False, "invalid_request_error"),
    ("icodeeasy", err(401, "authentication_error"), AuthError, False, "authentication_error"),
    ("icodeeasy", err(402, "payment_required"), PaymentRequired, False, "payment_required"),
    ("icodeeasy", err(429, "rate_limit_error"), RateLimited, True, "rate_limit_error"),
    ("icodeeasy", err(500, "server_error"), ServerError, True, "server_error"),
    ("gccai", httpx.Response(400, json={"code": 400, "message": "bad size"}), BadRequest, False, "invalid_request_error"),
    ("gccai", httpx.Response(401, json={"code": 401, "message": "invalid token"}), AuthError, False, "authentication_error"),
    ("gccai", httpx.Response(500, json={"code": 500, "message": "boom"}), ServerError, True, "server_error"),
    ("openai-hk", err(400, "invalid_request_error", "invalid_value"), BadRequest, False, "invalid_value"),
]


@pytest.mark.parametrize("profile_id, reply, cls, retryable, code", DOCUMENTED,
                         ids=[f"{p}-{r.status_code}-{c}" for p, r, _, _, c in DOCUMENTED])
def test_documented_errors_map_to_class_retry_flag_and_code(profile_id, reply, cls, retryable, code):
    rec = Recorder(reply)
    c, sleeps, attempts = make(profile_id, rec)
    with pytest.raises(cls) as e:
        c.generate(ImageRequest("a cat"))
    assert type(e.value) is cls
    assert e.value.retryable is retryable and e.value.code == code and e.value.status == reply.status_code
    assert f"[{code}, HTTP {reply.status_code}]" in e.value.user_message()
    assert e.value.provider == BUILTIN[profile_id].label
    # Retryable errors use every attempt (max_retries=2 → 3); the rest stop at the first.
    assert len(rec.requests) == (3 if retryable else 1) == len(attempts)
    assert len(sleeps) == len(rec.requests) - 1
    assert [a.attempt for a in attempts] == list(range(1, len(rec.requests) + 1))
    assert all(a.status_code == reply.status_code and a.error_code == code for a in attempts)


def test_provider_message_is_kept_in_the_user_message():
    c, _, _ = make("qcode", Recorder(err(429, "rate_limit_error", "image_daily_limit", "Daily image generation count limit reached")))
    with pytest.raises(QuotaExhausted) as e:
        c.generate(ImageRequest("a cat"))
    assert "100 images per key per day" in e.value.user_message()
    assert "Daily image generation count limit reached" in e.value.user_message()


def test_retry_after_seconds_is_honoured_then_success():
    rec = Recorder(err(429, "rate_limit_error", "concurrency_exhausted", headers={"Retry-After": "7"}),
                   err(503, "server_error", "service_overloaded", headers={"retry-after-ms": "1500"}),
                   ok_openai(16, 24))
    c, sleeps, attempts = make("qcode", rec)
    out = c.generate(ImageRequest("a cat"))
    assert sleeps == [7.0, 1.5]
    assert out.attempts == 3 and [a.status_code for a in attempts] == [429, 503, 200]
    assert [a.will_retry for a in attempts] == [True, True, False]
    assert (out.images[0].width, out.images[0].height, out.images[0].mime) == (16, 24, "image/png")
    assert out.images[0].revised_prompt == "rp"


def test_retry_after_over_120_s_falls_back_to_capped_backoff():
    rec = Recorder(err(429, "rate_limit_error", headers={"Retry-After": "600"}))
    c, sleeps, _ = make("icodeeasy", rec)
    with pytest.raises(RateLimited):
        c.generate(ImageRequest("a cat"))
    # 0.5·2⁰ and 0.5·2¹ seconds, each less up to 25 % jitter
    assert 0.375 <= sleeps[0] <= 0.5 and 0.75 <= sleeps[1] <= 1.0


def test_backoff_is_capped_at_8_seconds():
    assert all(6.0 <= backoff_delay(n) <= 8.0 for n in range(4, 12))
    assert backoff_delay(3, retry_after=120) == 120 and backoff_delay(3, retry_after=0) == 0


@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_attempts_never_exceed_max_retries_plus_one(max_retries):
    rec = Recorder(err(500, "server_error"))
    c, sleeps, _ = make("icodeeasy", rec, max_retries=max_retries)
    with pytest.raises(ServerError) as e:
        c.generate(ImageRequest("a cat"))
    assert len(rec.requests) == max_retries + 1 and len(sleeps) == max_retries
    if max_retries:
        assert f"(after {max_retries + 1} attempts)" in e.value.message


def test_transport_errors_are_retried_and_then_reported():
    rec = Recorder(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow"))
    c, sleeps, attempts = make("qcode", rec)
    with pytest.raises(TransportError) as e:
        c.generate(ImageRequest("a cat"))
    assert e.value.code == "timeout" and e.value.retryable
    assert [a.error_code for a in attempts] == ["connection_error", "timeout", "timeout"]
    assert all(a.status_code is None for a in attempts) and len(rec.requests) == 3


def test_malformed_json_in_a_200_is_a_response_error_not_retried():
    rec = Recorder(httpx.Response(200, content=b'{"data": [', headers={"content-type": "application/json"}))
    c, _, _ = make("qcode", rec)
    with pytest.raises(ResponseError) as e:
        c.generate(ImageRequest("a cat"))
    assert e.value.code == "malformed_json" and len(rec.requests) == 1


def test_validation_happens_before_any_request():
    rec = Recorder(ok_openai())
    c, _, _ = make("qcode", rec)
    with pytest.raises(ValidationError, match="1024x1024, 1024x1536, 1536x1024"):
        c.generate(ImageRequest("a cat", size="2048x2048"))
    assert rec.requests == []


def test_key_goes_only_to_the_api_and_never_to_the_file_host():
    file_png = png(20, 10)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/images/generations":
            return httpx.Response(200, json={"id": "r1", "created": 1,
                                             "data": [{"url": "https://api.test/v1/images/files/a-1.png"}]})
        if request.url.path.endswith("/files/a-1.png"):
            return httpx.Response(302, headers={"Location": "https://cdn.test/real/a-1.png"})
        return httpx.Response(200, content=file_png, headers={"content-type": "image/png"})

    rec = Recorder(handler)
    c, _, _ = make("icodeeasy", rec, base_url="https://api.test")
    out = c.generate(ImageRequest("a cat"))
    api, file_req, cdn = rec.requests
    assert api.headers["authorization"] == f"Bearer {KEY}"
    assert str(api.url) == "https://api.test/v1/images/generations"
    assert "authorization" not in file_req.headers and "authorization" not in cdn.headers
    assert str(cdn.url) == "https://cdn.test/real/a-1.png"
    assert out.images[0].data == file_png and (out.images[0].width, out.images[0].height) == (20, 10)
    assert out.images[0].source_url == "https://api.test/v1/images/files/a-1.png"
    assert out.provider_request_id == "r1"


def test_expired_result_url_is_a_clear_response_error():
    def handler(request):
        if request.url.host == "api.test":
            return httpx.Response(200, json={"id": "r", "data": [{"url": "https://files.test/gone.png"}]})
        return httpx.Response(404, content=b"not found")

    c, _, _ = make("icodeeasy", handler, base_url="https://api.test")
    with pytest.raises(ResponseError, match=r"could not be downloaded \(HTTP 404\); its link may have expired"):
        c.generate(ImageRequest("a cat"))


def test_a_decompression_bomb_result_is_refused():
    bomb = io.BytesIO()
    Image.new("1", (5000, 5000)).save(bomb, "PNG")
    c, _, _ = make("qcode", lambda r: httpx.Response(200, json={"data": [{"b64_json": base64.b64encode(bomb.getvalue()).decode()}]}))
    with pytest.raises(ResponseError, match="25,000,000 pixels, over the safety cap of 16,588,800") as e:
        c.generate(ImageRequest("a cat"))
    assert e.value.code == "decompression_bomb"


def test_repr_shows_the_fingerprint_never_the_key():
    c, _, _ = make("qcode", Recorder(ok_openai()))
    assert KEY not in repr(c) and key_fingerprint(KEY) in repr(c) and "qcode" in repr(c)
    assert KEY not in str(c)


def test_an_empty_key_is_a_config_error():
    with pytest.raises(ConfigError, match="needs an API key"):
        ProviderClient(BUILTIN["qcode"], "  ")


def test_timeouts_follow_the_profile():
    c, _, _ = make("qcode", Recorder(ok_openai()))
    t = c._http.timeout
    assert (t.connect, t.read, t.write, t.pool) == (10.0, BUILTIN["qcode"].request_timeout_s, 60.0, 10.0)
    assert c._http.follow_redirects is False and c._files.follow_redirects is True
    assert "authorization" not in c._files.headers


def test_context_manager_closes_both_clients():
    with make("qcode", Recorder(ok_openai()))[0] as c:
        pass
    assert c._http.is_closed and c._files.is_closed


# --- async flows over MockTransport --------------------------------------------------------------

def gccai_handler(state):
    file_png = png(24, 8)

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/images/generations":
            body = json.loads(request.content)
            state["n"] = body["n"]
            return httpx.Response(200, json={"code": 200, "data": [{"status": "submitted", "task_id": "task_A"}]})
        if path in ("/v1/tasks/task_A", "/v1/tasks/batch"):
            state["polls"] += 1
            if state["polls"] < 3:
                task = {"id": "task_A", "status": "in_progress", "progress": 30 * state["polls"]}
            elif state.get("fail"):
                task = {"id": "task_A", "status": "failed", "progress": 50, "fail_reason": "moderation"}
            else:
                task = {"id": "task_A", "status": "completed", "progress": 100, "cost": 0.10558,
                        "result": {"images": [{"url": [f"https://files.test/{i}.png"], "expires_at": 1776928569}
                                              for i in range(state["n"])]}}
            return httpx.Response(200, json={"code": 200, "data": task if path.endswith("task_A") else [task]})
        if request.url.host == "files.test":
            assert "authorization" not in request.headers
            return httpx.Response(200, content=file_png)
        return httpx.Response(404, json={"code": 404, "message": "no route"})
    return handler


def test_gccai_generate_submits_polls_on_schedule_and_downloads_every_image():
    state = {"polls": 0}
    c, sleeps, attempts = make("gccai", gccai_handler(state))
    out = c.generate(ImageRequest("castle", size="3:1", n=2))
    assert out.task_ids == ["task_A"] and out.reported_cost == 0.10558
    assert [(i.width, i.height) for i in out.images] == [(24, 8), (24, 8)]
    schedule = BUILTIN["gccai"].poll
    assert sleeps == [schedule.first_delay_s, schedule.interval_s, schedule.interval_s]
    assert [a.endpoint for a in attempts] == ["submit", "poll", "poll", "poll"]


def test_gccai_failed_task_raises_task_failed_with_the_reason():
    state = {"polls": 0, "fail": True}
    c, _, _ = make("gccai", gccai_handler(state))
    with pytest.raises(TaskFailed, match="failed: moderation"):
        c.generate(ImageRequest("castle"))


def test_gccai_task_past_its_deadline_times_out(monkeypatch):
    state = {"polls": -10**6}
    c, sleeps, _ = make("gccai", gccai_handler(state))
    with pytest.raises(TaskTimedOut, match="did not finish within 600 s"):
        c.generate(ImageRequest("castle"))
    assert sum(sleeps) == pytest.approx(BUILTIN["gccai"].poll.deadline_s)


def test_submit_and_poll_batch_many_gccai_tasks_in_one_request():
    seen = []

    def handler(request):
        seen.append(request)
        ids = json.loads(request.content)["task_ids"]
        return httpx.Response(200, json={"code": 200, "data": [{"id": t, "status": "in_progress", "progress": 5}
                                                               for t in ids]})

    c, _, _ = make("gccai", handler)
    statuses = c.poll([f"t{i}" for i in range(12)])
    assert len(seen) == 1 and seen[0].url.path == "/v1/tasks/batch"
    assert [s.task_id for s in statuses] == [f"t{i}" for i in range(12)]


def test_icodeeasy_submit_uses_async_query_and_returns_the_task_id():
    rec = Recorder(httpx.Response(202, json={"status": "pending", "task_id": "d142c93a"}))
    c, _, _ = make("icodeeasy", rec)
    assert c.submit(ImageRequest("a cat")) == ["d142c93a"]
    assert str(rec.requests[0].url) == "https://jp.icodeeasy.cc/v1/images/generations?async=1"


def test_submit_on_a_provider_without_async_is_refused():
    c, _, _ = make("qcode", Recorder(ok_openai()))
    with pytest.raises(ValidationError, match="no async mode"):
        c.submit(ImageRequest("a cat"))


def test_on_attempt_callback_errors_never_break_a_request():
    def boom(info):
        raise RuntimeError("logger down")

    c = ProviderClient(BUILTIN["qcode"], KEY, transport=httpx.MockTransport(Recorder(ok_openai())), on_attempt=boom)
    assert len(c.generate(ImageRequest("a cat")).images) == 1


def test_module_exports():
    assert set(client_mod.__all__) >= {"ProviderClient", "Outcome", "AttemptInfo"}


def test_retry_after_as_an_http_date_and_garbage():
    from email.utils import format_datetime
    from datetime import datetime, timedelta, timezone

    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    c, sleeps, _ = make("qcode", Recorder(err(503, "server_error", "service_overloaded", headers={"Retry-After": when}),
                                          err(503, "server_error", "service_overloaded", headers={"Retry-After": "soon"}),
                                          ok_openai()))
    c.generate(ImageRequest("a cat"))
    assert 25 <= sleeps[0] <= 30          # the date, less the seconds since it was written
    assert 0.75 <= sleeps[1] <= 1.0       # unreadable → second backoff step
