"""Billing reconciliation end to end: real jobs over loopback HTTP to the simulator, a real SQLite log, and the
reconciliation read back from it. The simulator's `overbill` and `bill_failure` switches must be caught, row by
row with the right reason, and faithful providers must give no flag at all."""

from __future__ import annotations

import pytest

from easel.jobs.job_service import JobService
from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest
from easel.store import Store
from easel.usage import Filters
from easel.usage.reconcile import Tolerance, reconcile

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

KEY = "sk-test-reconcile-0123456789"
FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.1, deadline_s=10.0)
PROMPT = "a red fox"          # 9 characters: the simulator counts ceil(9 / 4) = 3 text tokens


@pytest.fixture
def svc(easel_data_dir, sim):
    sim.configure(task_duration=0.2)
    service = JobService(Store(), poll_schedule=FAST)
    clients: dict[str, ProviderClient] = {}

    def run(provider: str, **kw):
        if provider not in clients:
            clients[provider] = ProviderClient(simulated_profile(get_profile(provider), sim.url), KEY)
        return service.wait(service.submit(clients[provider], ImageRequest(prompt=PROMPT, **kw)), timeout=30)

    service.run = run
    yield service
    for c in clients.values():
        c.close()
    service.close()


def costs(job) -> tuple:
    return job.cost_estimated, job.cost_reported, job.cost_formula, job.cost_actual


def test_faithful_providers_log_the_docs_costs_and_reconcile_without_a_flag(svc):
    # QCode: the price table by the returned pixels, n × price, the $0.08 floor; nothing reported (qcode.txt).
    high = svc.run("qcode", size="1024x1024", quality="high")
    assert high.status == "completed" and (high.cost_reported, high.cost_formula) == (None, 0.211)
    two = svc.run("qcode", size="1024x1024", quality="high", n=2)
    assert (two.cost_reported, two.cost_formula, two.cost_actual) == (None, 0.422, 0.422)
    low = svc.run("qcode", size="1536x1024", quality="low")
    assert (low.cost_reported, low.cost_formula) == (None, 0.08)
    # icodeeasy: n × tier in CNY; its sync response reports nothing, its async task reports `cost`.
    sync = svc.run("icodeeasy", size="1:1", resolution="1k", quality="medium")
    assert (sync.cost_reported, sync.cost_formula, sync.currency) == (None, 0.2, "CNY")
    task = svc.run("icodeeasy", size="16:9", resolution="1k", quality="high", n=2, async_=True)
    assert task.status == "completed", task.error_message
    assert (task.cost_reported, task.cost_formula) == (0.8, 0.8)
    # openai-hk: (text×5 + image×10 + output×40) × 7.1 × 10000 / 1e6 credits, 272 output tokens at low 1024².
    hk = svc.run("openai-hk", size="1024x1024", quality="low")
    assert hk.currency == "credits" and hk.cost_reported == hk.cost_formula == pytest.approx((3 * 5 + 272 * 40) * 0.071)
    # Demo: the same tokens in USD.
    demo = svc.run("demo", size="1024x1024", quality="low")
    assert demo.cost_reported == demo.cost_formula == pytest.approx((3 * 5 + 272 * 40) / 1e6)
    # gccai: the task's cost is reported; no formula (no price list); the second job's estimate is the first's cost.
    first = svc.run("gccai", size="1:1", resolution="1k", quality="low")
    second = svc.run("gccai", size="1:1", resolution="1k", quality="low")
    assert (first.cost_estimated, first.cost_reported, first.cost_formula) == (None, 0.01, None)
    assert (second.cost_estimated, second.cost_reported, second.cost_formula) == (0.01, 0.01, None)

    rec = reconcile(svc.store, Filters())
    assert rec.flagged == [] and rec.billed_failed == [] and rec.agrees
    by = {(t.provider, t.currency): t for t in rec.totals}
    q = by[("qcode", "USD")]
    assert (q.requests, q.formula, q.formula_n, q.reported_n) == (3, 0.713, 3, 0)
    assert any(n.startswith("nothing reported: QCode's response reports no cost") for n in q.notes)
    g = by[("gccai", "USD")]
    assert (g.reported, g.reported_n, g.formula_n) == (0.02, 2, 0)
    assert "no formula: gccai publishes no price list" in g.notes
    i = by[("icodeeasy", "CNY")]
    assert (i.reported, i.reported_n, i.formula, i.formula_n) == (0.8, 1, 1.0, 2)


def test_overbill_and_bill_failure_are_flagged_exactly_with_their_reasons(svc, sim):
    ok_hk = svc.run("openai-hk", size="1024x1024", quality="low")
    svc.run("gccai", size="1:1", resolution="1k", quality="medium")           # history: 0.04 per image
    ok_ico = svc.run("icodeeasy", size="1:1", resolution="1k", quality="low", async_=True)

    sim.set_faults([{"kind": "overbill", "times": 1, "provider": "openai-hk"}])
    over_hk = svc.run("openai-hk", size="1024x1024", quality="low")
    sim.set_faults([{"kind": "overbill", "times": 1, "provider": "gccai"}])
    over_gccai = svc.run("gccai", size="1:1", resolution="1k", quality="medium")
    sim.set_faults([{"kind": "overbill", "times": 1, "provider": "icodeeasy"}])
    over_ico = svc.run("icodeeasy", size="1:1", resolution="1k", quality="high", async_=True)
    sim.set_faults([{"kind": "bill_failure", "times": 1, "provider": "gccai"}])
    failed_gccai = svc.run("gccai", size="1:1", resolution="1k", quality="medium")
    sim.set_faults([{"kind": "bill_failure", "times": 1, "provider": "icodeeasy"}])
    failed_ico = svc.run("icodeeasy", size="1:1", resolution="1k", quality="low", async_=True)
    sim.set_faults([])
    ok_after = svc.run("openai-hk", size="1024x1024", quality="low")

    assert over_hk.cost_reported == pytest.approx((3 * 5 + 544 * 40) * 0.071)      # output tokens doubled
    assert over_hk.cost_formula == pytest.approx((3 * 5 + 272 * 40) * 0.071)
    assert (over_gccai.cost_estimated, over_gccai.cost_reported) == (0.04, 0.08)
    assert (over_ico.cost_reported, over_ico.cost_formula) == (0.8, 0.4)
    assert failed_gccai.status == "failed" and (failed_gccai.cost_reported, failed_gccai.cost_formula) == (0.04, 0.0)
    assert failed_gccai.cost_actual == 0.0            # the usage page's spend still bills failures at 0
    assert failed_ico.status == "failed" and failed_ico.cost_reported == 0.1

    rec = reconcile(svc.store, Filters())
    flagged = {r.job_id: r.reason for r in rec.flagged}
    assert flagged == {
        over_hk.id: "reported 1,546 credits > formula 774 credits (+100%)",
        over_gccai.id: "reported USD 0.08 > estimate USD 0.04 (+100%); no formula: gccai publishes no price list, "
                       "so the estimate (its past costs) is the reference",
        over_ico.id: "reported CNY 0.80 > formula CNY 0.40 (+100%)",
    }
    failed = {r.job_id: r.reason for r in rec.billed_failed}
    assert failed == {
        failed_gccai.id: "failed, yet reported USD 0.04 (every doc: failures cost 0)",
        failed_ico.id: "failed, yet reported CNY 0.10 (every doc: failures cost 0)",
    }
    assert ok_hk.id not in flagged and ok_ico.id not in flagged and ok_after.id not in flagged
    day = {t.provider: t for t in rec.totals}
    assert day["gccai"].billed_failed == 1 and day["icodeeasy"].billed_failed == 1 and day["openai-hk"].billed_failed == 0


def test_the_tolerance_decides_what_differs(svc, sim):
    sim.set_faults([{"kind": "overbill", "times": 1, "provider": "demo"}])
    job = svc.run("demo", size="1024x1024", quality="medium")
    assert job.cost_reported == pytest.approx(2 * job.cost_formula, rel=0.01)
    assert [r.job_id for r in reconcile(svc.store, Filters()).flagged] == [job.id]
    assert reconcile(svc.store, Filters(), Tolerance(relative=1.5)).flagged == []
    assert reconcile(svc.store, Filters(), Tolerance(relative=0, absolute=1.0)).flagged == []


def test_qcode_ignores_overbill_because_it_reports_no_cost(svc, sim):
    sim.set_faults([{"kind": "overbill", "provider": "qcode"}])
    job = svc.run("qcode", size="1024x1024", quality="high")
    assert (job.cost_reported, job.cost_formula) == (None, 0.211)
    assert sim.stats()["faults_fired"].get("overbill", 0) == 0
    assert reconcile(svc.store, Filters()).agrees


def test_a_request_cancelled_while_running_whose_images_came_back_is_not_a_billed_failure(svc, sim):
    import time

    sim.configure(latency=1.0)
    client = ProviderClient(simulated_profile(get_profile("qcode"), sim.url), KEY)
    job_id = svc.submit(client, ImageRequest(prompt=PROMPT, size="1024x1024", quality="high"))
    deadline = time.monotonic() + 10
    while svc.get(job_id).status != "running":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert svc.cancel(job_id)
    while svc.get(job_id).cost_actual is None:            # the result still arrives, and is kept: it was billed
        assert time.monotonic() < deadline
        time.sleep(0.02)
    client.close()
    job = svc.get(job_id)
    assert (job.status, job.cost_formula, job.cost_actual) == ("cancelled", 0.211, 0.211)
    assert reconcile(svc.store, Filters()).agrees
