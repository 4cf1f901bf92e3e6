"""ProviderClient against the real simulator over loopback HTTP: every dialect, uploads, masks, async
tasks, batch polling, every fault kind, retries, costs, and no key on any file route."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import replace

import pytest
from PIL import Image

from easel.providers import pricing
from easel.providers.catalog import BUILTIN, PollSchedule, simulated_profile
from easel.providers.client import ProviderClient
from easel.core.errors import (AuthError, BadRequest, GatewayTimeout, Overloaded, PayloadTooLarge, PaymentRequired, QuotaExhausted, RateLimited, ResponseError, ServerError, TaskFailed, TaskTimedOut, TransportError)
from easel.core.models import Money, TaskState, Usage
from easel.providers.request import ImageInput, ImageRequest

KEY = "sk_test_integration"
FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.05, deadline_s=3.0)


def png(w, h, rgba=(40, 160, 90, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (w, h), rgba).save(out, "PNG")
    return out.getvalue()


def mask_png(w, h) -> bytes:
    img = Image.new("RGBA", (w, h), (0, 0, 0, 255))
    img.paste((0, 0, 0, 0), (0, 0, w // 2, h))         # left half transparent = repaint
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def client(sim):
    """A factory: a client for a provider pointed at the simulator, sleeps recorded, attempts recorded."""
    sim.configure(task_duration=0.2)
    made = []

    def make(pid, *, key=KEY, real_sleep=False, **kw):
        profile = replace(simulated_profile(BUILTIN[pid], sim.url), poll=FAST)
        sleeps, attempts = [], []
        import time as _time

        def sleep(s):
            sleeps.append(s)
            if real_sleep:
                _time.sleep(s)

        c = ProviderClient(profile, key, sleep=sleep, on_attempt=attempts.append, **kw)
        c.sleeps, c.attempts = sleeps, attempts
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def api_requests(sim, endpoint="submit"):
    return [r for r in sim.requests() if r.endpoint == endpoint]


def assert_no_key_on_files(sim):
    files = api_requests(sim, "file")
    assert files, "expected at least one file download"
    assert not any(r.had_auth for r in files)
    assert sim.stats()["file_requests_with_auth"] == 0
    assert all(r.had_auth for r in sim.requests() if r.endpoint in ("submit", "poll"))


# --- text to image, each dialect ------------------------------------------------------------------

def test_qcode_text_to_image_sizes_and_cost(sim, client):
    c = client("qcode")
    req = ImageRequest("a lighthouse", size="1536x1024", quality="high", n=2)
    out = c.generate(req)
    assert [(i.width, i.height, i.mime) for i in out.images] == [(1536, 1024, "image/png")] * 2
    assert all(i.revised_prompt.startswith("a lighthouse") for i in out.images)
    [rec] = api_requests(sim)
    assert rec.path == "/qcode/qcode-img/v1/images/generations"
    assert rec.json == {"model": "gpt-image-2", "prompt": "a lighthouse", "n": 2, "size": "1536x1024", "quality": "high"}
    est, act = pricing.estimate(c.profile, req), pricing.actual(c.profile, req, out)
    assert est.amount == act.amount == pytest.approx(2 * 0.165) and act.currency == "USD"


def test_openai_hk_text_to_image_bills_credits_from_usage(sim, client):
    c = client("openai-hk")
    req = ImageRequest("a white siamese cat", size="1024x1024", quality="low")
    out = c.generate(req)
    assert (out.images[0].width, out.images[0].height) == (1024, 1024)
    assert out.images[0].revised_prompt == "a white siamese cat"
    [rec] = api_requests(sim)
    assert rec.path == "/openai-hk/v1/images/generations" and rec.json["response_format"] == "b64_json"
    # The simulator's usage: ceil(19 / 4) = 5 text tokens, 272 output tokens for low at 1024².
    assert out.usage == Usage(text_tokens=5, image_tokens=0, output_tokens=272)
    m = pricing.actual(c.profile, req, out)
    assert m == Money(pytest.approx((5 * 5 + 272 * 40) * 7.1 * 10000 / 1_000_000), "credits", "usage tokens")


def test_demo_bills_usd_from_usage(sim, client):
    c = client("demo")
    req = ImageRequest("tiny robot", size="1024x1536", quality="medium")
    out = c.generate(req)
    assert (out.images[0].width, out.images[0].height) == (1024, 1536)
    output = round(1056 * 1024 * 1536 / 1024 ** 2)
    assert out.usage == Usage(text_tokens=3, image_tokens=0, output_tokens=output)
    assert pricing.actual(c.profile, req, out).amount == pytest.approx((3 * 5 + output * 40) / 1e6)


def test_icodeeasy_sync_follows_the_302_without_the_key(sim, client):
    c = client("icodeeasy")
    req = ImageRequest("a corgi astronaut", size="16:9", resolution="2k", quality="high", n=2)
    out = c.generate(req)
    assert [(i.width, i.height) for i in out.images] == [(2048, 1152)] * 2
    assert all("/icodeeasy/v1/images/files/gpt-image-2/" in i.source_url for i in out.images)
    [rec] = api_requests(sim)
    assert rec.path == "/icodeeasy/v1/images/generations" and rec.query == {}
    assert rec.json == {"model": "gpt-image-2", "prompt": "a corgi astronaut", "n": 2, "size": "16:9",
                        "resolution": "2k", "quality": "high"}
    files = api_requests(sim, "file")
    assert [r.status for r in files] == [302, 200, 302, 200]
    assert_no_key_on_files(sim)
    assert pricing.actual(c.profile, req, out) == Money(pytest.approx(0.80), "CNY", "2 × high")


def test_gccai_generate_polls_the_task_and_uses_its_reported_cost(sim, client):
    c = client("gccai", real_sleep=True)
    req = ImageRequest("castle under stars", size="3:1", resolution="1k", quality="medium", n=2)
    out = c.generate(req)
    assert [(i.width, i.height) for i in out.images] == [(1536, 512)] * 2
    assert len(out.task_ids) == 1 and out.task_ids[0].startswith("task_")
    [rec] = api_requests(sim)
    assert rec.json == {"model": "gpt-image-2-official", "prompt": "castle under stars", "size": "3:1",
                        "resolution": "1k", "quality": "medium", "n": 2}
    polls = api_requests(sim, "poll")
    assert polls and all(p.path == f"/gccai/v1/tasks/{out.task_ids[0]}" for p in polls)
    assert pricing.actual(c.profile, req, out) == Money(pytest.approx(out.reported_cost), "USD", "task report")
    assert out.reported_cost == pytest.approx(2 * 0.04)        # the simulator's medium 1k price per image
    assert_no_key_on_files(sim)


# --- references and masks ------------------------------------------------------------------------

def test_qcode_mask_edit_is_multipart_with_repeated_image_and_mask(sim, client):
    src, mask = png(64, 64), mask_png(64, 64)
    out = client("qcode").generate(ImageRequest("add a crown", size="1024x1024", quality="high",
                                                images=[ImageInput.from_bytes(src, "cat.png")],
                                                mask=ImageInput.from_bytes(mask, "m.png"),
                                                extras={"input_fidelity": "high"}))
    [rec] = api_requests(sim)
    assert rec.path == "/qcode/qcode-img/v1/images/edits" and rec.content_type.startswith("multipart/form-data")
    assert rec.files == [("image", "cat.png", src, "image/png"), ("mask", "mask.png", mask, "image/png")]
    assert rec.form == {"model": ["gpt-image-2"], "prompt": ["add a crown"], "n": ["1"], "size": ["1024x1024"],
                        "quality": ["high"], "input_fidelity": ["high"]}
    assert (out.images[0].width, out.images[0].height) == (1024, 1024)


def test_qcode_auto_size_edit_follows_the_input_and_is_priced_by_shape(sim, client):
    c = client("qcode")
    req = ImageRequest("compose", size="auto", images=[ImageInput.from_bytes(png(90, 160)),
                                                       ImageInput.from_bytes(png(50, 50))])
    out = c.generate(req)
    img = out.images[0]
    assert img.height > img.width                          # portrait input → portrait output
    [rec] = api_requests(sim)
    assert [f[0] for f in rec.files] == ["image", "image"]
    assert pricing.actual(c.profile, req, out).amount == pytest.approx(0.165)   # auto quality priced as high


def test_openai_hk_edit_sends_image_brackets_and_mask(sim, client):
    a, b, mask = png(64, 64), png(32, 48), mask_png(64, 64)
    out = client("openai-hk").generate(ImageRequest("gift basket", size="1024x1024", quality="low",
                                                    images=[ImageInput.from_bytes(a, "a.png"), ImageInput.from_bytes(b, "b.png")],
                                                    mask=ImageInput.from_bytes(mask)))
    [rec] = api_requests(sim)
    assert rec.path == "/openai-hk/v1/images/edits"
    assert [(f[0], f[1]) for f in rec.files] == [("image[]", "a.png"), ("image[]", "b.png"), ("mask", "mask.png")]
    assert rec.form["response_format"] == ["b64_json"]
    assert out.usage.image_tokens > 0                     # the simulator billed the two inputs


def test_icodeeasy_references_travel_as_data_urls(sim, client):
    a = png(40, 30)
    out = client("icodeeasy").generate(ImageRequest("make it a poster", size="4:3", resolution="1k",
                                                    images=[ImageInput.from_bytes(a)]))
    [rec] = api_requests(sim)
    assert rec.path == "/icodeeasy/v1/images/edits"
    assert rec.json["image_urls"] == ["data:image/png;base64," + base64.b64encode(a).decode()]
    assert (out.images[0].width, out.images[0].height) == (1024, 768)


def test_gccai_mask_travels_as_mask_url(sim, client):
    src, mask = png(64, 64), mask_png(64, 64)
    out = client("gccai", real_sleep=True).generate(ImageRequest(
        "desert sunset", size="1:1", quality="medium", images=[ImageInput.from_bytes(src)], mask=ImageInput.from_bytes(mask)))
    [rec] = api_requests(sim)
    assert rec.json["image_urls"] == ["data:image/png;base64," + base64.b64encode(src).decode()]
    assert rec.json["mask_url"] == "data:image/png;base64," + base64.b64encode(mask).decode()
    assert (out.images[0].width, out.images[0].height) == (1024, 1024)


# --- async and batch polling ---------------------------------------------------------------------

def test_icodeeasy_async_submit_poll_download(sim, client):
    import time

    c = client("icodeeasy")
    req = ImageRequest("async fox", quality="medium", n=2, async_=True)
    [task_id] = c.submit(req)
    [rec] = api_requests(sim)
    assert rec.query == {"async": "1"} and rec.status == 202
    deadline = time.monotonic() + 10
    while True:
        [status] = c.poll([task_id])
        if status.done or time.monotonic() > deadline:
            break
        assert status.state is TaskState.PENDING
        time.sleep(0.05)
    assert status.state is TaskState.COMPLETED and len(status.images) == 2
    images = [c.download(raw) for raw in status.images]
    assert [(i.width, i.height) for i in images] == [(1024, 1024)] * 2
    assert pricing.actual(c.profile, req, status) == Money(0.4, "CNY", "task report")
    assert pricing.estimate(c.profile, req).amount == pytest.approx(0.4)
    assert all(r.path == f"/icodeeasy/v1/images/tasks/{task_id}" for r in api_requests(sim, "poll"))
    assert_no_key_on_files(sim)


def test_gccai_polls_many_tasks_in_one_batch_request(sim, client):
    import time

    c = client("gccai")
    ids = [c.submit(ImageRequest(f"variation {i}", quality="low"))[0] for i in range(3)]
    deadline = time.monotonic() + 10
    rounds = 0
    while True:
        statuses = c.poll(ids)
        rounds += 1
        if all(s.done for s in statuses) or time.monotonic() > deadline:
            break
        assert not any(s.state is TaskState.FAILED for s in statuses)
        time.sleep(0.05)
    assert [s.task_id for s in statuses] == ids
    assert all(s.state is TaskState.COMPLETED and s.progress == 100 for s in statuses)
    polls = api_requests(sim, "poll")
    assert len(polls) == rounds and all(p.path == "/gccai/v1/tasks/batch" and p.method == "POST" for p in polls)
    assert polls[0].json == {"task_ids": ids}
    assert sim.stats()["batch_requests"] == rounds


def test_gccai_task_fail_and_task_stuck(sim, client):
    sim.set_faults([{"kind": "task_fail", "times": 1, "endpoint": "submit"}])
    with pytest.raises(TaskFailed, match="failed upstream"):
        client("gccai", real_sleep=True).generate(ImageRequest("doomed"))
    sim.set_faults([{"kind": "task_stuck", "times": 1, "endpoint": "submit"}])
    with pytest.raises(TaskTimedOut, match="did not finish within 3 s"):
        client("gccai", real_sleep=True).generate(ImageRequest("stuck"))


def test_icodeeasy_failed_task_reports_its_error(sim, client):
    sim.set_faults([{"kind": "task_fail", "times": 1, "provider": "icodeeasy"}])
    with pytest.raises(TaskFailed) as e:
        client("icodeeasy", real_sleep=True).generate(ImageRequest("doomed", async_=True))
    assert e.value.code == "server_error" and "Image generation failed (simulated)" in e.value.message


# --- every documented error via fault injection --------------------------------------------------

# kind → status, and per provider style → (class, code). icodeeasy reports only its documented types;
# gccai sends {"code": status, "message"}, so its codes are the status defaults.
STATUS = {"http_400": 400, "http_401": 401, "http_402": 402, "http_413": 413, "http_422": 422, "http_429_rate": 429,
          "http_429_concurrency": 429, "http_429_daily": 429, "http_429_crs": 429, "http_500": 500, "http_503": 503,
          "http_524": 524}
OPENAI_STYLE = {
    "http_400": (BadRequest, "invalid_request_error"), "http_401": (AuthError, "invalid_api_key"),
    "http_402": (PaymentRequired, "payment_required"), "http_413": (PayloadTooLarge, "image_too_large"),
    "http_422": (BadRequest, "unsupported_size"), "http_429_rate": (RateLimited, "rate_limit_error"),
    "http_429_concurrency": (RateLimited, "concurrency_exhausted"),
    "http_429_daily": (QuotaExhausted, "image_daily_limit"), "http_429_crs": (QuotaExhausted, "crs_daily_exhausted"),
    "http_500": (ServerError, "server_error"), "http_503": (Overloaded, "service_overloaded"),
    "http_524": (GatewayTimeout, "cdn_timeout_524"),
}
ICODEEASY_STYLE = {**OPENAI_STYLE,
                   "http_401": (AuthError, "authentication_error"), "http_413": (PayloadTooLarge, "invalid_request_error"),
                   "http_422": (BadRequest, "invalid_request_error"),
                   "http_429_concurrency": (RateLimited, "rate_limit_error"),
                   "http_429_daily": (RateLimited, "rate_limit_error"), "http_429_crs": (RateLimited, "rate_limit_error"),
                   "http_503": (Overloaded, "server_error")}
GCCAI_STYLE = {**OPENAI_STYLE,
               "http_400": (BadRequest, "invalid_request_error"), "http_401": (AuthError, "authentication_error"),
               "http_422": (BadRequest, "http_422"), "http_429_concurrency": (RateLimited, "rate_limit_error"),
               "http_429_daily": (RateLimited, "rate_limit_error"), "http_429_crs": (RateLimited, "rate_limit_error")}
STYLES = {"qcode": OPENAI_STYLE, "openai-hk": OPENAI_STYLE, "icodeeasy": ICODEEASY_STYLE, "gccai": GCCAI_STYLE}
CASES = [(pid, kind) for pid in STYLES for kind in STATUS]


@pytest.mark.parametrize("pid, kind", CASES, ids=[f"{p}-{k}" for p, k in CASES])
def test_every_fault_maps_to_its_error_and_retry_policy(sim, client, pid, kind):
    sim.set_faults([{"kind": kind, "times": None, "provider": pid, "endpoint": "submit", "retry_after": 2.5}])
    c = client(pid)
    cls, code = STYLES[pid][kind]
    with pytest.raises(cls) as e:
        c.generate(ImageRequest("a cat"))
    err = e.value
    assert type(err) is cls and err.code == code and err.status == STATUS[kind]
    assert f"[{code}, HTTP {STATUS[kind]}]" in err.user_message()
    expected_attempts = 3 if cls.retryable and err.retryable else 1
    assert len(api_requests(sim)) == expected_attempts == len(c.attempts)
    assert [a.status_code for a in c.attempts] == [STATUS[kind]] * expected_attempts
    if kind == "http_429_rate":
        assert c.sleeps == [2.5, 2.5]                     # retry-after-ms honoured exactly
    else:
        assert len(c.sleeps) == expected_attempts - 1 and all(s <= 8 for s in c.sleeps)


def test_a_bad_key_is_refused_once(sim, client):
    with pytest.raises(AuthError) as e:
        client("qcode", key="bad_test_key").generate(ImageRequest("a cat"))
    assert e.value.code == "invalid_api_key" and len(api_requests(sim)) == 1


def test_transient_faults_are_retried_to_success(sim, client):
    sim.set_faults([{"kind": "http_503", "times": 1, "provider": "qcode"},
                    {"kind": "drop", "times": 1, "provider": "qcode"}])
    c = client("qcode")
    out = c.generate(ImageRequest("persistent cat"))
    assert out.attempts == 3 and len(out.images) == 1
    assert [(a.status_code, a.error_code) for a in c.attempts] == [(503, "service_overloaded"), (None, "connection_error"),
                                                                   (200, None)]


def test_dropped_connections_exhaust_the_retries(sim, client):
    sim.set_faults([{"kind": "drop", "provider": "openai-hk"}])
    c = client("openai-hk")
    with pytest.raises(TransportError, match=r"after 3 attempts"):
        c.generate(ImageRequest("a cat"))
    assert len(c.attempts) == 3


def test_malformed_json_is_not_retried(sim, client):
    sim.set_faults([{"kind": "malformed_json", "provider": "openai-hk"}])
    c = client("openai-hk")
    with pytest.raises(ResponseError) as e:
        c.generate(ImageRequest("a cat"))
    assert e.value.code == "malformed_json" and len(c.attempts) == 1


def test_slow_answers_still_succeed(sim, client):
    sim.set_faults([{"kind": "slow", "times": 1, "delay": 0.2, "provider": "qcode"}])
    out = client("qcode").generate(ImageRequest("patient cat"))
    assert len(out.images) == 1


def test_a_missing_result_file_is_a_clear_error(sim, client):
    sim.set_faults([{"kind": "result_404", "endpoint": "file", "provider": "icodeeasy"}])
    with pytest.raises(ResponseError, match=r"HTTP 404\); its link may have expired") as e:
        client("icodeeasy").generate(ImageRequest("a cat"))
    assert e.value.code == "download_http_404"
    assert_no_key_on_files(sim)


@pytest.mark.parametrize("pid", ["qcode", "icodeeasy"])
def test_a_bomb_result_is_refused(sim, client, pid):
    sim.set_faults([{"kind": "bomb", "times": 1, "provider": pid}])
    with pytest.raises(ResponseError, match="over the safety cap") as e:
        client(pid).generate(ImageRequest("a cat"))
    assert e.value.code == "decompression_bomb"


def test_qcode_daily_cap_is_quota_exhausted_and_not_retried(sim, client):
    sim.configure(daily_cap=3)
    c = client("qcode")
    c.generate(ImageRequest("one", n=2))
    with pytest.raises(QuotaExhausted, match="100 images per key per day"):
        c.generate(ImageRequest("two", n=2))
    assert len(api_requests(sim)) == 2


def test_recorded_headers_never_hold_the_key(sim, client):
    client("icodeeasy").generate(ImageRequest("a cat"))
    for r in sim.requests():
        assert KEY not in json.dumps(r.headers)
    assert_no_key_on_files(sim)
