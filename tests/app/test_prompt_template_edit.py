"""A template on Edit: two values make two edit jobs of the same source and mask, sent only after Review and
Send, each with its own prompt on the wire."""

from __future__ import annotations

from test_edit_page import (_app, _canvas_value, _gallery_image, _source_id, _source_png, _store,  # noqa: F401
                            demo, jobs_service)

import pytest

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")


def test_two_values_make_two_edits_after_confirmation(demo, sim, jobs_service):
    profile, client = demo
    data = _source_png()
    at = _app(profile, client, **{"easel.edit_source": _gallery_image(_store(), data)})
    at.run()
    at.session_state[f"edit.mask.canvas.{_source_id(data)}"] = _canvas_value()
    at.text_area(key="edit.prompt").input("make the shirt {color}").run()
    at.text_input(key="edit.var.color").input("red | blue").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b for b in at.button if b.key == "edit.submit"] == []
    at.button(key="edit.batch.review").click().run()
    assert sim.requests("/images/edits") == []
    at.button(key="edit.batch.send").click().run()
    assert not at.exception, [e.value for e in at.exception]
    rows = jobs_service.store.list_jobs(limit=10)
    assert sorted(r.prompt for r in rows if r.endpoint == "edits") == ["make the shirt blue", "make the shirt red"]
    for r in rows:
        if r.endpoint == "edits":
            assert jobs_service.wait(r.id, 60).status == "completed"
    sent = sorted(req.form["prompt"][0] for req in sim.requests("/images/edits"))
    assert sent == ["make the shirt blue", "make the shirt red"]
    assert all(any(f[0] == "mask" for f in req.files) for req in sim.requests("/images/edits"))
