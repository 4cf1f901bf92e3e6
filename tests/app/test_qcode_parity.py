"""QCode's playground parity on Generate (qcode.txt, "Online Playground" and "CDN 100 s hard limit"): low quality
by default on a CDN entry, the direct entry one click away for medium or high, and after a 524 a retry on the
direct entry with the same settings.

The simulator stands in for both entries: the direct one as http://127.0.0.1:PORT/…, a CDN one as
http://localhost:PORT/…, so the Host header of each recorded request says which entry it went to.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from components import md_escape
from easel.providers import catalog

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

DIRECT_LABEL = "China, direct (no CDN limit)"
CDN_LABEL = "HK / SEA"


@pytest.fixture
def qcode(sim, monkeypatch):
    port = sim.url.rsplit(":", 1)[1]
    direct = f"http://127.0.0.1:{port}/qcode/qcode-img/v1"
    cdn = f"http://localhost:{port}/qcode/qcode-img/v1"
    profile = replace(catalog.BUILTIN["qcode"], regions={DIRECT_LABEL: direct, CDN_LABEL: cdn}, direct_entry=direct)
    monkeypatch.setitem(catalog.BUILTIN, "qcode", profile)
    monkeypatch.setenv("EASEL_QCODE_API_KEY", "cr_test_parity")
    return {"direct": direct, "cdn": cdn, "port": port}


def _pick_qcode(at):
    at.sidebar.selectbox(key="easel.provider").set_value("qcode").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _base_url(at) -> str:
    return at.session_state["easel.provider_session"].base_url


def _buttons(at) -> dict:
    return {b.key: b for b in at.button if b.key}


def test_a_cdn_entry_starts_at_low_quality_and_offers_the_direct_entry_for_high(app, qcode):
    at = _pick_qcode(app)
    assert _base_url(at) == qcode["direct"]
    assert at.radio(key="gen.quality").value == "medium"         # the direct entry keeps QCode's own default
    at.sidebar.selectbox(key="easel.region.qcode").set_value(CDN_LABEL).run()
    assert _base_url(at) == qcode["cdn"]
    assert at.radio(key="gen.quality").value == "low"
    assert "gen.direct_entry" not in _buttons(at)                # low is safe behind the CDN
    at.radio(key="gen.quality").set_value("high").run()
    offer = _buttons(at)["gen.direct_entry"]
    assert offer.label == f"Use the direct entry {qcode['direct']} (no 100 s limit)"
    assert any("longer than the 100 s this entry's CDN waits" in c.value for c in at.caption)
    offer.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.selectbox(key="easel.region.qcode").value == DIRECT_LABEL
    assert _base_url(at) == qcode["direct"]
    assert at.radio(key="gen.quality").value == "high"           # the user's choice stays
    assert "gen.direct_entry" not in _buttons(at)


def test_after_a_524_the_error_offers_a_retry_on_the_direct_entry_with_the_same_settings(app, qcode, sim, jobs_for_test):
    at = _pick_qcode(app)
    at.sidebar.selectbox(key="easel.region.qcode").set_value(CDN_LABEL).run()
    at.radio(key="gen.quality").set_value("high").run()
    # Every attempt the client makes on the CDN entry is cut (it retries a 524 twice on its own).
    sim.set_faults([{"kind": "http_524", "times": 3, "provider": "qcode"}])
    at.text_area(key="gen.prompt").input("a lighthouse in a storm").run()
    at.button(key="gen.go").click().run()
    [failed_id] = at.session_state["easel.last_job.generate"]
    failed = jobs_for_test.wait(failed_id, 30)
    assert failed.status == "failed" and failed.error_code == "cdn_timeout_524"
    at.run()
    assert any("cdn\\_timeout\\_524" in c.value for c in at.caption), [c.value for c in at.caption]
    retry = _buttons(at)[f"jobs.direct_retry.{failed_id}"]
    assert retry.label == f"Retry on the direct entry {qcode['direct']} (same settings)"
    cut = [r for r in sim.requests("/images/generations")]
    assert len(cut) == 3 and {r.headers["host"] for r in cut} == {f"localhost:{qcode['port']}"}

    retry.click().run()
    assert not at.exception, [e.value for e in at.exception]
    [new_id] = at.session_state["easel.last_job.generate"]
    assert new_id != failed_id
    done = jobs_for_test.wait(new_id, 30)
    assert done.status == "completed" and done.base_url == qcode["direct"]
    sent = sim.requests("/images/generations")[-1]
    assert sent.headers["host"] == f"127.0.0.1:{qcode['port']}"
    assert sent.json == cut[0].json and sent.json["quality"] == "high" and sent.json["prompt"] == "a lighthouse in a storm"
    at.run()
    assert at.sidebar.selectbox(key="easel.region.qcode").value == DIRECT_LABEL     # the next run goes direct too
    assert len(at.image) == 1


def _tables(at) -> dict:
    frames = {}
    for df in at.table:
        frame = df.value
        frames["params" if "Parameter" in frame.columns else "errors"] = frame
    return frames


def test_the_api_reference_is_generated_from_the_profile_on_generate_and_edit(app, qcode):
    from easel.providers import api_reference, error_codes

    at = _pick_qcode(app)
    at.sidebar.selectbox(key="easel.region.qcode").set_value(CDN_LABEL).run()
    assert "API reference · QCode" in [e.label for e in at.expander]
    tables = _tables(at)
    profile = catalog.BUILTIN["qcode"]
    expected = api_reference.parameter_rows(profile, edit=False, base_url=qcode["cdn"])
    assert list(tables["params"]["Parameter"]) == [md_escape(r.name) for r in expected] == ["model", "prompt", "n",
                                                                                           "size", "quality"]
    quality = tables["params"].set_index("Parameter").loc["quality"]
    assert quality["Allowed values"] == "low / medium / high" and quality["Easel sends by default"] == "low"
    assert list(tables["errors"]["Code"]) == [md_escape(c.code) for c in error_codes.error_codes(profile)]
    assert md_escape("image_daily_limit") in set(tables["errors"]["Code"]) and 524 in set(tables["errors"]["HTTP"])
    code = [c.value for c in at.code]
    reference = code[-3:]                      # curl, Python, JavaScript of the default request, after View as code
    assert reference[0].startswith(f"curl -sS -X POST {qcode['cdn']}/images/generations")
    assert "client.images.generate(" in reference[1] and 'quality="low"' in reference[1]
    assert "await fetch(" in reference[2] and "cr_test_parity" not in "".join(code)

    at.switch_page("pages/edit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    params = _tables(at)["params"]
    assert list(params["Parameter"])[-2:] == ["image", "mask"]
    assert params.set_index("Parameter").loc["image", "Type"] == "file"


def test_the_direct_retry_asks_for_the_provider_when_the_sidebar_has_moved_on(app, qcode, sim, jobs_for_test):
    at = _pick_qcode(app)
    at.sidebar.selectbox(key="easel.region.qcode").set_value(CDN_LABEL).run()
    sim.set_faults([{"kind": "http_524", "times": 3, "provider": "qcode"}])
    at.text_area(key="gen.prompt").input("a harbour at night").run()
    at.button(key="gen.go").click().run()
    [failed_id] = at.session_state["easel.last_job.generate"]
    assert jobs_for_test.wait(failed_id, 30).error_code == "cdn_timeout_524"
    at.sidebar.selectbox(key="easel.provider").set_value("demo").run()
    before = len(sim.requests())
    _buttons(at)[f"jobs.direct_retry.{failed_id}"].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["easel.last_job.generate"] == [failed_id]          # nothing new was sent
    assert len(sim.requests()) == before
    assert md_escape("Choose QCode in the sidebar, with its key, to retry this job.") in [c.value for c in at.caption]


def test_the_tasks_page_offers_the_same_direct_retry_after_a_524(app, qcode, sim, jobs_for_test):
    at = _pick_qcode(app)
    at.sidebar.selectbox(key="easel.region.qcode").set_value(CDN_LABEL).run()
    at.radio(key="gen.quality").set_value("high").run()
    sim.set_faults([{"kind": "http_524", "times": 3, "provider": "qcode"}])
    at.text_area(key="gen.prompt").input("a harbour at dusk").run()
    at.button(key="gen.go").click().run()
    [failed_id] = at.session_state["easel.last_job.generate"]
    assert jobs_for_test.wait(failed_id, 30).error_code == "cdn_timeout_524"
    at.switch_page("pages/tasks.py").run()
    assert not at.exception, [e.value for e in at.exception]
    retry = _buttons(at)[f"easel.tasks.direct_retry.{failed_id}"]
    assert retry.label == f"Retry on the direct entry {qcode['direct']} (same settings)"
    retry.click().run()
    assert not at.exception, [e.value for e in at.exception]
    newest = jobs_for_test.store.list_jobs(limit=1)[0]
    assert newest.id != failed_id and newest.prompt == "a harbour at dusk"
    assert jobs_for_test.wait(newest.id, 30).base_url == qcode["direct"]
