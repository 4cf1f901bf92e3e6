"""The CLI refuses what the UI refuses, in the same words, before anything is sent; the Demo's --simulate modes;
and no message names one of Easel's internal doc files.

Every command is a separate `python -m easel.cli` process against the real simulator, as in test_cli.py.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from PIL import Image

from easel.core.errors import EaselError, UploadError
from easel.providers.catalog import BUILTIN
from easel.providers.request import ImageInput, ImageRequest, validate
from test_cli import easel, env, one_json  # noqa: F401 - env is a fixture


def png_file(path, size, color=(30, 120, 200, 255)) -> str:
    Image.new("RGBA", size, color).save(path, "PNG")
    return str(path)


@pytest.mark.parametrize("size, rule", [((8000, 8000), "image_over_pixel_cap"), ((4000, 1000), "image_over_max_size")])
def test_an_oversize_image_is_refused_with_the_uis_sentence_and_nothing_is_sent(env, sim, tmp_path, size, rule):
    from components.oversize import limits_problem
    from easel.store import Store

    path = png_file(tmp_path / "big.png", size)
    data = open(path, "rb").read()
    proc = easel(env, "edit", "--provider", "qcode", "--prompt", "make it red", "--image", path, "--json")
    # The sentence the Edit and Generate pages show above their "Downscale" button, for the same file.
    ui_sentence = limits_problem(data, "big.png", BUILTIN["qcode"], size)
    assert ui_sentence is not None
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"Error: {ui_sentence} [{rule}]\n"
    assert sim.requests() == []                       # refused locally: the provider saw nothing
    assert Store().list_jobs() == []                  # and nothing was requested, so nothing is billed or logged


def test_a_mask_of_another_size_is_refused_by_the_cli_and_by_the_pages_submit_alike(env, sim, tmp_path):
    image = png_file(tmp_path / "photo.png", (64, 48))
    mask = png_file(tmp_path / "mask.png", (32, 32), color=(0, 0, 0, 0))
    proc = easel(env, "edit", "--provider", "qcode", "--prompt", "a hat", "--image", image, "--mask", mask)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    expected = ("The mask (mask.png) is 32×32, but image 1 (photo.png) is 64×48: a mask must be the size of the "
                "first image, pixel for pixel.")
    assert proc.stderr == f"Error: {expected} [mask_size_mismatch]\n"
    assert sim.requests() == []

    # The Edit page submits through JobService.submit → validate, the same check with the same sentence.
    req = ImageRequest("a hat", images=[ImageInput.from_path(image)], mask=ImageInput.from_path(mask), edit=True)
    with pytest.raises(UploadError) as err:
        validate(req, BUILTIN["qcode"])
    assert err.value.code == "mask_size_mismatch" and err.value.message == expected

    # The right size passes, and the edit is sent with it.
    good = png_file(tmp_path / "good-mask.png", (64, 48), color=(0, 0, 0, 0))
    ok = easel(env, "edit", "--provider", "qcode", "--prompt", "a hat", "--image", image, "--mask", good,
               "--size", "auto", "--json")
    assert ok.returncode == 0, ok.stderr
    (sent,) = sim.requests("/qcode/qcode-img/v1/images/edits")
    assert [f[0] for f in sent.files] == ["image", "mask"]


def test_demo_simulate_gccai_async_runs_gccais_task_flow_with_no_key(env, sim):
    for name in [n for n in env if n.startswith("EASEL_GCCAI_")]:
        del env[name]                                  # no gccai key or address: the Demo needs neither
    submitted = easel(env, "generate", "--provider", "demo", "--simulate", "gccai", "--prompt", "a paper crane",
                      "--size", "16:9", "--async", "--json")
    assert submitted.returncode == 0, submitted.stderr
    first = one_json(submitted)
    assert (first["provider"], first["status"]) == ("gccai", "pending") and first["task_id"].startswith("task_")
    (sent,) = sim.requests("/gccai/v1/images/generations")
    # gccai.txt's body, on gccai's path: its model name, ratio + resolution.
    assert sent.json["model"] == "gpt-image-2-official" and (sent.json["size"], sent.json["resolution"]) == ("16:9", "1k")

    waited = easel(env, "tasks", "wait", first["task_id"], "--json", "--timeout", "60")
    assert waited.returncode == 0, waited.stderr
    final = one_json(waited)
    assert final["status"] == "completed" and final["job_id"] == first["job_id"]
    assert (final["images"][0]["width"], final["images"][0]["height"]) == (1536, 864)     # gccai.txt 16:9 at 1k
    polls = [r.path for r in sim.requests() if r.endpoint == "poll"]
    assert polls and all(p == f"/gccai/v1/tasks/{first['task_id']}" for p in polls)

    from easel.store import Store

    job = Store().get_job(first["job_id"])
    assert job.simulated == 1 and job.key_fingerprint != ""


def test_demo_simulate_follows_the_played_providers_rules(env, sim):
    proc = easel(env, "generate", "--provider", "demo", "--simulate", "qcode", "--prompt", "x", "--size", "512x512")
    assert proc.returncode == 2
    assert "QCode (simulated) supports only the sizes 1024x1024, 1024x1536, 1536x1024; got 512x512." in proc.stderr
    assert sim.requests() == []
    ok = easel(env, "generate", "--provider", "demo", "--simulate", "icodeeasy", "--prompt", "x", "--size", "3:2",
               "--async", "--json")
    assert ok.returncode == 0, ok.stderr
    assert one_json(ok)["provider"] == "icodeeasy"
    (sent,) = sim.requests("/icodeeasy/v1/images/generations")
    assert sent.query.get("async") == "1"

    wrong = easel(env, "generate", "--provider", "qcode", "--simulate", "gccai", "--prompt", "x")
    assert wrong.returncode == 2 and "use it with --provider demo" in wrong.stderr and "[simulate_needs_demo]" in wrong.stderr


def test_demos_async_message_points_to_simulate_and_names_no_internal_file(env, sim):
    proc = easel(env, "generate", "--provider", "demo", "--prompt", "x", "--async")
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: Demo (offline simulator) answers at once and has no async mode.")
    assert "--simulate gccai" in proc.stderr and "[async_not_supported]" in proc.stderr
    assert ".txt" not in proc.stderr


def _messages_for(profile) -> list[str]:
    """The message of every rule a request can break on this profile (each request breaks one)."""
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (profile.max_upload_bytes + 1)
    img = ImageInput.from_bytes(_png((40, 40)), "a.png")
    requests = [
        ImageRequest("x", n=profile.n_max + 1),
        ImageRequest("x", size="123x77"),
        ImageRequest("x", quality="ultra"),
        ImageRequest("x", async_=True),
        ImageRequest("x", images=[ImageInput.from_bytes(big, "huge.png")]),
        ImageRequest("x", images=[img, img], mask=ImageInput.from_bytes(_png((40, 40)), "m.png")),
        ImageRequest("x", images=[img], mask=ImageInput.from_bytes(_png((20, 20)), "m.png")),
        ImageRequest("x", images=[img] * (profile.max_references + 1)),
        ImageRequest("x", extras={"moderation": "none"}),
    ]
    out = []
    for req in requests:
        try:
            validate(req, profile)
        except EaselError as e:
            out.append(e.user_message())
    return out


def _png(size) -> bytes:
    import io

    buf = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 0)).save(buf, "PNG")
    return buf.getvalue()


def test_no_validation_message_names_an_internal_doc_file():
    from easel.providers import demo_modes

    profiles = list(BUILTIN.values()) + [demo_modes.demo_profile(p, "http://127.0.0.1:9") for p in demo_modes.SIMULATABLE]
    seen = 0
    for profile in profiles:
        for message in _messages_for(profile):
            seen += 1
            assert ".txt" not in message, (profile.id, message)
            assert "openai-hk" not in message or profile.id == "openai-hk", (profile.id, message)
    assert seen >= 5 * len(profiles)


def test_without_a_simulator_url_demo_tasks_live_on_a_background_simulator_shared_by_shells(env, easel_data_dir):
    del env["EASEL_SIMULATOR_URL"]
    submitted = easel(env, "generate", "--provider", "demo", "--simulate", "gccai", "--prompt", "a kite", "--async",
                      "--json")
    state_path = easel_data_dir / "simulator.json"
    try:
        assert submitted.returncode == 0, submitted.stderr
        assert "Started Easel's simulator in the background" in submitted.stderr
        first = one_json(submitted)
        state = json.loads(state_path.read_text())
        # The submitting process has exited; its task is still served, and a second shell finishes it.
        waited = easel(env, "tasks", "wait", first["job_id"][:8], "--json", "--timeout", "60")
        assert waited.returncode == 0, waited.stderr
        assert one_json(waited)["status"] == "completed"
        again = easel(env, "generate", "--provider", "demo", "--simulate", "gccai", "--prompt", "again", "--async")
        assert again.returncode == 0 and "Started" not in again.stderr           # the same simulator, reused
        assert json.loads(state_path.read_text()) == state
    finally:
        if state_path.exists():
            pid = json.loads(state_path.read_text())["pid"]
            os.kill(pid, signal.SIGINT)                 # the process this test started, by its id
            deadline = time.monotonic() + 20
            while state_path.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not state_path.exists()              # it cleaned up after itself on the way out
