"""codegen and the API reference are read back from the dialects' own requests, so they follow any change there;
the error-code tables are the docs' own."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from PIL import Image

from easel.providers import api_reference, codegen, error_codes
from easel.providers.catalog import BUILTIN
from easel.providers.dialects import openai as openai_dialect
from easel.providers.request import ImageInput, ImageRequest, validate

DOCS = Path(__file__).resolve().parents[2].parent / "shared" / "providers"


def _png(mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (16, 16)).save(out, "PNG")
    return out.getvalue()


def test_a_field_the_dialect_starts_sending_appears_in_every_snippet_and_the_table(monkeypatch):
    original = openai_dialect.build_submit

    def with_user(profile, req, base_url, *, async_=False):
        request = original(profile, req, base_url, async_=async_)
        if req.is_edit:
            return request
        import json

        body = json.loads(request.content) | {"user": "easel-user-42"}
        return httpx.Request(request.method, request.url, json=body, headers={"Content-Type": "application/json"})

    monkeypatch.setattr(openai_dialect, "build_submit", with_user)
    profile = BUILTIN["qcode"]
    req = validate(ImageRequest(prompt="a kite"), profile)
    for snippet in codegen.snippets(profile, req):
        assert "easel-user-42" in snippet.code, snippet.label
    rows = {r.name: r for r in api_reference.parameter_rows(profile, edit=False)}
    assert rows["user"].default == "easel-user-42" and rows["user"].type == "string"


def test_multipart_parts_are_read_back_in_order_with_the_files_they_came_from():
    profile = BUILTIN["qcode"]
    a, b = ImageInput.from_bytes(_png(), "a.png"), ImageInput.from_bytes(_png("L"), "b.png")
    req = validate(ImageRequest(prompt="x; type=y", images=[a, b], edit=True), profile)
    form = codegen.wire_form(profile, req)
    assert form.multipart and form.url == "https://api.qcode.cc/qcode-img/v1/images/edits"
    assert form.fields == [("model", "gpt-image-2"), ("prompt", "x; type=y"), ("n", "1"), ("size", "1024x1024"),
                           ("quality", "auto")]
    assert [(p.field, p.filename, p.mime) for p in form.files] == [("image", "input-1.png", "image/png"),
                                                                  ("image", "input-2.png", "image/png")]
    assert codegen.snippet_files(req) == {"input-1.png": a.data, "input-2.png": b.data}
    assert "OpenAI SDK" not in [s.label for s in codegen.snippets(profile, req)]
    assert "'image[]'" in codegen.sdk_unavailable_reason(profile, form)


def test_json_uploads_become_file_reads_and_shell_text_stays_literal():
    profile = BUILTIN["gccai"]
    req = validate(ImageRequest(prompt="cost $5 `now`", images=[ImageInput.from_bytes(_png(), "a.png")]), profile)
    curl = codegen.snippets(profile, req)[0].code
    assert "base64 < input-1.png" in curl and "data:image/png;base64,iVBOR" not in curl
    assert '"prompt": "cost \\$5 \\`now\\`"' in curl            # escaped for the unquoted heredoc


def test_the_parameter_table_follows_the_entry_and_the_wire():
    profile = BUILTIN["qcode"]
    rows = {r.name: r for r in api_reference.parameter_rows(profile, edit=True)}
    names = list(rows)
    # Every field the provider takes on edits, and nothing else: the core five, its options, the files.
    assert names[:5] == ["model", "prompt", "n", "size", "quality"] and names[-2:] == ["image", "mask"]
    assert set(names[5:-2]) == set(profile.allowed_extras(edit=True))
    assert rows["quality"].allowed == "auto / low / medium / high" and rows["quality"].default == "medium"
    assert rows["size"].default == "auto"                   # as the Edit page starts: the source's shape
    assert rows["input_fidelity"].default == "not sent (provider default)"
    assert rows["image"].type == "file" and rows["image"].allowed.startswith("1–8 PNG / JPEG / WebP files, each ≤ 25 MB")
    cdn = {r.name: r for r in api_reference.parameter_rows(profile, edit=False, base_url="https://eu.qcode.cc/qcode-img/v1")}
    assert cdn["quality"].default == "low" and "input_fidelity" not in cdn
    assert all(rows[n].type == "string" for n in names[5:-2] if n not in ("output_compression",))
    gccai = {r.name: r for r in api_reference.parameter_rows(BUILTIN["gccai"], edit=True)}
    assert gccai["image_urls"].type == "array" and "mask_url" in gccai
    icodeeasy = [r.name for r in api_reference.parameter_rows(BUILTIN["icodeeasy"], edit=False)]
    assert icodeeasy[-1] == "async (query)"


@pytest.mark.skipif(not (DOCS / "qcode.txt").exists(), reason="the provider docs are not beside the repository")
@pytest.mark.parametrize("pid", ["qcode", "icodeeasy"])
def test_every_error_code_is_in_its_doc(pid):
    profile = BUILTIN[pid]
    text = " ".join((DOCS / profile.doc).read_text(encoding="utf-8").split())
    codes = error_codes.error_codes(profile)
    assert codes
    for c in codes:
        if c.code == "cdn_timeout_524":          # Easel's name for the CDN's plain-text 524, which the doc describes
            assert "forcibly returns 524" in text
            continue
        if pid == "qcode":
            assert f"{c.status} {c.code} {c.meaning}" in text, c
        else:
            assert re.search(rf"{c.status}\S* {c.code}" if c.status < 500 else r"5xx:", text), c


def test_providers_without_documented_codes_say_so():
    assert error_codes.error_codes(BUILTIN["gccai"]) == ()
    assert error_codes.error_shape(BUILTIN["gccai"]).startswith("gccai.txt lists no error codes")


def test_a_streaming_request_gets_snippets_that_read_server_sent_events(monkeypatch, tmp_path):
    """When a dialect sends stream: true, the snippets read events instead of one JSON answer (and still parse)."""
    import json
    import shutil
    import subprocess

    original = openai_dialect.build_submit

    def streaming(profile, req, base_url, *, async_=False):
        request = original(profile, req, base_url, async_=async_)
        body = json.loads(request.content) | {"stream": True, "partial_images": 2}
        return httpx.Request(request.method, request.url, json=body, headers={"Content-Type": "application/json"})

    monkeypatch.setattr(openai_dialect, "build_submit", streaming)
    profile = BUILTIN["openai"]
    snippets = {s.label: s.code for s in codegen.snippets(profile, validate(ImageRequest(prompt="a kite"), profile))}
    assert "httpx.stream(" in snippets["Python (httpx)"] and "for event in result:" in snippets["OpenAI SDK"]
    assert 'line.startsWith("data:")' in snippets["JavaScript (fetch)"]
    for label in ("Python (httpx)", "OpenAI SDK"):
        compile(snippets[label], label, "exec")
    if shutil.which("node"):
        (tmp_path / "s.mjs").write_text(snippets["JavaScript (fetch)"], encoding="utf-8")
        done = subprocess.run(["node", "--check", str(tmp_path / "s.mjs")], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
