"""Streaming previews under AppTest, against the real simulator and store: the partial image shows in the
result area while the job runs, before the final image; a broken stream shows its kept partials labelled
partial; QCode says why it cannot stream."""

from __future__ import annotations

import time

import pytest

from easel.store import partials

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")


def _wait_for(predicate, timeout: float = 20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def _captions(at) -> list[str]:
    return [c for img in at.image for c in img.captions]


def _start_stream(at, prompt: str, partial_count: int) -> str:
    at.text_area(key="gen.prompt").input(prompt).run()
    at.toggle(key="gen.stream").set_value(True).run()
    at.slider(key="gen.partials").set_value(partial_count).run()
    at.button(key="gen.go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [job_id] = at.session_state["easel.last_job.generate"]
    return job_id


def test_the_partial_shows_in_the_result_area_before_the_final_image(app, jobs_for_test, demo):
    demo.configure(latency=4.0)      # one partial at 2 s, the final image at 4 s
    at = app
    job_id = _start_stream(at, "A lighthouse in fog", 1)
    [sent] = _wait_for(lambda: demo.requests("/images/generations"))
    assert (sent.json["stream"], sent.json["partial_images"]) == (True, 1)

    _wait_for(lambda: partials.list_partials(jobs_for_test.store, job_id))
    at.run()
    assert jobs_for_test.store.get_job(job_id).status == "running"
    assert _captions(at) == ["Partial 1 of 1 · 1024×1024 · preview; the final image replaces it"]

    assert jobs_for_test.wait(job_id, 30).status == "completed"
    at.run()
    assert _captions(at) == [""]                     # the final image's thumbnail, in the same place
    texts = [line for t in at.text for line in t.value.splitlines()]
    assert "demo · 1024×1024 · medium" in texts


def test_a_broken_stream_shows_its_error_and_the_kept_partials_labelled_partial(app, jobs_for_test, demo):
    demo.set_faults([{"kind": "stream_break", "partials": 2, "times": 1}])
    at = app
    job_id = _start_stream(at, "A broken bridge", 3)
    job = jobs_for_test.wait(job_id, 30)
    assert (job.status, job.error_code) == ("failed", "stream_interrupted")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "broke after 2 partial images, before the final image" in errors
    texts = [line for t in at.text for line in t.value.splitlines()]
    assert texts.count("demo · 1024×1024 · medium · partial") == 2


def test_qcode_says_why_there_is_no_stream_toggle(app, monkeypatch, demo):
    from easel.providers import catalog
    from easel.simulator.routes import prefix_for

    monkeypatch.setenv(f"EASEL_{catalog.BUILTIN['qcode'].env_id}_BASE_URL", demo.url + prefix_for("qcode"))
    at = app
    at.run()
    at.sidebar.selectbox(key="easel.provider").set_value("qcode").run()
    assert not at.exception
    with pytest.raises(KeyError):
        at.toggle(key="gen.stream")
    from components import md_escape

    captions = [c.value for c in at.caption]
    reason = catalog.STREAM_UNSUPPORTED["qcode"]
    assert "“stream + partial_images (incremental return) ⏳ Not yet supported (full result returned at once)”" in reason
    assert f":material/block: No streaming previews. {md_escape(reason)}" in captions


def test_edit_shows_the_partial_under_the_edit_button_before_the_result(sim, monkeypatch, easel_data_dir):
    """Edit streams too: the partial shows in the result's place (under the Edit button) while the edit runs."""
    import io
    from pathlib import Path

    from PIL import Image
    from streamlit.testing.v1 import AppTest

    from easel.core.models import ImageOut
    from easel.jobs import job_service as jobs
    from easel.providers import catalog
    from easel.providers.client import ProviderClient
    from easel.store import Store

    root = Path(__file__).resolve().parents[2]
    monkeypatch.syspath_prepend(str(root))
    from components.session import ProviderSession

    svc = jobs.JobService(Store(), recover=False)
    monkeypatch.setattr(jobs, "_service", svc)
    profile = catalog.simulated_profile(catalog.BUILTIN["demo"], sim.url)
    client = ProviderClient(profile, "sim-test-key")
    try:
        buf = io.BytesIO()
        Image.new("RGB", (1024, 1536), (30, 90, 160)).save(buf, "PNG")
        source = svc.store.create_job(provider="demo", status="completed", prompt="a seeded source")
        image_id = svc.store.add_image(source, 0, ImageOut(buf.getvalue(), 1024, 1536, "image/png")).id
        sim.configure(latency=4.0)
        at = AppTest.from_file(str(root / "pages" / "edit.py"), default_timeout=60)
        at.session_state["easel.provider_session"] = ProviderSession(profile, client, "simulator", profile.base_url)
        at.session_state["easel.edit_source"] = image_id
        at.session_state["edit.params.stream"] = True
        at.session_state["edit.params.partials"] = 1
        at.run()
        at.text_area(key="edit.prompt").input("a red kite in the sky").run()
        at.button(key="edit.submit").click().run()
        assert not at.exception, [e.value for e in at.exception]
        job_id = at.session_state["easel.last_job.edit"]
        [sent] = _wait_for(lambda: sim.requests("/images/edits"))
        assert (sent.form["stream"], sent.form["partial_images"]) == (["true"], ["1"])
        _wait_for(lambda: partials.list_partials(svc.store, job_id))
        at.run()
        assert svc.store.get_job(job_id).status == "running"
        # size auto: the provider picked 2:3 at 1k for the 1024×1536 source, and the preview says so
        assert "Partial 1 of 1 · 672×1008 · preview; the final image replaces it" in _captions(at)
        assert svc.wait(job_id, 30).status == "completed"
        at.run()
        assert not any(c.startswith("Partial") for c in _captions(at))
    finally:
        client.close()
        svc.close(wait=True)
