"""Issue 7 §1, core level: every simulator fault kind, through JobService (the path the app uses), over real
loopback HTTP into a real SQLite store.

For each fault: the job ends with a message naming the code, the usage log (jobs table) keeps the failure at
cost 0 in the provider's currency, and retries follow docs/DESIGN.md ("429 retryable codes, 5xx, 524 and
transport errors; Retry-After honoured; never on 400/401/402/413/422 or quota codes") and never pass the cap
(max_retries=2, so at most 3 attempts): counted both in the attempts table and at the simulator.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import pytest

from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
from easel.providers.client import ProviderClient
from easel.jobs.job_service import JobService
from easel.providers.request import ImageRequest
from easel.store import Store

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.1, deadline_s=10.0)
CAP = 3          # 1 attempt + max_retries (2), the client's default, as the app builds it


@pytest.fixture
def svc(easel_data_dir):
    """A JobService whose clients are the app's ProviderClient, except that waits are recorded (and kept short
    beyond Retry-After's own values, so a test does not sit through 0.5·2ⁿ s of backoff)."""
    delays: list[float] = []

    def sleep(d: float) -> None:
        delays.append(d)
        time.sleep(min(d, 0.05))

    def factory(profile, key, *, base_url, on_attempt=None):
        return ProviderClient(profile, key, base_url=base_url, on_attempt=on_attempt, sleep=sleep)

    services: list[JobService] = []

    def make(**kw) -> JobService:
        kw.setdefault("poll_schedule", FAST)
        s = JobService(Store(), client_factory=factory, **kw)
        s.delays = delays
        services.append(s)
        return s

    yield make
    for s in services:
        s.close()


def _key() -> str:
    return f"sk-test-faults-{uuid.uuid4().hex[:10]}"   # a fresh key: no in-flight or daily count carries over


def _client(sim, provider: str, **profile_changes) -> ProviderClient:
    profile = simulated_profile(get_profile(provider), sim.url)
    if profile_changes:
        profile = replace(profile, **profile_changes)
    return ProviderClient(profile, _key())


def _request(provider: str, **kw) -> ImageRequest:
    size = {"gccai": "1:1", "icodeeasy": "1:1"}.get(provider, "1024x1024")
    return ImageRequest(prompt=kw.pop("prompt", "a fault-injected lighthouse"), size=size, **kw)


def _run(sim, svc, provider: str, rules: list[dict], *, client=None, timeout: float = 30, **req):
    service = svc()
    sim.set_faults(rules)
    client = client or _client(sim, provider)
    job_id = service.submit(client, _request(provider, **req), session_id="faults")
    job = service.wait(job_id, timeout=timeout)
    client.close()
    return service, job


def _submits(sim, provider: str):
    return [r for r in sim.requests() if r.provider == provider and r.endpoint == "submit"]


def _assert_failed_at_zero(service, job, provider: str, code: str):
    assert job.status == "failed", (job.status, job.error_message)
    assert job.error_code == code
    assert f"[{code}" in job.error_message                       # the message names the code
    assert job.cost_actual == 0
    assert job.currency == get_profile(provider).currency
    assert service.store.list_images(job_id=job.id) == []
    # It is in the usage log exactly once.
    assert [j.id for j in service.store.list_jobs(limit=100)] == [job.id]


# --- retryable faults: retried, never past the cap -------------------------------------------------------

RETRYABLE = [
    # kind, code in the log, HTTP status in the message
    ("http_500", "server_error", 500),
    ("http_503", "service_overloaded", 503),
    ("http_524", "cdn_timeout_524", 524),
    ("http_429_rate", "rate_limit_error", 429),
    ("http_429_concurrency", "concurrency_exhausted", 429),
]


@pytest.mark.parametrize("kind,code,status", RETRYABLE)
def test_a_retryable_status_is_retried_up_to_the_cap_then_fails_at_zero_cost(sim, svc, kind, code, status):
    service, job = _run(sim, svc, "qcode", [{"kind": kind, "endpoint": "submit", "retry_after": 0.2}])
    _assert_failed_at_zero(service, job, "qcode", code)
    assert f"HTTP {status}" in job.error_message and f"after {CAP} attempts" in job.error_message
    attempts = service.store.list_attempts(job.id)
    assert [(a.attempt, a.status_code, a.error_code) for a in attempts] == [(i, status, code) for i in (1, 2, 3)]
    assert len(_submits(sim, "qcode")) == CAP
    if kind == "http_429_rate":
        # Retry-After honoured (the simulator sends retry-after-ms=200 beside Retry-After: 1).
        assert service.delays == [0.2, 0.2]
    else:
        # No Retry-After: 0.5·2ⁿ s less up to 25 % jitter.
        assert len(service.delays) == 2
        assert 0.375 <= service.delays[0] <= 0.5 and 0.75 <= service.delays[1] <= 1.0


def test_one_429_then_success_is_one_job_billed_once(sim, svc):
    service, job = _run(sim, svc, "qcode", [{"kind": "http_429_rate", "times": 1, "retry_after": 0.1}])
    assert job.status == "completed", job.error_message
    assert [(a.attempt, a.status_code) for a in service.store.list_attempts(job.id)] == [(1, 429), (2, 200)]
    assert len(_submits(sim, "qcode")) == 2
    assert service.delays == [0.1]
    assert job.cost_actual is not None and job.cost_actual > 0
    assert len(service.store.list_images(job_id=job.id)) == 1
    assert service.store.count_jobs() == 1


def test_a_dropped_connection_is_retried_up_to_the_cap(sim, svc):
    service, job = _run(sim, svc, "qcode", [{"kind": "drop", "endpoint": "submit"}])
    _assert_failed_at_zero(service, job, "qcode", "connection_error")
    assert "connection to QCode failed" in job.error_message and f"after {CAP} attempts" in job.error_message
    assert [(a.status_code, a.error_code) for a in service.store.list_attempts(job.id)] == [(None, "connection_error")] * CAP
    assert len(_submits(sim, "qcode")) == CAP
    assert [r.status for r in _submits(sim, "qcode")] == [0] * CAP        # the simulator dropped each one


def test_a_reply_slower_than_the_timeout_times_out_and_is_retried_up_to_the_cap(sim, svc):
    # openai-hk: QCode's simulated per-key cap of 2 would still count the abandoned slow requests in flight.
    client = _client(sim, "openai-hk", request_timeout_s=0.3)
    service, job = _run(sim, svc, "openai-hk", [{"kind": "slow", "endpoint": "submit", "delay": 1.5}], client=client)
    _assert_failed_at_zero(service, job, "openai-hk", "timeout")
    assert "request to openai-hk timed out" in job.error_message and f"after {CAP} attempts" in job.error_message
    assert [(a.status_code, a.error_code) for a in service.store.list_attempts(job.id)] == [(None, "timeout")] * CAP
    assert len(_submits(sim, "openai-hk")) == CAP


def test_a_slow_reply_within_the_timeout_is_just_slow(sim, svc):
    service, job = _run(sim, svc, "qcode", [{"kind": "slow", "endpoint": "submit", "delay": 0.3, "times": 1}])
    assert job.status == "completed", job.error_message
    assert len(service.store.list_attempts(job.id)) == 1 and len(_submits(sim, "qcode")) == 1


# --- faults that are not retried ---------------------------------------------------------------------------

NOT_RETRIED = [
    ("http_400", "invalid_request_error", 400),
    ("http_401", "invalid_api_key", 401),
    ("http_402", "payment_required", 402),
    ("http_413", "image_too_large", 413),
    ("http_422", "unsupported_size", 422),
    ("http_429_daily", "image_daily_limit", 429),
    ("http_429_crs", "crs_daily_exhausted", 429),
]


@pytest.mark.parametrize("kind,code,status", NOT_RETRIED)
def test_a_client_or_quota_error_is_never_retried(sim, svc, kind, code, status):
    service, job = _run(sim, svc, "qcode", [{"kind": kind, "endpoint": "submit"}])
    _assert_failed_at_zero(service, job, "qcode", code)
    assert f"[{code}, HTTP {status}]" in job.error_message and "attempts" not in job.error_message
    assert [(a.attempt, a.status_code, a.error_code) for a in service.store.list_attempts(job.id)] == [(1, status, code)]
    assert len(_submits(sim, "qcode")) == 1
    assert service.delays == []


def test_a_bad_key_is_a_401_sent_once(sim, svc):
    client = ProviderClient(simulated_profile(get_profile("icodeeasy"), sim.url), "bad-test-key-123")
    service, job = _run(sim, svc, "icodeeasy", [], client=client)
    _assert_failed_at_zero(service, job, "icodeeasy", "authentication_error")
    assert "HTTP 401" in job.error_message
    assert len(_submits(sim, "icodeeasy")) == 1 and len(service.store.list_attempts(job.id)) == 1


def test_malformed_json_is_a_clear_error_not_retried(sim, svc):
    service, job = _run(sim, svc, "qcode", [{"kind": "malformed_json", "endpoint": "submit"}])
    _assert_failed_at_zero(service, job, "qcode", "malformed_json")
    assert "not JSON" in job.error_message
    assert [(a.status_code, a.error_code) for a in service.store.list_attempts(job.id)] == [(200, None)]
    assert len(_submits(sim, "qcode")) == 1


def test_a_decompression_bomb_result_is_refused_not_opened(sim, svc):
    service, job = _run(sim, svc, "qcode", [{"kind": "bomb", "endpoint": "submit"}])
    _assert_failed_at_zero(service, job, "qcode", "decompression_bomb")
    assert "safety cap" in job.error_message and "not opened" in job.error_message
    assert len(_submits(sim, "qcode")) == 1


def test_a_result_url_that_404s_fails_the_job_without_retrying_the_file(sim, svc):
    service, job = _run(sim, svc, "icodeeasy", [{"kind": "result_404", "endpoint": "file"}])
    _assert_failed_at_zero(service, job, "icodeeasy", "download_http_404")
    assert "HTTP 404" in job.error_message and "expired" in job.error_message
    assert len(_submits(sim, "icodeeasy")) == 1
    files = [r for r in sim.requests() if r.endpoint == "file"]
    assert len(files) == 1 and not files[0].had_auth           # fetched once, and without the key
    assert "http://" not in job.error_message                   # a result URL is a credential: not logged


def test_a_gccai_bomb_result_fails_the_task_job(sim, svc):
    service, job = _run(sim, svc, "gccai", [{"kind": "bomb", "endpoint": "submit"}])
    _assert_failed_at_zero(service, job, "gccai", "decompression_bomb")
    assert len(_submits(sim, "gccai")) == 1


@pytest.mark.parametrize("provider,extra,code", [
    ("gccai", {}, "task_failed"),                      # gccai: status failed + fail_reason, no code of its own
    ("icodeeasy", {"async_": True}, "server_error"),   # icodeeasy: the failed task's error.type
])
def test_a_failed_task_fails_the_job_at_zero_cost(sim, svc, provider, extra, code):
    service, job = _run(sim, svc, provider, [{"kind": "task_fail"}], **extra)
    _assert_failed_at_zero(service, job, provider, code)
    assert "failed" in job.error_message and "(simulated)" in job.error_message
    assert len(_submits(sim, provider)) == 1
    assert [t.status for t in service.store.list_tasks(job.id)] == ["failed"]


def test_a_stuck_task_times_out_with_a_message_and_no_charge_recorded(sim, svc):
    service = svc(poll_schedule=replace(FAST, deadline_s=1.0))
    sim.set_faults([{"kind": "task_stuck"}])
    client = _client(sim, "gccai")
    job = service.wait(service.submit(client, _request("gccai")), timeout=30)
    client.close()
    assert job.status == "timed_out" and job.error_code == "task_timed_out"
    assert "did not finish within 1 s" in job.error_message and "Check now" in job.error_message
    # A timed-out task may still finish at the provider, so its cost stays unknown (None), never a charge.
    assert job.cost_actual is None
    assert service.store.list_images(job_id=job.id) == []
    assert len(_submits(sim, "gccai")) == 1
    polls = [r for r in sim.requests() if r.provider == "gccai" and r.endpoint != "submit"]
    assert polls                                            # it was followed until the deadline
    assert [t.status for t in service.store.list_tasks(job.id)] == ["timed_out"]


def test_poll_errors_back_off_and_the_task_still_completes(sim, svc):
    service, job = _run(sim, svc, "gccai", [{"kind": "http_503", "endpoint": "poll", "times": 4}])
    assert job.status == "completed", job.error_message
    assert job.cost_actual is not None and job.cost_actual > 0 and job.currency == "USD"
    assert len(_submits(sim, "gccai")) == 1                   # a poll error never re-submits (never billed twice)
    assert len(service.store.list_images(job_id=job.id)) == 1
