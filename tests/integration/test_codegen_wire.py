"""'View as code' against the wire: every snippet is run against the simulator, and the request that arrives is
compared with the one Easel's own client sends for the same ImageRequest (method, path, query, JSON body, or
multipart text fields, file parts' names, bytes and types).

curl runs through bash where `curl` is on PATH, JavaScript with `node` (v18+: fetch, FormData, Blob) where it is,
the OpenAI SDK snippet where the `openai` package is installed; otherwise that case is skipped with the reason.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest
from PIL import Image

from easel.providers import codegen
from easel.providers.catalog import BUILTIN, PollSchedule, simulated_profile
from easel.providers.client import ProviderClient
from easel.providers.request import ImageInput, ImageRequest, validate

KEY = "sk_test_codegen"
FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.05, deadline_s=3.0)
PROVIDERS = ["demo", "openai", "openai-hk", "qcode", "icodeeasy", "gccai"]
PROMPT = "a fox's \"lamp\" — $HOME `x` ; type=evil @file <in 狐狸"


def _png(w, h, rgba) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (w, h), rgba).save(out, "PNG")
    return out.getvalue()


def _jpeg(w, h) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def _request(pid: str, kind: str) -> ImageRequest:
    profile = BUILTIN[pid]
    if kind == "generation":
        return ImageRequest(prompt=PROMPT, n=2 if profile.n_max > 1 else 1)
    images = [ImageInput.from_bytes(_png(96, 64, (10, 120, 60, 255)), "scene.png")]
    if kind == "edit-2" or profile.mask is None:
        images.append(ImageInput.from_bytes(_jpeg(80, 80), "product.jpg"))
    mask = None
    if kind == "edit" and profile.mask is not None:
        mask = ImageInput.from_bytes(_png(96, 64, (0, 0, 0, 0)), "mask.png")
    extras = {}
    if "input_fidelity" in profile.allowed_extras(edit=True):
        extras["input_fidelity"] = "high"
    if "output_format" in profile.allowed_extras(edit=True):
        extras["output_format"] = "png"
    return ImageRequest(prompt=PROMPT, images=images, mask=mask, extras=extras, edit=True)


def _captured(rec) -> dict:
    out = {"method": rec.method, "path": rec.path, "query": dict(rec.query),
           "kind": "multipart" if rec.content_type.startswith("multipart/") else "json"}
    if out["kind"] == "json":
        out["json"] = rec.json
    else:
        out["form"] = {k: list(v) for k, v in rec.form.items()}
        out["files"] = [(f, data, ctype) for f, _name, data, ctype in rec.files]
    return out


def _posts(sim, before: int) -> list:
    return [r for r in sim.requests()[before:] if r.method == "POST"]


def _easel_sends(sim, profile, req) -> dict:
    before = len(sim.requests())
    with ProviderClient(profile, KEY, sleep=lambda s: None) as client:
        if profile.supports_async and req.async_:
            client.submit(req)
        else:
            client.generate(req)
    (sent,) = _posts(sim, before)
    return _captured(sent)


def _run(snippet, tmp_path, env) -> None:
    if snippet.label == "curl":
        if not shutil.which("curl") or not shutil.which("bash"):
            pytest.skip("curl (and bash) are not on PATH")
        cmd = ["bash", "-e", "-c", snippet.code]
    elif snippet.label == "JavaScript (fetch)":
        if not shutil.which("node"):
            pytest.skip("node is not on PATH")
        (tmp_path / "easel.mjs").write_text(snippet.code, encoding="utf-8")
        cmd = ["node", "easel.mjs"]
    else:
        if snippet.label == "OpenAI SDK":
            pytest.importorskip("openai")
        (tmp_path / "easel_snippet.py").write_text(snippet.code, encoding="utf-8")
        cmd = [sys.executable, "easel_snippet.py"]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (snippet.label, done.stdout[-2000:], done.stderr[-2000:])


CASES = [(pid, kind) for pid in PROVIDERS for kind in ("generation", "edit")] + [("qcode", "edit-2"), ("demo", "edit-2")]
LABELS = ["curl", "Python (httpx)", "OpenAI SDK", "JavaScript (fetch)"]


def _sdk_reason(profile, req: ImageRequest) -> str | None:
    return codegen.sdk_unavailable_reason(profile, codegen.wire_form(profile, req))


# Where the official SDK would send something else (another dialect, or other image part names), View as code
# offers no SDK tab and says why; those cases are checked by the test after this one, not run.
NO_SDK = {case: _sdk_reason(BUILTIN[case[0]], validate(_request(*case), BUILTIN[case[0]])) for case in CASES}
RUNNABLE = [(pid, kind, label) for pid, kind in CASES for label in LABELS
            if not (label == "OpenAI SDK" and NO_SDK[(pid, kind)])]


@pytest.mark.parametrize("pid,kind,label", RUNNABLE)
def test_every_snippet_sends_what_easel_sends(sim, tmp_path, pid, kind, label):
    sim.configure(task_duration=0.2)
    profile = replace(simulated_profile(BUILTIN[pid], sim.url), poll=FAST)
    req = validate(_request(pid, kind), profile)
    expected = _easel_sends(sim, profile, req)
    snippets = {s.label: s for s in codegen.snippets(profile, req)}
    snippet = snippets[label]
    assert KEY not in snippet.code
    for name, data in codegen.snippet_files(req).items():
        (tmp_path / name).write_bytes(data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EASEL_")}
    env[codegen.env_var(profile)] = KEY
    before = len(sim.requests())
    _run(snippet, tmp_path, env)
    (sent,) = _posts(sim, before)
    assert sent.had_auth
    assert _captured(sent) == expected


def test_where_the_sdk_cannot_send_easels_request_there_is_no_sdk_tab_and_the_reason_says_why(sim):
    no_sdk = {case: reason for case, reason in NO_SDK.items() if reason}
    assert set(no_sdk) == {("openai-hk", "edit"), ("icodeeasy", "generation"), ("icodeeasy", "edit"),
                           ("gccai", "generation"), ("gccai", "edit"), ("qcode", "edit-2")}
    assert "'image[]'" in no_sdk[("openai-hk", "edit")] and "'image'" in no_sdk[("qcode", "edit-2")]
    assert "own icodeeasy dialect" in no_sdk[("icodeeasy", "edit")] and "own gccai dialect" in no_sdk[("gccai", "edit")]
    for (pid, kind) in no_sdk:
        profile = simulated_profile(BUILTIN[pid], sim.url)
        labels = [s.label for s in codegen.snippets(profile, validate(_request(pid, kind), profile))]
        assert labels == ["curl", "Python (httpx)", "JavaScript (fetch)"], (pid, kind)


def test_snippets_cover_the_four_languages_where_the_sdk_fits(sim):
    profile = simulated_profile(BUILTIN["qcode"], sim.url)
    req = validate(ImageRequest(prompt="a red kite", quality="low"), profile)
    assert [s.label for s in codegen.snippets(profile, req)] == LABELS
    gccai = simulated_profile(BUILTIN["gccai"], sim.url)
    labels = [s.label for s in codegen.snippets(gccai, validate(ImageRequest(prompt="a red kite"), gccai))]
    assert labels == ["curl", "Python (httpx)", "JavaScript (fetch)"]


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("kind", ["generation", "edit"])
def test_streaming_snippets_send_what_easel_sends_and_save_the_final_image(sim, tmp_path, kind, label):
    profile = simulated_profile(BUILTIN["openai"], sim.url)
    req = validate(replace(_request("openai", kind), n=1, stream=True, partial_images=2), profile)
    before = len(sim.requests())
    with ProviderClient(profile, KEY, sleep=lambda s: None) as client:
        client.generate_stream(req, lambda *a, **k: None)
    (sent,) = _posts(sim, before)
    expected = _captured(sent)
    snippets = {s.label: s for s in codegen.snippets(profile, req)}
    assert list(snippets) == LABELS         # the SDK streams generations and edits alike
    for name, data in codegen.snippet_files(req).items():
        (tmp_path / name).write_bytes(data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EASEL_")}
    env[codegen.env_var(profile)] = KEY
    before = len(sim.requests())
    _run(snippets[label], tmp_path, env)
    (sent,) = _posts(sim, before)
    assert _captured(sent) == expected
    if label != "curl":                 # the others read the events and save the final image
        assert Image.open(tmp_path / "easel-1.png").size == (1024, 1024)
