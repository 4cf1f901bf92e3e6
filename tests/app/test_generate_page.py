"""The Generate page under AppTest, against the real simulator (loopback HTTP), the real SQLite store and the
JobService's worker threads: what the user sees before sending (offered parameters, the cost line, the code),
and after (the result, the toast, the provider's error code)."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image

from components import cost, md_escape
from easel.providers import catalog, codegen
from easel.providers.request import ImageRequest, validate
from easel.simulator.routes import prefix_for

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")


def _configure(monkeypatch, sim, pid: str, key: str | None = None) -> None:
    """A real provider id pointed at the simulator through the environment, as a user would configure it."""
    env = catalog.BUILTIN[pid].env_id
    monkeypatch.setenv(f"EASEL_{env}_BASE_URL", sim.url + prefix_for(pid))
    if key:
        monkeypatch.setenv(f"EASEL_{env}_API_KEY", key)


def _pick(at, pid: str):
    at.run()        # the provider list is read from the environment on each run
    at.sidebar.selectbox(key="easel.provider").set_value(pid).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _generate(at, jobs, prompt: str, *, timeout: float = 30):
    at.text_area(key="gen.prompt").input(prompt).run()
    at.button(key="gen.go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    ids = at.session_state["easel.last_job.generate"]
    rows = [jobs.wait(i, timeout) for i in ids]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return rows


def _cost_markdown(at) -> str:
    lines = [m.value for m in at.markdown if "≈" in m.value]
    assert len(lines) == 1, lines
    return lines[0]


def test_demo_generate_shows_cost_then_the_image_and_a_toast(app, jobs_for_test, demo):
    at = app
    prompt = "A watercolor fox reading under a lamp"
    at.text_area(key="gen.prompt").input(prompt).run()
    profile = at.session_state["easel.provider_session"].profile
    expected = cost.cost_line(profile, validate(ImageRequest(prompt=prompt), profile))
    assert expected.startswith("≈ USD ") and "(1 × medium 1024x1024)" in expected
    assert expected in _cost_markdown(at)

    [job] = _generate(at, jobs_for_test, prompt)
    assert job.status == "completed"
    texts = [line for t in at.text for line in t.value.splitlines()]     # a caption is one st.text of lines
    assert prompt in texts
    assert "demo · 1024×1024 · medium" in texts
    assert len(at.image) == 1
    assert not at.toast             # the image appears in the result column: a toast would only cover it
    [sent] = demo.requests("/images/generations")
    assert sent.json["prompt"] == prompt and sent.json["size"] == "1024x1024"
    [row] = jobs_for_test.store.list_images(job_id=job.id)
    img = Image.open(io.BytesIO(jobs_for_test.store.image_bytes(row)))
    assert img.size == (1024, 1024)


def test_a_job_that_ends_while_the_user_is_on_another_page_is_toasted_there(app, jobs_for_test, demo):
    at = app
    at.text_area(key="gen.prompt").input("A heron at dawn").run()
    at.button(key="gen.go").click().run()
    [job_id] = at.session_state["easel.last_job.generate"]
    at.switch_page("pages/gallery.py").run()
    assert jobs_for_test.wait(job_id, 30).status == "completed"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.toast] == ["Done: 1 image from demo"]


def test_qcode_offers_only_its_documented_parameters(app, sim, monkeypatch):
    _configure(monkeypatch, sim, "qcode", "test-qcode-key")
    at = _pick(app, "qcode")
    assert at.selectbox(key="gen.size").options == ["1024x1024 · square", "1024x1536 · portrait",
                                                    "1536x1024 · landscape"]
    assert at.radio(key="gen.quality").options == ["low", "medium", "high"]      # no "auto" on generations
    keys = {w.key for w in at.selectbox} | {w.key for w in at.number_input} | {w.key for w in at.toggle}
    assert not [k for k in keys if k and (k.startswith("gen.extra.") or "async" in k)]   # edit-only extras, no async
    assert at.number_input(key="gen.n").max == 4
    at.text_area(key="gen.prompt").input("a lighthouse").run()
    at.number_input(key="gen.n").set_value(2).run()
    assert "≈ USD 0.16 (2 × medium 1024x1024)" in _cost_markdown(at)


def test_icodeeasy_ratios_resolutions_async_and_cost_in_cny(app, sim, monkeypatch):
    _configure(monkeypatch, sim, "icodeeasy", "sk_test-icodeeasy")
    at = _pick(app, "icodeeasy")
    assert at.selectbox(key="gen.size").options == list(catalog.BUILTIN["icodeeasy"].sizes)
    assert [o.split(" ")[0] for o in at.selectbox(key="gen.resolution").options] == ["1k", "2k"]
    assert at.toggle(key="gen.async").value is False
    at.text_area(key="gen.prompt").input("two cats").run()
    at.number_input(key="gen.n").set_value(2).run()
    assert "≈ CNY 0.40 (2 × medium)" in _cost_markdown(at)
    assert any("Suggested for 2k/4k" in c.value for c in at.caption)


def test_gccai_always_runs_as_task_and_says_why_there_is_no_price(app, sim, monkeypatch, jobs_for_test):
    _configure(monkeypatch, sim, "gccai", "test-gccai-key")
    at = _pick(app, "gccai")
    forced = at.toggle(key="gen.async_forced")
    assert forced.value is True and forced.disabled
    assert [o.split(" ")[0] for o in at.selectbox(key="gen.resolution").options] == ["1k", "2k", "4k"]
    at.text_area(key="gen.prompt").input("a kite").run()
    assert "≈ USD ? (gccai publishes no price list" in _cost_markdown(at)
    # Code: JSON to /v1/images/generations, no OpenAI SDK tab, the key as an environment variable.
    code = "\n".join(c.value for c in at.code)
    assert "$EASEL_GCCAI_API_KEY" in code and "test-gccai-key" not in code
    assert "from openai import OpenAI" not in code


def test_provider_error_is_a_message_with_its_code_not_a_traceback(app, sim, monkeypatch, jobs_for_test):
    _configure(monkeypatch, sim, "qcode", "test-qcode-key")
    at = _pick(app, "qcode")
    sim.set_faults([{"kind": "http_429_daily", "times": 1}])
    [job] = _generate(at, jobs_for_test, "a red balloon")
    assert job.status == "failed" and job.error_code == "image_daily_limit"
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    # Plain words in the error box, the provider's code after them in small text.
    assert "daily image cap" in errors[0] and "image\\_daily\\_limit" not in errors[0]
    assert any(c.value == "image\\_daily\\_limit · HTTP 429" for c in at.caption), [c.value for c in at.caption]
    assert not at.exception


def test_view_as_code_is_the_request_the_client_sends(app, sim, monkeypatch, jobs_for_test):
    _configure(monkeypatch, sim, "qcode", "test-qcode-key")
    at = _pick(app, "qcode")
    at.radio(key="gen.quality").set_value("low").run()
    at.text_area(key="gen.prompt").input("a \"quoted\" prompt with 'both' quotes").run()
    blocks = [c.value for c in at.code]
    assert len(blocks) == 4 + 3        # curl, httpx, OpenAI SDK, JavaScript fetch; then the API reference's three
    blocks = blocks[:4]
    assert all("test-qcode-key" not in b for b in blocks)
    assert "$EASEL_QCODE_API_KEY" in blocks[0] and 'os.environ["EASEL_QCODE_API_KEY"]' in blocks[1]
    profile = at.session_state["easel.provider_session"].profile
    req = validate(ImageRequest(prompt="a \"quoted\" prompt with 'both' quotes", quality="low"), profile)
    _generate(at, jobs_for_test, req.prompt)
    [sent] = sim.requests("/images/generations")
    assert sent.json == codegen.json_body(profile, req)
    base = at.session_state["easel.provider_session"].base_url
    assert codegen.endpoint_url(replace(profile, base_url=base), req) == sim.url + sent.path
    assert f"curl -sS -X POST {sim.url}{sent.path}" in blocks[0]
    assert "process.env.EASEL_QCODE_API_KEY" in blocks[3] and "test-qcode-key" not in blocks[3]


def test_repeat_runs_k_jobs_of_the_same_request(app, demo, jobs_for_test):
    at = app
    at.number_input(key="gen.repeat").set_value(3).run()
    at.text_area(key="gen.prompt").input("a paper boat").run()
    assert "3 runs × 1 × medium" in _cost_markdown(at)
    rows = _generate(at, jobs_for_test, "a paper boat")
    assert [r.status for r in rows] == ["completed"] * 3
    assert len({r.id for r in rows}) == 3
    assert [r.json["prompt"] for r in demo.requests("/images/generations")] == ["a paper boat"] * 3
    assert len(at.image) == 3


def test_recent_prompt_recall_and_validation_message(app, demo, jobs_for_test):
    at = app
    _generate(at, jobs_for_test, "first prompt")
    at.text_area(key="gen.prompt").input("").run()
    at.selectbox(key="gen.recent").set_value("first prompt").run()
    assert at.text_area(key="gen.prompt").value == "first prompt"
    # A size outside openai-hk's pixel rules is refused before sending, naming the rule.
    at.selectbox(key="gen.size").set_value("custom").run()
    at.number_input(key="gen.height").set_value(3840).run()
    errors = [e.value for e in at.error]
    assert any("1024x3840" in e and "max\\_ratio" in e for e in errors), errors
    assert at.button(key="gen.go").disabled


@pytest.mark.parametrize("pid", ["openai-hk", "icodeeasy"])
def test_no_key_is_explained_and_generate_is_disabled(app, sim, monkeypatch, pid):
    _configure(monkeypatch, sim, pid)       # base URL only: listed, but no key anywhere
    at = _pick(app, pid)
    assert [w.value for w in at.sidebar.warning] == [md_escape("No API key yet: type it above")]
    at.text_area(key="gen.prompt").input("anything").run()
    assert at.button(key="gen.go").disabled


def test_a_running_job_shows_elapsed_against_typical_latency_and_can_be_cancelled(app, demo, jobs_for_test):
    at = app
    demo.configure(latency=3.0)
    at.text_area(key="gen.prompt").input("a slow sunrise").run()
    at.button(key="gen.go").click().run()
    [job_id] = at.session_state["easel.last_job.generate"]
    at.run()
    [bar] = at.get("progress")
    assert "of ~2 s typical · demo · n=1" in bar.proto.text
    at.button(key=f"gen.jobs.cancel.{job_id}").click().run()
    assert jobs_for_test.store.get_job(job_id).status == "cancelled"
    assert any(i.value.startswith("Cancelled after") for i in at.info)
    assert not at.get("progress")


def test_a_custom_provider_is_added_from_the_sidebar_and_generates(app, sim, jobs_for_test):
    at = app
    at.sidebar.selectbox(key="easel.provider").set_value("__add_custom__").run()
    at.sidebar.text_input(key="easel.custom.name").input("My Gateway")
    at.sidebar.text_input(key="easel.custom.url").input(sim.url + "/openai/v1")
    at.sidebar.selectbox(key="easel.custom.dialect").set_value("openai")
    at.sidebar.button[0].click().run()          # the form's submit button
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["easel.provider"] == "custom-my-gateway"
    assert "My Gateway (custom, openai)" in at.sidebar.selectbox(key="easel.provider").options
    assert [w.value for w in at.sidebar.warning] == [md_escape("No API key yet: type it above")]
    at.sidebar.text_input(key="easel.key.custom-my-gateway").input("sk-test-gateway").run()
    [job] = _generate(at, jobs_for_test, "through my gateway")
    assert job.status == "completed" and job.provider == "custom-my-gateway"
    assert sim.requests("/openai/v1/images/generations")[-1].json["prompt"] == "through my gateway"


def test_demo_simulates_a_real_provider_with_that_providers_rules(app, demo, jobs_for_test):
    """With no key at all, Demo can play QCode: only QCode's sizes and qualities are offered, the request goes to
    the simulator's QCode route in QCode's exact shape, and the log marks it simulated."""
    at = app
    at.sidebar.selectbox(key="easel.demo.simulate").set_value("qcode").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="gen.size").options == ["1024x1024 · square", "1024x1536 · portrait",
                                                    "1536x1024 · landscape"]
    assert at.radio(key="gen.quality").options == ["low", "medium", "high"]
    assert "simulated, nothing is charged" in (_cost_markdown(at) if at.text_area(key="gen.prompt").value else
                                              _cost_markdown(at.text_area(key="gen.prompt").input("a pier").run()))
    [job] = _generate(at, jobs_for_test, "a pier at dawn")
    assert job.status == "completed" and job.provider == "qcode" and job.simulated
    [sent] = demo.requests("/qcode/qcode-img/v1/images/generations")
    assert sent.json == {"model": "gpt-image-2", "prompt": "a pier at dawn", "size": "1024x1024",
                         "quality": "medium", "n": 1}
    assert job.cost_actual == 0.08 and job.currency == "USD"     # QCode's floor, even when simulated


# --- layout: the result area, the size picker ------------------------------------------------------------------

def _markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def test_before_the_first_run_the_result_area_says_where_the_image_appears_and_its_size(app, demo, jobs_for_test):
    at = app
    assert "**Your image appears here**" in _markdown(at)
    assert "1024×1024 · square" in [c.value for c in at.caption]
    at.number_input(key="gen.n").set_value(2).run()
    at.number_input(key="gen.repeat").set_value(2).run()
    assert "**Your 4 images appear here**" in _markdown(at)
    at.selectbox(key="gen.size").set_value("2048x1152").run()
    assert "2048×1152 · landscape" in [c.value for c in at.caption]
    at.selectbox(key="gen.size").set_value("1024x1024").run()
    _generate(at, jobs_for_test, "a quiet harbour")
    assert not any("appear" in m for m in _markdown(at))             # the frame gives way to the result
    assert len(at.image) == 4


def test_a_ratio_provider_frame_names_ratio_resolution_and_pixels(app, demo):
    at = app
    at.sidebar.selectbox(key="easel.demo.simulate").set_value("gccai").run()
    at.selectbox(key="gen.size").set_value("16:9").run()
    at.selectbox(key="gen.resolution").set_value("4k").run()
    assert "16:9 at 4k → 3840×2160" in [c.value for c in at.caption]


def test_every_documented_size_is_offered(app, demo):
    """icodeeasy: 13 ratios + auto at 1k and 2k; gccai: 15 ratios + auto at 1k, 2k and 4k, labelled with its
    pixel table; openai-hk and Demo: every 1K/2K/4K preset of openai-hk's table, auto, and a custom size."""
    from easel.providers import sizes

    at = app
    options = at.selectbox(key="gen.size").options
    presets = {sizes.format_pixels(wh) for tiers in sizes.OPENAI_HK_PRESETS.values() for wh in tiers.values()}
    assert len(presets) == 30 and {o.split(" ")[0] for o in options} >= presets
    assert options[0] == "auto (provider decides)" and options[-1] == "Custom width × height…"
    at.sidebar.selectbox(key="easel.demo.simulate").set_value("openai-hk").run()
    assert {o.split(" ")[0] for o in at.selectbox(key="gen.size").options} >= presets
    assert at.selectbox(key="gen.model").options == ["gpt-image-2", "gpt-image-1.5", "gpt-image-1"]

    at.sidebar.selectbox(key="easel.demo.simulate").set_value("icodeeasy").run()
    assert at.selectbox(key="gen.size").options == list(sizes.ICODEEASY_RATIOS)
    assert [o.split(" ")[0] for o in at.selectbox(key="gen.resolution").options] == ["1k", "2k"]

    at.sidebar.selectbox(key="easel.demo.simulate").set_value("gccai").run()
    assert at.selectbox(key="gen.size").options == list(sizes.GCCAI_RATIOS)
    for ratio, tiers in sizes.GCCAI_PIXELS.items():
        at.selectbox(key="gen.size").set_value(ratio).run()
        labels = at.selectbox(key="gen.resolution").options
        assert labels == [f"{tier} · {w}×{h}" for tier, (w, h) in tiers.items()], (ratio, labels)

    at.sidebar.selectbox(key="easel.demo.simulate").set_value("qcode").run()
    assert [o.split(" ")[0] for o in at.selectbox(key="gen.size").options] == list(sizes.QCODE_SIZES)


def test_an_invalid_custom_size_names_the_rule_and_offers_the_nearest_valid_size(app, demo, jobs_for_test):
    at = app
    at.text_area(key="gen.prompt").input("a tall banner").run()
    at.selectbox(key="gen.size").set_value("custom").run()
    assert not at.error and not at.button(key="gen.go").disabled          # 1024×1024 to start: valid
    with pytest.raises(KeyError):
        at.button(key="gen.size_fix")
    at.number_input(key="gen.width").set_value(1000).run()
    at.number_input(key="gen.height").set_value(4000).run()
    [error] = [e.value for e in at.error]      # once, beside the fields; not repeated by the Generate button
    # Every rule broken is named: too long a side, not multiples of 16, too narrow a shape.
    assert error.startswith(md_escape("1000x4000: "))
    for rule in ("max\\_side", "multiple\\_of\\_16", "max\\_ratio"):
        assert f"size rule {rule}" in error, error
    assert "pixel\\_range" not in error
    assert at.button(key="gen.go").disabled
    fix = at.button(key="gen.size_fix")
    assert fix.label == "Use 1152×3456"
    fix.click().run()
    assert (at.number_input(key="gen.width").value, at.number_input(key="gen.height").value) == (1152, 3456)
    assert not at.error and not at.button(key="gen.go").disabled
    assert "(1 × medium 1152x3456)" in _cost_markdown(at)
    [job] = _generate(at, jobs_for_test, "a tall banner")
    assert job.status == "completed"
    assert demo.requests("/images/generations")[-1].json["size"] == "1152x3456"


@pytest.mark.parametrize("w, h, rule, fix", [
    (1000, 1000, "multiple_of_16", (1008, 1008)),
    (512, 512, "pixel_range", (816, 816)),
    (3840, 3840, "pixel_range", (2880, 2880)),
    (1024, 3840, "max_ratio", (1152, 3440)),
])
def test_each_rule_is_named_and_its_fix_passes(app, demo, w, h, rule, fix):
    from easel.providers import sizes

    at = app
    at.selectbox(key="gen.size").set_value("custom").run()
    at.number_input(key="gen.width").set_value(w).run()
    at.number_input(key="gen.height").set_value(h).run()
    [error] = [e.value for e in at.error]
    assert f"size rule {rule.replace('_', chr(92) + '_')}" in error
    assert at.button(key="gen.size_fix").label == f"Use {fix[0]}×{fix[1]}"
    sizes.check_openai_pixels(*fix)
    at.button(key="gen.size_fix").click().run()
    assert not at.error


def test_provider_default_options_are_labelled_short_enough_not_to_truncate(app, demo):
    at = app
    for name in ("background", "output_format", "moderation"):
        select = at.selectbox(key=f"gen.extra.{name}")
        assert select.options[0] == "Default" and select.value is None
        assert "provider's own default" in select.help
    assert at.number_input(key="gen.extra.output_compression").placeholder == "Default"
    assert at.text_input(key="gen.extra.user").placeholder == "Default"
    # OpenAI's spec has input_fidelity on edits only (CreateImageEditRequest), so Generate does not offer it.
    assert "gen.extra.input_fidelity" not in [w.key for w in at.selectbox]


def test_an_oversize_reference_is_offered_a_downscale_and_the_copy_is_what_is_sent(app, jobs_for_test, demo):
    at = app
    at.text_area(key="gen.prompt").input("The same scene at night").run()
    huge = io.BytesIO()
    Image.new("RGB", (7680, 4320), (30, 120, 200)).save(huge, format="PNG")     # 33 MP, a few kB on disk
    at.file_uploader(key="gen.uploads").set_value([("huge.png", huge.getvalue(), "image/png")]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]                 # an offer, not an error
    assert any("7680×4320" in w.value for w in at.warning), [w.value for w in at.warning]
    offer = at.button(key="gen.upload.0.downscale")
    assert offer.label == "Downscale to 3840×2160 and use it"
    offer.click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="gen.go").click().run()
    [job_id] = at.session_state["easel.last_job.generate"]
    assert jobs_for_test.wait(job_id, 60).status == "completed"
    (sent,) = demo.requests("/images/edits")                         # with a reference, Generate edits
    [(field, name, data, _)] = [f for f in sent.files if f[0].startswith("image")]
    assert name == "huge-3840x2160.png" and Image.open(io.BytesIO(data)).size == (3840, 2160)
