"""The PNG Info page through AppTest: an Easel PNG and an A1111 PNG each fill the table (prompt as plain text),
"Use in Generate" / "Use in Edit" fill the form, values the sidebar's provider cannot take are mapped or named,
and a file without metadata or a corrupt one gets a plain message."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, PngImagePlugin
from streamlit.testing.v1 import AppTest

from easel.core import png_text
from easel.media import png_info

import pytest
# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]
TRICKY = "一只橘猫 **bold?** [link](http://x/y.png) in a hat"      # markdown must stay text
A1111 = ("a lighthouse at dusk, 油画\nNegative prompt: blurry, lowres\n"
         'Steps: 30, Sampler: Euler a, CFG scale: 6.5, Seed: 1234, Size: 832x1216, Model: sd_xl_base_1.0, '
         'Lora hashes: "a: 1, b: 2", Version: v1.9.4')


def _png(text: dict | None = None, size=(64, 48)) -> bytes:
    info = PngImagePlugin.PngInfo()
    for k, v in (text or {}).items():
        info.add_itxt(k, v)
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _easel_png() -> bytes:
    settings = png_text.settings_from_job("demo", {"model": "gpt-image-2", "size": "1536x1024", "quality": "high",
                                                   "n": 2, "extras": {"background": "opaque"}},
                                          width=1536, height=1024)
    return png_info.download(_png(size=(1536, 1024)), "png", png_text.chunks_for(TRICKY, settings))


def _open(demo) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.switch_page("pages/png_info.py").run()
    assert not at.exception and at.title[0].value == "PNG Info"
    return at


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="pnginfo.file").set_value((name, data, "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest) -> dict:
    [frame] = at.dataframe
    return dict(zip(frame.value["Setting"], frame.value["Value"]))


def test_an_easel_png_fills_the_table_and_use_in_generate_fills_the_form(demo):
    at = _upload(_open(demo), "easel.png", _easel_png())
    assert TRICKY in [t.value for t in at.text]                    # st.text: verbatim, never markdown
    assert "Written by Easel · Prompt" in [c.value for c in at.caption]
    assert _table(at) == {"provider": "demo", "model": "gpt-image-2", "size": "1536x1024", "quality": "high",
                          "n": "2", "background": "opaque", "image_size": "1536x1024"}
    at.button(key="pnginfo.to_generate").click().run()
    assert not at.exception
    assert at.title[0].value == "Generate"
    assert at.text_area(key="gen.prompt").value == TRICKY
    # 1536x1024 is no Demo preset (its presets are openai-hk's) but passes the pixel rules: Custom, exactly.
    assert at.selectbox(key="gen.size").value == "custom"
    assert (at.number_input(key="gen.width").value, at.number_input(key="gen.height").value) == (1536, 1024)
    assert at.radio(key="gen.quality").value == "high"
    assert at.number_input(key="gen.n").value == 2


def test_an_a1111_png_fills_the_table_and_its_size_is_fitted_and_the_rest_named(demo):
    at = _upload(_open(demo), "a1111.png", _png({"parameters": A1111}))
    texts = [t.value for t in at.text]
    assert "a lighthouse at dusk, 油画" in texts and "blurry, lowres" in texts
    assert "Written by AUTOMATIC1111 (its parameters chunk) · Prompt" in \
        [c.value.replace("\\", "") for c in at.caption]
    table = _table(at)
    assert (table["size"], table["Steps"], table["Lora hashes"], table["model"]) == \
        ("832x1216", "30", "a: 1, b: 2", "sd_xl_base_1.0")
    captions = " ".join(c.value for c in at.caption)
    assert "AUTOMATIC1111 checkpoint" in captions and "negative prompt is not filled" in captions
    assert "Steps, Sampler, CFG scale, Seed" in captions.replace("\\", "")
    at.button(key="pnginfo.to_generate").click().run()
    assert at.title[0].value == "Generate" and at.text_area(key="gen.prompt").value == "a lighthouse at dusk, 油画"
    # 832x1216 is no Demo preset but passes the pixel rules: Custom, with the exact width and height.
    assert at.selectbox(key="gen.size").value == "custom"
    assert (at.number_input(key="gen.width").value, at.number_input(key="gen.height").value) == (832, 1216)
    assert at.selectbox(key="gen.model").value == "gpt-image-2"          # the checkpoint name was not sent


def test_on_a_ratio_provider_the_pixel_size_maps_to_a_ratio_and_resolution(demo):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["easel.provider"] = "gccai"
    at.run()
    at.switch_page("pages/png_info.py").run()
    _upload(at, "easel.png", _easel_png())
    notes = [c.value.replace("\\", "") for c in at.caption if "Made with" in c.value]
    assert notes == ["Made with demo; the settings are fitted to gccai, the provider in the sidebar.  \n"
                     "Model gpt-image-2 → gpt-image-2-official: gccai's name for it.  \n"
                     "Size 1536x1024 → 3:2 at 1k: gccai takes an aspect ratio and a resolution."]
    at.button(key="pnginfo.to_generate").click().run()
    assert (at.selectbox(key="gen.size").value, at.selectbox(key="gen.resolution").value) == ("3:2", "1k")
    # What was mapped goes along to Generate, in the toast.
    assert [t.value.replace("\\", "") for t in at.toast] == [
        "Filled Generate from PNG Info.  \nModel gpt-image-2 → gpt-image-2-official: gccai's name for it.  \n"
        "Size 1536x1024 → 3:2 at 1k: gccai takes an aspect ratio and a resolution."]
    assert at.radio(key="gen.quality").value == "high"


def test_use_in_edit_fills_the_edit_form(demo):
    at = _upload(_open(demo), "easel.png", _easel_png())
    at.button(key="pnginfo.to_edit").click().run()
    assert not at.exception and at.title[0].value == "Edit"
    assert at.text_area(key="edit.prompt").value == TRICKY
    assert at.session_state["edit.params.size"] == "custom"
    assert (at.session_state["edit.params.width"], at.session_state["edit.params.height"]) == (1536, 1024)
    assert at.session_state["edit.params.quality"] == "high"


def test_no_metadata_and_a_corrupt_file_say_so_plainly(demo):
    at = _upload(_open(demo), "bare.png", _png())
    assert [i.value.replace("\\", "") for i in at.info] == [
        "bare.png carries no prompt or settings: no Easel or AUTOMATIC1111 metadata (a screenshot, or a file whose "
        "metadata was stripped)."]
    assert len(at.dataframe) == 0 and not [b for b in at.button if b.key == "pnginfo.to_generate"]
    at = _upload(at, "broken.png", _png()[:60])
    assert [e.value.replace("\\", "") for e in at.error] == [
        "The uploaded file is corrupt or truncated and could not be decoded."]
    assert "corrupt_image" in [c.value.replace("\\", "") for c in at.caption]


def test_generate_offers_png_info_folded_away_and_fills_its_own_form(demo):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert "Settings from an image (PNG Info)" in [e.label for e in at.expander]
    at.text_area(key="gen.prompt").input("an old prompt").run()
    at.file_uploader(key="gen.pnginfo.file").set_value(("a1111.png", _png({"parameters": A1111}), "image/png")).run()
    assert not at.exception and "a lighthouse at dusk, 油画" in [t.value for t in at.text]
    assert len(at.image) == 0                       # no picture in the narrow column
    at.button(key="gen.pnginfo.to_generate").click().run()
    assert not at.exception and at.title[0].value == "Generate"
    assert at.text_area(key="gen.prompt").value == "a lighthouse at dusk, 油画"
    assert (at.number_input(key="gen.width").value, at.number_input(key="gen.height").value) == (832, 1216)
