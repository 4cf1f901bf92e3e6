"""The Scorecard page under AppTest: Demo runs free at one click; a paid provider shows its cost and sends nothing
until confirmed; the result table and the history come from the store.

Real parts: the simulator over loopback HTTP, the SQLite store, JobService's worker threads.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import pytest

from easel.providers import catalog, demo_modes
from easel.providers.client import ProviderClient

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def demo_on_this_simulator(sim, monkeypatch):
    """The page's Demo targets use this test session's simulator, so its recorded requests are readable here."""
    monkeypatch.setenv("EASEL_SIMULATOR_URL", sim.url)


@pytest.fixture
def demo_session(sim):
    from components.session import ProviderSession

    profile = demo_modes.demo_profile("demo", sim.url)
    client = ProviderClient(profile, "demo-test-key")
    yield ProviderSession(profile, client, "simulator", profile.base_url)
    client.close()


@pytest.fixture
def qcode_session(sim):
    """The real QCode profile (not simulated: it is paid) pointed at the simulator's QCode."""
    from components.session import ProviderSession

    profile = replace(catalog.get_profile("qcode"), base_url=sim.url + catalog.prefix_for("qcode"))
    client = ProviderClient(profile, "cr-test-scorecard-key")
    yield ProviderSession(profile, client, "typed", profile.base_url, None, client.key_fingerprint)
    client.close()


def page(sess):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "scorecard.py"), default_timeout=60)
    at.session_state["easel.provider_session"] = sess
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(elements) -> list[str]:
    """Element texts as the reader sees them (the page escapes markdown characters in what it writes)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def run_to_end(at, timeout: float = 60) -> None:
    """Rerun the page until the background run has finished and the page has shown its card."""
    from components import scorecard_runner

    sid = at.session_state["easel.session_id"]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        state = scorecard_runner.progress(sid)
        if state is None or state.finished:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the scorecard did not finish")
    at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def card(at):
    frame = at.table[0].value
    return list(zip(frame["Check"], frame["Status"]))


def test_demo_runs_free_and_shows_every_verdict(jobs_for_test, demo_session):
    at = page(demo_session)
    assert at.multiselect(key="easel.scorecard.providers").value == ["Demo (offline simulator)"]
    assert at.multiselect(key="easel.scorecard.providers").options == [
        "Demo (offline simulator)", "icodeeasy (simulated)", "QCode (simulated)", "gccai (simulated)",
        "openai-hk (simulated)"]
    assert shown(at.caption)[:2] == ["Demo (offline simulator): 18 probes, free (simulated)",
                                     "No scorecard for Demo (offline simulator) yet: run it above."]
    button(at, "Run scorecard").click().run()
    run_to_end(at)
    assert card(at) == [("sizes", "pass"), ("n", "pass"), ("output_format", "pass"), ("output_compression", "pass"),
                        ("background", "pass"), ("mask", "pass"), ("errors", "pass"), ("cost", "pass"),
                        ("revised_prompt", "n/a"), ("latency", "n/a")]
    frame = at.table[0].value
    assert frame.loc[frame["Check"] == "errors", "Got"].item() == "HTTP 400 invalid_size"
    assert any(":green-badge[8 pass]" in m.value and ":red-badge[0 fail]" in m.value for m in at.markdown)


def test_a_paid_provider_asks_before_spending_and_sends_nothing_until_confirmed(jobs_for_test, qcode_session, sim):
    at = page(qcode_session)
    assert shown(at.caption)[0] == "QCode: 13 probes, ≈ USD 1.171 billed to your key"
    button(at, "Run scorecard").click().run()
    assert shown(at.warning) == ["This sends 13 real requests and costs QCode USD 1.171. Failed probes are not billed."]
    button(at, "Cancel").click().run()
    assert not at.warning
    assert sim.state.requests("/qcode/") == []
    at.multiselect(key="easel.scorecard.checks").set_value(["errors", "revised_prompt"]).run()
    button(at, "Run scorecard").click().run()
    button(at, "Confirm: spend USD 0.16").click().run()
    run_to_end(at)
    assert card(at) == [("errors", "pass"), ("revised_prompt", "pass")]
    assert len(sim.state.requests("/qcode/")) == 2


def test_history_shows_the_verdict_that_changed(jobs_for_test, demo_session, sim):
    at = page(demo_session)
    at.multiselect(key="easel.scorecard.checks").set_value(["sizes", "n"]).run()
    button(at, "Run scorecard").click().run()
    run_to_end(at)
    sim.set_faults([{"kind": "wrong_size"}])
    button(at, "Run scorecard").click().run()
    run_to_end(at)
    assert card(at) == [("sizes", "fail"), ("n", "pass")]
    changes = at.table[1].value
    assert list(changes.columns) == ["When (UTC)", "Check", "Change", "Got"]
    assert list(zip(changes["Check"], changes["Change"])) == [("sizes", "pass → fail")]
    assert changes["Got"].item().startswith("10 of 10 wrong: 1024x1024 → 512x512; 1280x720 → 640x352;")


def test_several_providers_run_one_after_the_other_and_show_a_card_each(jobs_for_test, demo_session, sim):
    at = page(demo_session)
    at.multiselect(key="easel.scorecard.providers").set_value(["Demo (offline simulator)", "QCode (simulated)"]).run()
    at.multiselect(key="easel.scorecard.checks").set_value(["errors", "revised_prompt"]).run()
    assert shown(at.caption)[0] == ("Demo (offline simulator): 2 probes, free (simulated) · "
                                    "QCode (simulated): 2 probes, free (simulated)")
    button(at, "Run scorecard").click().run()
    run_to_end(at)
    assert [t.label for t in at.tabs] == ["Demo (offline simulator)", "QCode (simulated)"]
    assert card(at) == [("errors", "pass"), ("revised_prompt", "n/a")]
    qcode = at.table[1].value
    assert list(zip(qcode["Check"], qcode["Status"])) == [("errors", "pass"), ("revised_prompt", "pass")]
    assert qcode["Got"].tolist()[0] == "HTTP 422 unsupported_size"
    assert qcode["Got"].tolist()[1].startswith("2 of 2 images; e.g. 'A red bicycle leaning on a blue wall, flat "
                                               "colours, rendered with")
