"""The provider simulator over real loopback HTTP: each provider's wire shapes, sizes, limits and result files."""

from __future__ import annotations

import base64
import io
import re
import threading
import time

import httpx
import pytest
from PIL import Image

from easel.providers import sizes
from easel.providers.catalog import custom_profile, get_profile, simulated_profile
from easel.simulator import render
from easel.simulator.routes import prefix_for

KEY = "sk_test_sim_0123"
AUTH = {"Authorization": f"Bearer {KEY}"}


def post(sim, path, **kw):
    kw.setdefault("headers", AUTH)
    return httpx.post(sim.url + path, timeout=30, **kw)


def get(sim, path_or_url, **kw):
    url = path_or_url if path_or_url.startswith("http") else sim.url + path_or_url
    kw.setdefault("headers", AUTH)
    return httpx.get(url, timeout=30, **kw)


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def png(size=(512, 512), colour=(0, 0, 255), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


def quadrant_mask(size=(512, 512)) -> bytes:
    """Opaque everywhere except a transparent top-left quadrant (the area to repaint)."""
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, size[0] // 2, size[1] // 2))
    out = io.BytesIO()
    mask.save(out, "PNG")
    return out.getvalue()


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def wait_task(fetch, done, timeout=15.0):
    end = time.monotonic() + timeout
    seen = []
    while time.monotonic() < end:
        body = fetch()
        seen.append(body)
        if done(body):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"task did not finish: {seen[-1]}")


# --- prefixes ------------------------------------------------------------------------------------------

def test_each_profile_is_mounted_under_its_documented_prefix():
    assert {p: prefix_for(get_profile(p)) for p in ("demo", "openai", "openai-hk", "qcode", "icodeeasy", "gccai")} == {
        "demo": "/demo/v1", "openai": "/openai/v1", "openai-hk": "/openai-hk",
        "qcode": "/qcode/qcode-img/v1", "icodeeasy": "/icodeeasy", "gccai": "/gccai"}
    for dialect, prefix in (("openai", "/openai/v1"), ("icodeeasy", "/icodeeasy"), ("gccai", "/gccai")):
        assert prefix_for(custom_profile("mine-" + dialect, "https://example.test", dialect, register=False)) == prefix
    assert simulated_profile(get_profile("qcode"), "http://127.0.0.1:9/").base_url == "http://127.0.0.1:9/qcode/qcode-img/v1"


# --- openai family -------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", ["1024x1024", "1024x1536", "1536x1024"])
def test_qcode_generations_return_b64_png_of_the_size_with_revised_prompt_and_no_usage(sim, size):
    r = post(sim, "/qcode/qcode-img/v1/images/generations",
             json={"model": "gpt-image-2", "prompt": "a vase", "size": size, "quality": "low", "n": 2})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"created", "data"} and len(body["data"]) == 2
    for item in body["data"]:
        img = decode(base64.b64decode(item["b64_json"]))
        assert img.format == "PNG" and img.size == sizes.parse_pixels(size)
        assert img.getpixel((img.width - 1, img.height // 3))[:3] == render.colour_for("a vase")
        assert item["revised_prompt"].startswith("a vase")


def test_qcode_refuses_sizes_outside_its_three_with_422(sim):
    r = post(sim, "/qcode/qcode-img/v1/images/generations", json={"model": "gpt-image-2", "prompt": "x", "size": "2048x2048"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unsupported_size" and r.json()["error"]["type"] == "invalid_request_error"
    # auto is an edits-only size
    r = post(sim, "/qcode/qcode-img/v1/images/generations", json={"model": "gpt-image-2", "prompt": "x", "size": "auto"})
    assert r.status_code == 422


def test_qcode_edit_auto_follows_the_input_shape_and_records_the_repeated_image_field(sim):
    files = [("image", ("a.png", png((400, 600)), "image/png")), ("image", ("b.png", png((300, 300)), "image/png"))]
    r = post(sim, "/qcode/qcode-img/v1/images/edits", data={"model": "gpt-image-2", "prompt": "compose", "size": "auto"},
             files=files)
    assert r.status_code == 200
    assert decode(base64.b64decode(r.json()["data"][0]["b64_json"])).size == (1024, 1536)
    (rec,) = sim.requests("/images/edits")
    assert [(f[0], f[1]) for f in rec.files] == [("image", "a.png"), ("image", "b.png")]
    assert rec.form["size"] == ["auto"] and rec.endpoint == "submit" and rec.provider == "qcode"


def test_a_mask_repaints_only_its_transparent_area(sim):
    prompt = "put a crown on it"
    r = post(sim, "/qcode/qcode-img/v1/images/edits",
             data={"model": "gpt-image-2", "prompt": prompt, "size": "1024x1024", "quality": "high"},
             files=[("image", ("cat.png", png(), "image/png")), ("mask", ("mask.png", quadrant_mask(), "image/png"))])
    assert r.status_code == 200
    img = decode(base64.b64decode(r.json()["data"][0]["b64_json"])).convert("RGB")
    painted = {render.colour_for(prompt), render.stripe_colour(prompt)}
    for xy in ((40, 40), (300, 200), (480, 480)):          # inside the transparent quadrant
        assert img.getpixel(xy) in painted
    for xy in ((700, 100), (100, 700), (900, 900)):        # opaque: the source, untouched
        assert img.getpixel(xy) == (0, 0, 255)


def test_qcode_rejects_a_mask_with_several_images_and_a_mask_without_alpha(sim):
    two = [("image", ("a.png", png(), "image/png")), ("image", ("b.png", png(), "image/png"))]
    r = post(sim, "/qcode/qcode-img/v1/images/edits", data={"model": "gpt-image-2", "prompt": "x"},
             files=two + [("mask", ("m.png", quadrant_mask(), "image/png"))])
    assert r.status_code == 400 and "single-image" in r.json()["error"]["message"]
    r = post(sim, "/qcode/qcode-img/v1/images/edits", data={"model": "gpt-image-2", "prompt": "x"},
             files=two[:1] + [("mask", ("m.png", png(), "image/png"))])
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_mask"


def test_qcode_refuses_a_file_over_25_mb_with_413(sim):
    big = png() + b"\0" * (25 * 1024 * 1024)
    r = post(sim, "/qcode/qcode-img/v1/images/edits", data={"model": "gpt-image-2", "prompt": "x"},
             files=[("image", ("big.png", big, "image/png"))])
    assert r.status_code == 413 and r.json()["error"]["code"] == "image_too_large"


def test_qcode_allows_two_requests_in_flight_per_key_and_refuses_the_third(sim):
    sim.configure(latency=0.6)
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def one():
        r = post(sim, "/qcode/qcode-img/v1/images/generations", json={"model": "gpt-image-2", "prompt": "x"})
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200, 200, 429]
    (refused,) = [r for r in results if r.status_code == 429]
    assert refused.json()["error"] == {"type": "rate_limit_error", "code": "concurrency_exhausted",
                                       "message": refused.json()["error"]["message"]}
    assert sim.stats()["max_in_flight"]["qcode"] == 2
    # Another key has its own two slots.
    assert post(sim, "/qcode/qcode-img/v1/images/generations", json={"model": "gpt-image-2", "prompt": "x"},
                headers={"Authorization": "Bearer cr_test_other"}).status_code == 200


def test_qcode_daily_cap_counts_images_per_key(sim):
    sim.configure(daily_cap=3)
    gen = "/qcode/qcode-img/v1/images/generations"
    assert post(sim, gen, json={"model": "gpt-image-2", "prompt": "x", "n": 2}).status_code == 200
    r = post(sim, gen, json={"model": "gpt-image-2", "prompt": "x", "n": 2})
    assert r.status_code == 429 and r.json()["error"]["code"] == "image_daily_limit"
    assert post(sim, gen, json={"model": "gpt-image-2", "prompt": "x", "n": 1}).status_code == 200
    assert post(sim, gen, json={"model": "gpt-image-2", "prompt": "x"}).status_code == 429


def test_openai_hk_defaults_to_url_results_that_need_no_key(sim):
    r = post(sim, "/openai-hk/v1/images/generations",
             json={"model": "gpt-image-2", "prompt": "a white siamese cat", "size": "1280x720", "quality": "low"})
    assert r.status_code == 200
    item = r.json()["data"][0]
    assert "b64_json" not in item and item["revised_prompt"] == "a white siamese cat"
    assert re.fullmatch(re.escape(sim.url) + r"/openai-hk/files/\d{8}/[0-9a-f-]{36}\.png", item["url"])
    f = httpx.get(item["url"])
    assert f.status_code == 200 and decode(f.content).size == (1280, 720)
    assert sim.requests("/openai-hk/files/")[0].had_auth is False
    assert sim.stats()["file_requests_with_auth"] == 0


def test_openai_hk_b64_carries_the_data_url_prefix_and_usage(sim):
    r = post(sim, "/openai-hk/v1/images/generations",
             json={"model": "gpt-image-2", "prompt": "a white siamese cat", "size": "1024x1024", "quality": "low",
                   "response_format": "b64_json"})
    body = r.json()
    b64 = body["data"][0]["b64_json"]
    assert b64.startswith("data:image/png;base64,")
    assert decode(base64.b64decode(b64.split(",", 1)[1])).size == (1024, 1024)
    # 19 prompt characters → 5 text tokens; low at 1024² → 272 output tokens.
    assert body["usage"] == {"input_tokens": 5, "input_tokens_details": {"image_tokens": 0, "text_tokens": 5},
                             "output_tokens": 272, "total_tokens": 277}


@pytest.mark.parametrize("size,rule", [("1000x1000", "multiples of 16"), ("4096x1024", "3840"),
                                       ("3072x768", "3:1"), ("512x512", "between")])
def test_pixel_rules_answer_400_with_an_openai_error(sim, size, rule):
    for path in ("/openai-hk/v1/images/generations", "/demo/v1/images/generations", "/openai/v1/images/generations"):
        r = post(sim, path, json={"model": "gpt-image-2", "prompt": "x", "size": size})
        assert r.status_code == 400
        assert r.json()["error"]["type"] == "invalid_request_error" and rule in r.json()["error"]["message"]


def test_demo_honours_output_format_and_usage_counts_input_images(sim):
    r = post(sim, "/demo/v1/images/edits", data={"model": "gpt-image-2", "prompt": "abcd", "size": "1536x1024",
                                                 "quality": "medium", "output_format": "jpeg"},
             files=[("image[]", ("a.png", png((1024, 1024)), "image/png"))])
    body = r.json()
    img = decode(base64.b64decode(body["data"][0]["b64_json"]))
    assert img.format == "JPEG" and img.size == (1536, 1024)
    # one 1024² input: 65 + 129 × 4 tiles; medium at 1536×1024 → 1056 × 1.5
    assert body["usage"]["input_tokens_details"] == {"image_tokens": 581, "text_tokens": 1}
    assert body["usage"]["output_tokens"] == 1584
    r = post(sim, "/demo/v1/images/generations", json={"model": "gpt-image-2", "prompt": "x", "output_format": "webp"})
    assert decode(base64.b64decode(r.json()["data"][0]["b64_json"])).format == "WEBP"


def test_references_show_as_thumbnails_along_the_bottom(sim):
    r = post(sim, "/openai/v1/images/edits", data={"model": "gpt-image-2", "prompt": "mix", "size": "1024x1024"},
             files=[("image[]", ("a.png", png((200, 200), (255, 0, 0)), "image/png")),
                    ("image[]", ("b.png", png((200, 200), (0, 255, 0)), "image/png"))])
    img = decode(base64.b64decode(r.json()["data"][0]["b64_json"])).convert("RGB")
    strip = {img.getpixel((x, 1024 - 100)) for x in range(0, 600, 4)}
    assert (255, 0, 0) in strip and (0, 255, 0) in strip


# --- icodeeasy -----------------------------------------------------------------------------------------

def test_icodeeasy_sync_url_redirects_to_the_file_without_a_key(sim):
    r = post(sim, "/icodeeasy/v1/images/generations",
             json={"model": "gpt-image-2", "prompt": "a corgi", "size": "16:9", "resolution": "2k", "n": 2})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"id", "created", "data"}
    urls = [d["url"] for d in body["data"]]
    for seq, url in enumerate(urls, 1):
        assert re.fullmatch(re.escape(sim.url) + rf"/icodeeasy/v1/images/files/gpt-image-2/\d{{8}}/{body['id']}-{seq}\.png", url)
    hop = httpx.get(urls[0])
    assert hop.status_code == 302
    f = httpx.get(urls[0], follow_redirects=True)
    assert f.status_code == 200 and decode(f.content).size == (2048, 1152)
    assert all(not rec.had_auth for rec in sim.requests() if rec.endpoint == "file")


def test_icodeeasy_without_v1_and_multipart_image_upload(sim):
    r = post(sim, "/icodeeasy/images/edits", data={"model": "gpt-image-2", "prompt": "older", "size": "1536x1024"},
             files=[("image[]", ("p.png", png(), "image/png"))])
    assert r.status_code == 200
    f = httpx.get(r.json()["data"][0]["url"], follow_redirects=True)
    assert decode(f.content).size == (1536, 1024)


def test_icodeeasy_async_task_reports_cost_result_url_and_data(sim):
    sim.configure(task_duration=0.3)
    r = post(sim, "/icodeeasy/v1/images/edits?async=1",
             json={"model": "gpt-image-2", "prompt": "p", "quality": "high", "n": 2, "size": "3:4",
                   "image_urls": [data_url(png()), "https://example.com/photo.png"]})
    assert r.status_code == 202
    assert set(r.json()) == {"status", "task_id"} and r.json()["status"] == "pending"
    task_id = r.json()["task_id"]
    seen = wait_task(lambda: get(sim, f"/icodeeasy/v1/images/tasks/{task_id}").json(), lambda b: b["status"] != "pending")
    done = seen[-1]
    assert done["status"] == "completed" and done["cost"] == 0.8 and done["task_id"] == task_id
    assert done["result_url"] == done["data"][0]["url"] and len(done["data"]) == 2
    assert decode(httpx.get(done["result_url"], follow_redirects=True).content).size == (768, 1024)


@pytest.mark.parametrize("refs,needle", [
    (["http://example.com/a.png"], "https"),
    (["data:image/png;base64,@@@not-base64"], "base64"),
    ([f"https://example.com/{i}.png" for i in range(17)], "16"),
])
def test_icodeeasy_rejects_bad_references_with_its_error_shape(sim, refs, needle):
    r = post(sim, "/icodeeasy/v1/images/edits", json={"model": "gpt-image-2", "prompt": "x", "image_urls": refs})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and err["provider"] == "icodeeasy.cc" and needle in err["message"]


# --- gccai ---------------------------------------------------------------------------------------------

def gccai_submit(sim, **body):
    body = {"model": "gpt-image-2-official", "prompt": "castle", **body}
    r = post(sim, "/gccai/v1/images/generations", json=body)
    assert r.status_code == 200, r.text
    (item,) = r.json()["data"]
    assert r.json()["code"] == 200 and item["status"] == "submitted" and item["task_id"].startswith("task_")
    return item["task_id"]


def test_gccai_task_rises_through_its_statuses_to_a_priced_result(sim):
    # Long enough that rendering two 4k images on a loaded machine cannot finish the task before the first poll.
    sim.configure(task_duration=4.0)
    task_id = gccai_submit(sim, size="21:9", resolution="4k", quality="high", n=2)
    seen = wait_task(lambda: get(sim, f"/gccai/v1/tasks/{task_id}").json()["data"],
                     lambda d: d["status"] in ("completed", "failed"))
    statuses = [d["status"] for d in seen]
    assert statuses[0] in ("submitted", "in_progress") and statuses[-1] == "completed"
    assert statuses.index("completed") > 0 and "in_progress" in statuses
    progress = [d["progress"] for d in seen]
    assert progress == sorted(progress) and progress[-1] == 100
    done = seen[-1]
    assert done["cost"] == 1.28 and done["actual_time"] == 4 and done["id"] == task_id
    images = done["result"]["images"]
    assert len(images) == 2 and all(len(i["url"]) == 1 and i["expires_at"] > time.time() for i in images)
    assert decode(httpx.get(images[0]["url"][0]).content).size == (3840, 1648)


def test_gccai_batch_answers_many_tasks_in_one_request(sim):
    sim.configure(task_duration=0)
    ids = [gccai_submit(sim, size="1:1", quality=q) for q in ("low", "medium", "auto")]
    r = post(sim, "/gccai/v1/tasks/batch", json={"task_ids": ids + ["task_unknown"]})
    assert r.status_code == 200 and r.json()["code"] == 200
    data = r.json()["data"]
    assert [d["id"] for d in data] == ids
    assert [d["cost"] for d in data] == [0.01, 0.04, 0.01]
    assert sim.stats()["batch_requests"] == 1 and sim.stats()["batch_task_ids"] == 4


def test_gccai_result_urls_really_expire(sim):
    # A TTL long enough for a loaded machine to fetch once inside it; then wait past it.
    sim.configure(task_duration=0, url_ttl=3.0)
    task_id = gccai_submit(sim)
    data = get(sim, f"/gccai/v1/tasks/{task_id}").json()["data"]
    url = data["result"]["images"][0]["url"][0]
    assert httpx.get(url).status_code == 200
    time.sleep(max(0.0, data["result"]["images"][0]["expires_at"] - time.time()) + 1.2)   # expires_at is whole seconds
    assert httpx.get(url).status_code == 404


def test_gccai_sizes_masks_and_errors(sim):
    sim.configure(task_duration=0)
    task_id = gccai_submit(sim, size="1881x836")
    url = get(sim, f"/gccai/v1/tasks/{task_id}").json()["data"]["result"]["images"][0]["url"][0]
    assert decode(httpx.get(url).content).size == (1881, 836)
    for body, needle in (({"size": "1000x1000"}, "mapping table"), ({"n": "2"}, "number"),
                         ({"mask_url": data_url(quadrant_mask())}, "image_urls"), ({"resolution": "8k"}, "4k")):
        r = post(sim, "/gccai/v1/images/generations", json={"model": "gpt-image-2-official", "prompt": "x", **body})
        assert r.status_code == 400 and r.json()["code"] == 400 and needle in r.json()["message"]
    # a mask must match the first reference image's size
    r = post(sim, "/gccai/v1/images/generations", json={"model": "gpt-image-2-official", "prompt": "x",
             "image_urls": [data_url(png((256, 256)))], "mask_url": data_url(quadrant_mask())})
    assert r.status_code == 400 and "must match" in r.json()["message"]


def test_gccai_inpainting_with_data_urls_repaints_the_masked_area(sim):
    sim.configure(task_duration=0)
    task_id = gccai_submit(sim, size="1:1", image_urls=[data_url(png())], mask_url=data_url(quadrant_mask()))
    url = get(sim, f"/gccai/v1/tasks/{task_id}").json()["data"]["result"]["images"][0]["url"][0]
    img = decode(httpx.get(url).content).convert("RGB")
    assert img.size == (1024, 1024)
    assert img.getpixel((900, 900)) == (0, 0, 255)
    assert img.getpixel((100, 100)) in {render.colour_for("castle"), render.stripe_colour("castle")}


# --- auth and recording --------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer bad_test_key"}, {"Authorization": "Bearer invalid-test"}])
def test_missing_or_bad_keys_get_401_in_each_providers_shape(sim, headers):
    r = post(sim, "/qcode/qcode-img/v1/images/generations", json={"model": "gpt-image-2", "prompt": "x"}, headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    r = post(sim, "/icodeeasy/v1/images/generations", json={"model": "gpt-image-2", "prompt": "x"}, headers=headers)
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    r = post(sim, "/gccai/v1/images/generations", json={"prompt": "x"}, headers=headers)
    assert r.status_code == 401 and r.json()["code"] == 401


def test_recorded_requests_hide_the_key_and_control_routes_work_over_http(sim):
    post(sim, "/demo/v1/images/generations", json={"model": "gpt-image-2", "prompt": "x"})
    (rec,) = sim.requests("/demo/")
    assert rec.headers["authorization"] == "[secure]" and rec.had_auth and rec.status == 200
    assert rec.json == {"model": "gpt-image-2", "prompt": "x"} and KEY.encode() not in repr(rec).encode()
    listed = httpx.get(sim.url + "/_sim/requests", params={"path_contains": "/demo/"}).json()
    assert listed[0]["headers"]["authorization"] == "[secure]" and KEY not in str(listed)

    assert httpx.post(sim.url + "/_sim/config", json={"daily_cap": 1}).json()["daily_cap"] == 1
    assert httpx.post(sim.url + "/_sim/config", json={"nonsense": 1}).status_code == 400
    rules = httpx.post(sim.url + "/_sim/faults", json=[{"kind": "http_500", "times": 1}]).json()
    assert rules[0]["kind"] == "http_500"
    assert post(sim, "/demo/v1/images/generations", json={"model": "gpt-image-2", "prompt": "x"}).status_code == 500
    assert httpx.get(sim.url + "/_sim/stats").json()["faults_fired"] == {"http_500": 1}
    httpx.post(sim.url + "/_sim/reset")
    assert sim.requests() == [] and sim.state.settings.daily_cap == 100


def test_ensure_simulator_honours_the_environment(monkeypatch):
    from easel.simulator import local

    monkeypatch.setenv("EASEL_SIMULATOR_URL", "http://127.0.0.1:9/")
    assert local.ensure_simulator() == "http://127.0.0.1:9"


def test_ensure_simulator_starts_one_per_process_from_any_thread(monkeypatch):
    from easel.simulator import local

    monkeypatch.delenv("EASEL_SIMULATOR_URL", raising=False)
    urls: list[str] = []
    threads = [threading.Thread(target=lambda: urls.append(local.ensure_simulator())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(urls)) == 1
    assert httpx.get(urls[0] + "/_sim/stats").status_code == 200
