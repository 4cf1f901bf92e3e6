"""Generate's result offers PNG, JPEG and WebP in one click each, converted locally from the stored image."""

from __future__ import annotations

import io

from PIL import Image

from components import image_actions

import pytest
# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")


def test_a_generated_result_has_one_click_png_jpeg_and_webp(app, demo, jobs_for_test):
    at = app
    at.selectbox(key="gen.size").set_value("1280x720").run()
    at.text_area(key="gen.prompt").input("a paper lantern").run()
    at.button(key="gen.go").click().run()
    [job_id] = at.session_state["easel.last_job.generate"]
    assert jobs_for_test.wait(job_id, 30).status == "completed"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    [row] = jobs_for_test.store.list_images(job_id=job_id)
    ck = f"gen.jobs.results.{row.id}"
    buttons = {b.key: b.proto.label for b in at.get("download_button") if (b.key or "").startswith(ck)}
    assert buttons == {f"{ck}.dl.png": "PNG", f"{ck}.dl.jpg": "JPEG", f"{ck}.dl.webp": "WebP"}
    magic = {"png": b"\x89PNG", "jpg": b"\xff\xd8\xff", "webp": b"RIFF"}
    for ext, head in magic.items():
        data = image_actions.download_bytes(jobs_for_test.store, row, ext)     # what the button's callable returns
        assert data.startswith(head), ext
        assert Image.open(io.BytesIO(data)).size == (1280, 720)
