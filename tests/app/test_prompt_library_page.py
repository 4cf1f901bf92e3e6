"""The prompt library through the pages under AppTest, against the real simulator and a per-test SQLite store:
save from Generate, the picker filling the prompt and its settings (and nothing else), a template batch showing
its count and total before anything is sent, and the Prompts page's starter library, import report and delete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gallery_clicks import open_in_gallery

from components import md_escape
from components.prompt_library import picker_label
from easel.store import Store
from easel.store import prompt_library as lib

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def _store() -> Store:
    from components import services

    return services.get_store()


def test_save_from_generate_keeps_prompt_size_quality_and_provider(app, jobs_for_test):
    at = app
    at.text_area(key="gen.prompt").input("a paper crane on a desk").run()
    at.selectbox(key="gen.size").set_value("1280x720")
    at.radio(key="gen.quality").set_value("high").run()
    at.text_input(key="gen.save.tags").input("origami, desk").run()
    _ok(at.button(key="gen.save.go").click().run())
    saved = lib.list_prompts(_store())
    assert [(p.title, p.prompt, p.tags, p.settings) for p in saved] == [
        ("a paper crane on a desk", "a paper crane on a desk", ["origami", "desk"],
         {"size": "1280x720", "quality": "high", "provider": "demo"})]
    # Saving the same title again never overwrites: it gets "(2)".
    _ok(at.button(key="gen.save.go").click().run())
    assert [p.title for p in lib.list_prompts(_store())] == ["a paper crane on a desk", "a paper crane on a desk (2)"]


def test_picking_fills_prompt_and_settings_and_keeps_the_rest(app, jobs_for_test):
    at = app
    saved = lib.save_prompt(_store(), title="Hero shot", prompt="a glass bottle on white", tags=["product shot"],
                            settings={"size": "720x1280", "quality": "low", "provider": "demo"})
    lib.save_prompt(_store(), title="Owl", prompt="an owl", tags=["poster"])
    at.run()
    at.number_input(key="gen.n").set_value(3).run()          # typed by the user before picking: must survive
    picker = at.selectbox(key="gen.library")
    assert picker.options == [picker_label(p) for p in lib.list_prompts(_store())]
    assert picker.options[0] == "Hero shot · product shot — a glass bottle on white"
    _ok(picker.set_value(saved.id).run())
    assert at.text_area(key="gen.prompt").value == "a glass bottle on white"
    assert at.selectbox(key="gen.size").value == "720x1280"
    assert at.radio(key="gen.quality").value == "low"
    assert at.number_input(key="gen.n").value == 3
    assert at.selectbox(key="gen.library").value is None     # back to its placeholder, ready for the next pick


def test_template_batch_shows_count_and_total_and_sends_nothing_until_confirmed(app, jobs_for_test, demo):
    at = app
    at.text_area(key="gen.prompt").input("a {animal} in {style} style").run()
    assert at.button(key="gen.go").disabled
    # No values yet: the message names the first variable without one, and there is no Generate.
    assert [e.value for e in at.error] == [md_escape("No value for {animal}: type at least one value for 'animal'.")]
    assert md_escape("template_missing_value") in [c.value for c in at.caption]
    at.text_input(key="gen.var.animal").input("fox | owl")
    at.text_input(key="gen.var.style").input("ink | clay | pixel").run()
    _ok(at)
    # Demo prices by tokens: 6 × 1056 output tokens × $40/M = 0.25344, plus each prompt's 18–20 bytes as 5 tokens
    # (bytes / 4, rounded up) × $5/M: 30 tokens, 0.00015.
    line = [m.value for m in at.markdown if "jobs · total" in m.value]
    assert line == [":material/payments: **" + md_escape("6 jobs · total ≈ USD 0.25359 · simulated, nothing is "
                                                         "charged") + "**"]
    assert [b for b in at.button if b.key == "gen.go"] == []
    # A reviewed batch that changes is reviewed again: the confirmation never sends what was not shown.
    _ok(at.button(key="gen.batch.review").click().run())
    at.text_input(key="gen.var.style").input("ink | clay").run()
    assert [b for b in at.button if b.key == "gen.batch.send"] == []
    at.text_input(key="gen.var.style").input("ink | clay | pixel").run()
    _ok(at.button(key="gen.batch.review").click().run())
    confirm = [m.value for m in at.markdown if m.value.startswith("1. ")]
    assert confirm == ["\n".join(f"{i}. {md_escape(p)}" for i, p in enumerate([
        "a fox in ink style", "a fox in clay style", "a fox in pixel style",
        "a owl in ink style", "a owl in clay style", "a owl in pixel style"], start=1))]
    assert [r.endpoint for r in demo.requests()] == ["models"]          # nothing sent yet
    _ok(at.button(key="gen.batch.send").click().run())
    ids = at.session_state["easel.last_job.generate"]
    rows = [jobs_for_test.wait(i, 30) for i in ids]
    assert [r.status for r in rows] == ["completed"] * 6
    sent = sorted(r.json["prompt"] for r in demo.requests() if r.endpoint != "models")
    assert sent == sorted(["a fox in ink style", "a fox in clay style", "a fox in pixel style",
                           "a owl in ink style", "a owl in clay style", "a owl in pixel style"])


def _prompts_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    return _ok(at.switch_page("pages/prompts.py").run())


def test_prompts_page_starts_empty_and_adds_the_starter_library(demo, jobs_for_test):
    at = _prompts_page()
    assert any("Your prompt library is empty" in m.value for m in at.markdown)
    _ok(at.button(key="lib.starter.empty").click().run())
    assert lib.count_prompts(_store()) == 20
    assert "20 of 20 prompts" in [c.value for c in at.caption]
    at.text_input(key="lib.search").input("포스터").run()
    assert "1 of 20 prompts" in [c.value for c in at.caption]
    at.text_input(key="lib.search").input("").run()
    _ok(at.selectbox(key="lib.tag").set_value("icon").run())
    assert "4 of 20 prompts" in [c.value for c in at.caption]


def test_prompts_page_delete_asks_first(demo, jobs_for_test):
    p = lib.save_prompt(_store(), title="Owl", prompt="an owl")
    at = _prompts_page()
    _ok(at.button(key=f"lib.del.{p.id}").click().run())
    assert lib.count_prompts(_store()) == 1
    _ok(at.button(key=f"lib.del.{p.id}.yes").click().run())
    assert lib.count_prompts(_store()) == 0


def test_save_a_past_job_from_the_tasks_list_keeps_its_settings(app, jobs_for_test):
    at = app
    at.text_area(key="gen.prompt").input("a teapot in fog").run()
    at.selectbox(key="gen.size").set_value("720x1280")
    at.radio(key="gen.quality").set_value("low").run()
    _ok(at.button(key="gen.go").click().run())
    [job_id] = at.session_state["easel.last_job.generate"]
    jobs_for_test.wait(job_id, 30)
    _ok(at.switch_page("pages/tasks.py").run())
    at.text_input(key=f"easel.tasks.{job_id}.lib.save.title").input("Foggy teapot").run()
    _ok(at.button(key=f"easel.tasks.{job_id}.lib.save.go").click().run())
    [saved] = lib.list_prompts(_store())
    assert (saved.title, saved.prompt, saved.settings) == (
        "Foggy teapot", "a teapot in fog", {"size": "720x1280", "quality": "low", "provider": "demo"})


def test_save_from_the_gallery_lightbox_beside_reuse_settings(demo, jobs_for_test):
    from easel.providers import catalog
    from easel.providers.client import ProviderClient
    from easel.providers.request import ImageRequest

    client = ProviderClient(catalog.simulated_profile(catalog.BUILTIN["demo"], demo.url), "demo-test-key")
    job_id = jobs_for_test.submit(client, ImageRequest(prompt="a lantern at dusk", size="1024x1024", quality="high"))
    assert jobs_for_test.wait(job_id, 30).status == "completed"
    client.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    _ok(at.switch_page("pages/gallery.py").run())
    [row] = jobs_for_test.store.list_images()
    _ok(open_in_gallery(at, row.id))
    _ok(at.button(key=f"gallery.grid.{row.id}.lib.save.go").click().run())
    [saved] = lib.list_prompts(_store())
    assert (saved.title, saved.prompt, saved.settings) == (
        "a lantern at dusk", "a lantern at dusk", {"size": "1024x1024", "quality": "high", "provider": "demo"})


def test_a_json_style_prompt_is_not_a_template_and_goes_as_typed(app, jobs_for_test, demo):
    """Structured prompts written as JSON are common with gpt-image: braces that are not a {name} stay text."""
    at = app
    prompt = '{"subject": "a red fox", "style": {"medium": "ink wash"}}'
    at.text_area(key="gen.prompt").input(prompt).run()
    _ok(at)
    assert not [t for t in at.text_input if (t.key or "").startswith("gen.var.")] and not at.error
    _ok(at.button(key="gen.go").click().run())
    [job_id] = at.session_state["easel.last_job.generate"]
    assert jobs_for_test.wait(job_id, 30).status == "completed"
    [sent] = demo.requests("/images/generations")
    assert sent.json["prompt"] == prompt
