"""Generate under AppTest on Demo (which plays the OpenAI API): the model select with GET /models' image models
and typed names, the end-user field, and the caption that shows the size the provider chose."""

from __future__ import annotations

from pathlib import Path

from components.image_actions import shown_size

import pytest
# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]


def _generate(at, jobs, prompt: str):
    at.text_area(key="gen.prompt").input(prompt).run()
    at.button(key="gen.go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    rows = [jobs.wait(i, 30) for i in at.session_state["easel.last_job.generate"]]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return rows


def _caption_lines(at) -> list[str]:
    return [line for t in at.text for line in t.value.splitlines()]


def test_model_select_offers_the_listed_image_models_and_sends_the_one_chosen(app, jobs_for_test, demo):
    at = app
    select = at.selectbox(key="gen.model")
    # The profile's model first, then what GET /demo/v1/models lists that is an image model (not gpt-5 etc.).
    assert select.options == ["gpt-image-2", "gpt-image-1", "gpt-image-1.5"]
    assert "type any other model name" in select.help
    assert len(demo.requests("/demo/v1/models")) == 1
    select.set_value("gpt-image-1.5").run()
    [job] = _generate(at, jobs_for_test, "a tin robot")
    assert job.status == "completed"
    assert demo.requests("/images/generations")[-1].json["model"] == "gpt-image-1.5"
    assert len(demo.requests("/demo/v1/models")) == 1            # asked once per session client, not per run


def test_a_typed_model_name_is_sent_as_typed_and_the_providers_answer_is_shown(jobs_for_test, demo):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    # What the browser sends when a name is typed into the select. AppTest's set_value takes listed options only,
    # and a tree drawn with the old options cannot carry a new one, so the value is there from the first run.
    at.session_state["gen.model"] = "gpt-image-7-preview"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    select = at.selectbox(key="gen.model")
    assert select.value == "gpt-image-7-preview" and select.options[-1] == "gpt-image-7-preview"
    [job] = _generate(at, jobs_for_test, "a glass owl")
    assert demo.requests("/images/generations")[-1].json["model"] == "gpt-image-7-preview"
    # The simulator, like a real provider, refuses a model it does not serve; its own code reaches the user.
    assert job.status == "failed" and job.error_code == "invalid_model"


def test_end_user_id_goes_on_the_wire_as_user(app, jobs_for_test, demo):
    at = app
    at.text_input(key="gen.extra.user").input("user-1234").run()
    _generate(at, jobs_for_test, "a paper crane")
    assert demo.requests("/images/generations")[-1].json["user"] == "user-1234"


def test_auto_size_caption_shows_the_size_read_from_the_image(app, jobs_for_test, demo):
    at = app
    at.selectbox(key="gen.size").set_value("auto").run()
    [job] = _generate(at, jobs_for_test, "a quiet harbour")
    assert demo.requests("/images/generations")[-1].json["size"] == "auto"
    assert "demo · auto → 1024×1024 · medium" in _caption_lines(at)


def test_shown_size_puts_what_was_asked_before_what_came_back_only_when_they_differ():
    assert shown_size("auto", 1024, 1536) == "auto → 1024×1536"
    assert shown_size("16:9", 2048, 1152) == "16:9 → 2048×1152"
    assert shown_size("1024x1024", 1024, 1024) == "1024×1024"
    assert shown_size("1000x1000", 1024, 1024) == "1000x1000 → 1024×1024"
    assert shown_size("auto", None, None) == "auto"
