"""The Tasks page under AppTest: filters, the per-state messages and actions, retry with the original settings,
and "Clear finished".

Real parts: the simulator over loopback HTTP, the SQLite store, JobService's worker threads.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image

from easel.providers import catalog
from easel.jobs.job_service import interrupted_message
from easel.core.models import ImageOut

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]
DEMO_KEY = "demo-test-key"
RETRY = "Retry"             # its tooltip: "Retry with the same settings: this job's own parameters, not the form's."


@pytest.fixture
def jobs_service(monkeypatch, easel_data_dir):
    """A JobService over this test's data directory (the process singleton would keep the first test's)."""
    from easel.jobs import job_service as jobs
    from easel.store import Store

    svc = jobs.JobService(Store(), recover=False)
    monkeypatch.setattr(jobs, "_service", svc)
    yield svc
    svc.close(wait=True)


@pytest.fixture
def demo(sim):
    from easel.providers.client import ProviderClient

    profile = catalog.simulated_profile(catalog.BUILTIN["demo"], sim.url)
    client = ProviderClient(profile, DEMO_KEY)
    yield profile, client
    client.close()


def _app(profile=None, client=None):
    from streamlit.testing.v1 import AppTest

    from components.session import ProviderSession

    at = AppTest.from_file(str(ROOT / "pages" / "tasks.py"), default_timeout=60)
    if profile is not None:
        at.session_state["easel.provider_session"] = ProviderSession(profile, client, "simulator", profile.base_url)
    return at


def _png(w=64, h=48) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 40, 40)).save(buf, format="PNG")
    return buf.getvalue()


def _seed(store, prompt, provider, status, **fields) -> str:
    job_id = store.create_job(provider=provider, status=status, prompt=prompt, size="1024x1024", quality="low",
                              mode="async" if provider == "gccai" else "sync", currency="USD", cost_estimated=0.05)
    if fields:
        store.update_job(job_id, **fields)
    return job_id


def _texts(at) -> list[str]:
    return [t.value for t in at.text]


def _button(at, label, job_id=None):
    matches = [b for b in at.button if b.label == label and (job_id is None or job_id in (b.key or ""))]
    assert matches, f"no {label!r} button"
    return matches[0]


@pytest.fixture
def seeded(jobs_service):
    store = jobs_service.store
    done = _seed(store, "a finished fox", "demo", "completed", cost_actual=0.04, finished_at=None)
    store.add_image(done, 0, ImageOut(data=_png(), width=64, height=48, mime="image/png"))
    failed = _seed(store, "a capped lighthouse", "qcode", "failed", error_code="image_daily_limit",
                   error_message="qcode: This key reached its daily image cap. [image_daily_limit, HTTP 429]",
                   cost_actual=0.0)
    pending = _seed(store, "a slow crane", "gccai", "pending", progress=40)
    return {"done": done, "failed": failed, "pending": pending}


def test_every_job_shows_its_prompt_state_and_the_providers_message(jobs_service, seeded):
    at = _app().run()
    assert not at.exception
    texts = _texts(at)
    for prompt in ("a finished fox", "a capped lighthouse", "a slow crane"):
        assert prompt in texts
    shown = [e.value.replace("\\", "") for e in at.error]      # markdown-escaped on screen
    assert any("daily image cap" in m and "image_daily_limit" in m for m in shown)
    assert [p.value for p in at.get("progress")] == [40]          # the provider-reported progress, unfinished only
    assert len(at.image) == 1                                # the finished job's thumbnail
    assert _button(at, RETRY, seeded["failed"])
    assert "same settings" in _button(at, RETRY, seeded["failed"]).help
    assert _button(at, "Stop following", seeded["pending"])


def test_a_row_is_compact_a_failure_leads_with_words_then_its_code_and_demo_jobs_are_marked_simulated(jobs_service, seeded):
    store = jobs_service.store
    demo = _seed(store, "a simulated heron", "demo", "completed", cost_actual=0.04, finished_at=None)
    store.update_job(demo, simulated=1)
    at = _app().run()
    assert not at.exception
    # The failure is one line: plain words first, the provider's code after them in small text.
    (failure,) = [e.value.replace("\\", "") for e in at.error]
    assert failure.startswith("qcode: This key reached its daily image cap")
    assert failure.endswith(":small[image_daily_limit, HTTP 429]")
    # Every row's details line; only the Demo job's carries the badge, and its cost says it was not charged.
    details = [c.value for c in at.caption if "gpt-image" in c.value or "USD" in c.value]
    marked = [d for d in details if "simulated" in d]
    assert len(marked) == 1 and "not charged" in marked[0] and "demo" in marked[0]
    assert not any("simulated" in d for d in details if "qcode" in d or "gccai" in d)


def test_a_progress_bar_agrees_with_its_label(jobs_service):
    """The bar and its label come from one number: the provider's progress, or before it reports any, the time
    so far against the provider's typical latency (said so: '~N% · 12 s of ~45 s')."""
    store = jobs_service.store
    _seed(store, "reported", "gccai", "pending", progress=40)
    estimated = _seed(store, "estimated", "gccai", "running")
    store.update_job(estimated, created_at=time.time() - 9)
    at = _app().run()
    bars = {p.proto.text.split(" · ")[0]: p for p in at.get("progress")}
    assert set(bars) == {"Provider task running", "Running"}
    assert bars["Provider task running"].value == 40 and " 40% " in bars["Provider task running"].proto.text
    running = bars["Running"]
    assert 0 < running.value < 95 and f" ~{running.value}% " in running.proto.text and " of ~" in running.proto.text


def test_filters_by_status_and_by_provider(jobs_service, seeded):
    at = _app().run()
    assert any("refreshing every 2 s" in c.value for c in at.caption)     # something is unfinished
    at.multiselect(key="easel.tasks.status").select("failed").run()
    assert "a capped lighthouse" in _texts(at)
    assert not any("refreshing" in c.value for c in at.caption)          # nothing shown is unfinished: no timer
    assert "a finished fox" not in _texts(at) and "a slow crane" not in _texts(at)

    at.multiselect(key="easel.tasks.status").unselect("failed").run()
    at.selectbox(key="easel.tasks.provider").select("gccai").run()
    assert _texts(at).count("a slow crane") == 1
    assert "a finished fox" not in _texts(at) and "a capped lighthouse" not in _texts(at)


def test_clear_finished_hides_finished_jobs_but_keeps_them_in_the_log(jobs_service, seeded):
    at = _app().run()
    _button(at, "Clear finished").click().run()
    assert _texts(at).count("a slow crane") == 1
    assert "a finished fox" not in _texts(at) and "a capped lighthouse" not in _texts(at)
    assert jobs_service.store.count_jobs() == 3                      # the usage log keeps every request


def test_stop_following_removes_a_pending_task_from_the_list(jobs_service, seeded):
    at = _app().run()
    _button(at, "Stop following", seeded["pending"]).click().run()
    assert "a slow crane" not in _texts(at)
    assert jobs_service.store.get_job(seeded["pending"]).followed == 0


def test_waiting_for_key_and_interrupted_are_explained_plainly(jobs_service):
    store = jobs_service.store
    _seed(store, "needs a key", "gccai", "waiting_for_key", key_fingerprint="fp-0123456789")
    _seed(store, "cut off", "qcode", "interrupted", error_code="interrupted", error_message=interrupted_message("qcode"))
    at = _app().run()
    assert any(w.value.startswith("Waiting for key") and "fp\\-0123456789" in w.value for w in at.warning)
    assert any("Interrupted by a restart" in e.value and "not billed" in e.value for e in at.error)


def test_a_prompt_is_shown_as_text_never_as_markdown(jobs_service):
    _seed(jobs_service.store, "![x](http://127.0.0.1:9/t.png) **bold**", "demo", "completed")
    at = _app().run()
    assert "![x](http://127.0.0.1:9/t.png) **bold**" in _texts(at)
    assert not any("http://127.0.0.1:9" in m.value for m in at.markdown)


def test_retry_runs_the_original_settings_not_the_forms(jobs_service, demo, sim):
    profile, client = demo
    from easel.providers.request import ImageRequest

    sim.set_faults([{"kind": "http_400", "provider": "demo", "times": 1}])
    original = ImageRequest(prompt="a wide harbour", size="1536x1024", quality="high", n=2)
    failed_id = jobs_service.submit(client, original)
    assert jobs_service.wait(failed_id, 30).status == "failed"

    at = _app(profile, client)
    # What the Generate form holds now must not leak into the retry.
    at.session_state["easel.reuse"] = {"size": "1024x1024", "quality": "low", "n": 1}
    at.run()
    _button(at, RETRY, failed_id).click().run()
    assert not at.exception
    new = [j for j in jobs_service.store.list_jobs() if j.id != failed_id]
    assert len(new) == 1
    done = jobs_service.wait(new[0].id, 30)
    assert done.status == "completed"
    assert (done.size, done.quality, done.n, done.prompt) == ("1536x1024", "high", 2, "a wide harbour")
    sent = sim.requests("/images/generations")[-1].json
    assert (sent["size"], sent["quality"], sent["n"]) == ("1536x1024", "high", 2)
    assert len(jobs_service.store.list_images(job_id=done.id)) == 2


def test_a_retry_over_the_signed_in_persons_daily_budget_is_refused_and_sends_nothing(jobs_service, demo, sim,
                                                                                     monkeypatch):
    from easel.core import identity
    from easel.core.models import Money
    from easel.providers.request import ImageRequest
    from easel.usage import person_budgets

    ben = identity.Person("ben@example.com", "Ben")
    monkeypatch.setattr(identity, "_resolver", lambda: ben)
    monkeypatch.setattr(identity, "set_person_resolver", lambda resolver: None)   # keep ben over the app's sign-in
    profile, client = demo
    sim.set_faults([{"kind": "http_400", "provider": "demo", "times": 1}])
    failed_id = jobs_service.submit(client, ImageRequest(prompt="a wide harbour", size="1536x1024", quality="high"))
    assert jobs_service.wait(failed_id, 30).status == "failed"
    # 1 × high 1536x1024 on the Demo is estimated at USD 0.25; ben's admin left him USD 0.10 for today.
    person_budgets.set_person_budget(jobs_service.store, ben.id, Money(0.10, "USD"))
    sent_before = len(sim.requests("/images/generations"))

    at = _app(profile, client)
    at.run()
    _button(at, RETRY, failed_id).click().run()
    assert not at.exception
    assert [j.id for j in jobs_service.store.list_jobs()] == [failed_id]
    assert len(sim.requests("/images/generations")) == sent_before
    shown = " ".join(e.value for e in at.error) + " ".join(w.value for w in at.warning)
    assert "Over your daily budget: this request (≈ USD 0.25" in shown.replace("\\", "")
    assert "over the USD 0.10 your admin set." in shown.replace("\\", "")


def test_check_now_looks_again_at_a_timed_out_task_and_collects_its_result(jobs_service, sim):
    from easel.providers.client import ProviderClient
    from easel.providers.request import ImageRequest

    sim.configure(task_duration=0.0)
    profile = catalog.simulated_profile(catalog.BUILTIN["gccai"], sim.url)
    client = ProviderClient(profile, "sk-test-gccai-tasks")
    job_id = jobs_service.submit(client, ImageRequest(prompt="a late heron", size="1:1", resolution="1k"))
    client.close()
    store = jobs_service.store
    for _ in range(600):
        if store.get_job(job_id).status == "pending":
            break
        jobs_service.wait(job_id, 0.05)
    jobs_service.poller.stop()          # as if the poller had given up on it at the deadline
    store.update_job(job_id, status="timed_out", error_code="task_timed_out",
                     error_message="gccai's task did not finish within 600 s. Use 'Check now' to look again.")
    for task in store.list_tasks(job_id):
        store.update_task(job_id, task.task_id, status="timed_out")

    at = _app().run()
    assert any("Check now" in e.value for e in at.error)
    _button(at, "Check now", job_id).click().run()
    assert not at.exception
    assert store.get_job(job_id).status == "completed"
    assert len(at.image) == 1 and "a late heron" in _texts(at)


def test_retry_never_spends_a_key_another_session_typed(jobs_service, sim):
    """Session A typed a QCode key and its job failed. Session B, on another provider, sees the job on the shared
    Tasks page, but its Retry must not borrow A's key from the poller's key ring: nothing is sent."""
    from easel.providers.client import ProviderClient
    from easel.providers.request import ImageRequest

    qcode = catalog.simulated_profile(catalog.BUILTIN["qcode"], sim.url)
    typed_by_a = ProviderClient(qcode, "cr_test_typed_by_session_a")
    jobs_service.keyring.register(typed_by_a)
    sim.set_faults([{"kind": "http_500", "provider": "qcode", "times": 3}])
    failed_id = jobs_service.submit(typed_by_a, ImageRequest(prompt="a quiet pier", size="1024x1024", quality="low"))
    assert jobs_service.wait(failed_id, 30).status == "failed"
    sent_before = len(sim.requests("/images/generations"))

    demo = catalog.simulated_profile(catalog.BUILTIN["demo"], sim.url)
    session_b = ProviderClient(demo, DEMO_KEY)
    at = _app(demo, session_b)
    at.run()
    _button(at, RETRY, failed_id).click().run()
    assert not at.exception
    assert any("Choose qcode in the sidebar" in m.value for m in [*at.info, *at.warning, *at.error, *at.markdown]), \
        "the page must say which provider and key to pick"
    assert [j.id for j in jobs_service.store.list_jobs()] == [failed_id]
    assert len(sim.requests("/images/generations")) == sent_before
    typed_by_a.close()
    session_b.close()
