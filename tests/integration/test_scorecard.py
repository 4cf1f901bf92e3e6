"""The conformance scorecard against the real simulator over loopback HTTP, with a real SQLite log.

A faithful simulator passes every check its doc makes applicable; each misbehaviour switch makes exactly the
check that should catch it fail, with the evidence (expected against got) naming what went wrong.
"""

from __future__ import annotations

import pytest

from easel import scorecard
from easel.jobs.job_service import JobService
from easel.providers import demo_modes
from easel.providers.catalog import PollSchedule, get_profile
from easel.providers.client import ProviderClient
from easel.store import Store, scorecards

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.1, deadline_s=10.0)


@pytest.fixture
def service(easel_data_dir):
    svc = JobService(Store(), poll_schedule=FAST)
    yield svc
    svc.close()


def run_card(sim, service, mode: str = "demo", checks=None) -> scorecard.Scorecard:
    client = ProviderClient(demo_modes.demo_profile(mode, sim.url), "demo-test-key")
    try:
        return scorecard.run(service, client, scorecard.prepare(client.profile, checks))
    finally:
        client.close()


def verdicts(card) -> dict[str, str]:
    return {c.name: c.status for c in card.checks}


def check(card, name):
    return next(c for c in card.checks if c.name == name)


def test_a_faithful_demo_passes_every_applicable_check(sim, service):
    card = run_card(sim, service)
    assert verdicts(card) == {
        "sizes": "pass", "n": "pass", "output_format": "pass", "output_compression": "pass", "background": "pass",
        "mask": "pass", "errors": "pass", "cost": "pass", "revised_prompt": "n/a", "latency": "n/a"}
    assert check(card, "sizes").got == "all 10 exact"
    assert check(card, "output_format").got == "jpeg bytes for jpeg, webp bytes for webp"
    assert check(card, "mask").got == "mean |Δ| 0.00 outside the mask"
    assert check(card, "errors").expected == "size=1000x1000 → HTTP 400"
    assert check(card, "errors").got == "HTTP 400 invalid_size"
    assert check(card, "cost").expected == "USD 0.02183 (2 × low 1024x1024)" and check(card, "cost").got == "USD 0.02183"
    assert check(card, "latency").why == "OpenAI's spec has no latency table"
    assert check(card, "revised_prompt").why.startswith("OpenAI's spec returns revised_prompt only for dall-e-3")


def test_a_faithful_qcode_simulation_is_judged_by_qcode_txt(sim, service):
    card = run_card(sim, service, "qcode")
    assert verdicts(card) == {
        "sizes": "pass", "n": "pass", "output_format": "pass", "output_compression": "pass", "background": "pass",
        "mask": "pass", "errors": "pass", "cost": "n/a", "revised_prompt": "pass", "latency": "pass"}
    assert check(card, "errors").got == "HTTP 422 unsupported_size"
    assert check(card, "revised_prompt").got.startswith("2 of 2 images")
    assert check(card, "latency").expected.startswith("low p50 ≤ 35 s (doc: 20–35 s)")
    # QCode takes output_format / background only on edits (qcode.txt): those probes went to /images/edits.
    edits = [r for r in sim.state.requests("/qcode/") if r.path.endswith("/images/edits")]
    assert len(edits) == 6


def test_icodeeasy_simulation_says_why_its_doc_makes_checks_not_applicable(sim, service):
    card = run_card(sim, service, "icodeeasy")
    assert verdicts(card) == {
        "sizes": "pass", "n": "pass", "output_format": "n/a", "output_compression": "n/a", "background": "n/a",
        "mask": "n/a", "errors": "pass", "cost": "pass", "revised_prompt": "n/a", "latency": "n/a"}
    assert check(card, "output_format").why == "icodeeasy.txt has no output_format parameter"
    assert check(card, "cost").got == "CNY 0.20"           # the async task's reported cost, 2 × low


def test_wrong_size_is_caught_by_the_sizes_check(sim, service):
    sim.set_faults([{"kind": "wrong_size", "endpoint": "submit"}])
    card = run_card(sim, service, checks="sizes,output_format")
    sizes = check(card, "sizes")
    assert sizes.status == "fail"
    assert sizes.got.startswith("10 of 10 wrong: 1024x1024 → 512x512; 1280x720 → 640x352;")
    assert check(card, "output_format").status == "pass"


def test_ignore_format_is_caught_by_magic_bytes_although_the_label_says_jpeg(sim, service):
    sim.set_faults([{"kind": "ignore_format"}])
    card = run_card(sim, service, checks="sizes,output_format,output_compression")
    fmt = check(card, "output_format")
    assert (fmt.status, fmt.expected, fmt.got) == ("fail", "jpeg bytes, webp bytes",
                                                   "png bytes for jpeg, png bytes for webp")
    comp = check(card, "output_compression")
    assert comp.status == "fail" and "(0% apart; png bytes)" in comp.got
    assert check(card, "sizes").status == "pass"       # PNG probes are not touched by the switch


def test_mask_bleed_is_caught_outside_the_mask(sim, service):
    sim.set_faults([{"kind": "mask_bleed", "times": 1}])
    card = run_card(sim, service, checks="mask,n")
    mask = check(card, "mask")
    assert mask.status == "fail"
    assert mask.expected == "outside the mask: mean |Δ| ≤ 8 of 255 per channel"
    diff = float(mask.got.split()[2])
    assert 40 < diff <= 60, mask.got                  # the kept area was brightened by 60 levels (clipped at 255)
    assert check(card, "n").status == "pass"


def test_every_probe_is_in_the_usage_log_under_the_runs_session(sim, service):
    card = run_card(sim, service, checks="n,errors")
    jobs = service.store.list_jobs(session_id=scorecard.SESSION_PREFIX + card.run_id, limit=100)
    assert sorted((j.status, j.size, j.n) for j in jobs) == [("completed", "1024x1024", 2), ("failed", "1000x1000", 1)]
    failed = next(j for j in jobs if j.status == "failed")
    assert failed.error_code == "invalid_size" and failed.cost_actual == 0.0
    assert len(sim.state.requests("/images/generations")) == 2


def test_runs_are_stored_with_their_date_and_history_shows_what_changed(sim, service):
    first = run_card(sim, service, checks="sizes,n")
    sim.set_faults([{"kind": "wrong_size"}])
    second = run_card(sim, service, checks="sizes,n")
    store = service.store
    latest = scorecards.latest_run(store, "demo")
    assert latest.id == second.run_id and latest.started_at == second.started_at
    assert [(c.name, c.status) for c in latest.checks] == [("sizes", "fail"), ("n", "pass")]
    runs = scorecards.list_runs(store, "demo")
    assert [(r.id, r.counts) for r in runs] == [(second.run_id, {"pass": 1, "fail": 1, "n/a": 0}),
                                               (first.run_id, {"pass": 2, "fail": 0, "n/a": 0})]
    changes = scorecards.check_changes(store, "demo")
    assert [(c["name"], c["from"], c["to"]) for c in changes] == [("sizes", None, "pass"), ("n", None, "pass"),
                                                                  ("sizes", "pass", "fail")]


def test_a_paid_providers_suite_is_priced_from_the_doc_before_it_runs():
    plan = scorecard.prepare(get_profile("qcode"))
    # 3 sizes + n=2 + 2 formats + 2 compressions + transparent + mask + medium, all at the $0.08 floor, and one
    # high 1024x1024 at $0.211 (qcode.txt); the invalid-size probe is refused and costs 0.
    assert plan.cost.amount == pytest.approx(12 * 0.08 + 0.211)
    assert plan.cost.label() == "USD 1.171"
    assert not plan.free
    assert scorecard.prepare(demo_modes.demo_profile("demo", "http://127.0.0.1:1")).cost.amount == 0.0


def test_an_unknown_check_is_refused_naming_the_known_ones():
    from easel.core.errors import ValidationError

    with pytest.raises(ValidationError) as e:
        scorecard.prepare(get_profile("demo"), "sizes,speed")
    assert e.value.code == "unknown_check" and "speed" in e.value.message and "revised_prompt" in e.value.message


def test_ignore_format_labels_png_bytes_as_the_asked_format_on_the_wire(sim):
    import base64

    import httpx

    sim.set_faults([{"kind": "ignore_format", "times": 1}])
    body = {"model": "gpt-image-2", "prompt": "x", "size": "1024x1024", "output_format": "jpeg",
            "response_format": "b64_json"}
    r = httpx.post(sim.url + "/openai-hk/v1/images/generations", json=body,
                   headers={"Authorization": "Bearer hk-test"}, timeout=30)
    b64 = r.json()["data"][0]["b64_json"]
    assert b64.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(b64.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_simulator_refuses_transparent_jpeg_as_qcode_txt_says(sim):
    import httpx

    body = {"model": "gpt-image-2", "prompt": "x", "background": "transparent", "output_format": "jpeg"}
    r = httpx.post(sim.url + "/demo/v1/images/generations", json=body,
                   headers={"Authorization": "Bearer demo-test-key"}, timeout=30)
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "background=transparent requires output_format png or webp."
