"""The generic `openai` provider against OpenAI's published spec (openai/openai-openapi), and the resellers
against their own docs: image part names, the exact fields each endpoint gets, defaults, `user`, typed models.

Spec readings (openapi.yaml): CreateImageRequest (JSON generations) has prompt, model, n, quality (default
auto), response_format, output_format, output_compression, stream, partial_images, size (default auto),
moderation, background, style, user; no input_fidelity. CreateImageEditRequest (multipart edits) has image
("a binary or an array of binaries"), prompt, mask, background, model, n, size (default 1024x1024),
response_format, output_format, output_compression, user, input_fidelity, stream, partial_images, quality
(default auto); no moderation.
"""

from __future__ import annotations

import io
import json
from email.parser import BytesParser
from email.policy import HTTP

import pytest
from PIL import Image

from easel.core.errors import ValidationError
from easel.providers.catalog import BUILTIN, custom_profile
from easel.providers.dialects import get_dialect
from easel.providers.request import ImageInput, ImageRequest, validate


def png(w=8, h=8, color=(200, 30, 30, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (w, h), color).save(out, "PNG")
    return out.getvalue()


def multipart(request) -> list[tuple[str, str | None, bytes, str]]:
    """(field, filename, bytes, content type) for every part, in wire order."""
    ctype = request.headers["content-type"]
    assert ctype.startswith("multipart/form-data; boundary=")
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + request.content)
    return [(part.get_param("name", header="content-disposition"), part.get_filename(),
             part.get_payload(decode=True), part.get_content_type()) for part in msg.iter_parts()]

# Every extra Easel knows, set, so each endpoint's filter has something to drop.
EVERY_EXTRA = {"background": "opaque", "output_format": "webp", "output_compression": 70,
               "input_fidelity": "high", "moderation": "low", "user": "user-1234"}


def wire(profile, req):
    """What the dialect sends for an already-resolved request (validation skipped, so only the dialect's own
    per-endpoint filter stands between an extra and the wire)."""
    r = req.resolved(profile)
    return get_dialect(profile.dialect).build_submit(profile, r, profile.base_url, async_=False)


def field_names(request) -> list[str]:
    if request.headers["content-type"] == "application/json":
        return list(json.loads(request.content))
    return [p[0] for p in multipart(request)]


def edit_req(n_images=1, **kw):
    return ImageRequest("add a crown", images=[ImageInput.from_bytes(png(8 + i, 8), f"{i}.png") for i in range(n_images)],
                        **kw)


# --- image part names ------------------------------------------------------------------------------

@pytest.mark.parametrize("profile_id, count, expected", [
    # openai 3.x: one file → `image`; a list → `image[]` per part (extract_files, array_format="brackets").
    ("openai", 1, ["image"]),
    ("openai", 2, ["image[]", "image[]"]),
    ("openai", 3, ["image[]", "image[]", "image[]"]),
    ("demo", 1, ["image"]),
    # openai-hk.txt shows only `-F "image[]=@..."`, so even one image goes as `image[]`.
    ("openai-hk", 1, ["image[]"]),
    ("openai-hk", 2, ["image[]", "image[]"]),
    # qcode.txt: "repeat the same field name: -F image=@a.png -F image=@b.png".
    ("qcode", 1, ["image"]),
    ("qcode", 2, ["image", "image"]),
])
def test_image_parts_are_named_as_each_doc_or_the_sdk_sends_them(profile_id, count, expected):
    parts = multipart(wire(BUILTIN[profile_id], edit_req(count, size="1024x1024")))
    assert [p[0] for p in parts if p[1] and p[0] != "mask"] == expected
    assert [p[1] for p in parts if p[1] and p[0] != "mask"] == [f"{i}.png" for i in range(count)]


def test_openai_single_image_edit_with_mask_exact_parts():
    a, m = png(16, 16), png(16, 16, (0, 0, 0, 0))
    profile = BUILTIN["openai"]
    req = get_dialect("openai").build_submit(profile, validate(ImageRequest(
        "put a crown on the cat", images=[ImageInput.from_bytes(a, "cat.png")], mask=ImageInput.from_bytes(m)),
        profile), profile.base_url)
    assert str(req.url) == "https://api.openai.com/v1/images/edits"
    assert multipart(req) == [
        ("model", None, b"gpt-image-2", "text/plain"),
        ("prompt", None, b"put a crown on the cat", "text/plain"),
        ("n", None, b"1", "text/plain"),
        ("size", None, b"1024x1024", "text/plain"),      # the spec's edit default
        ("quality", None, b"auto", "text/plain"),        # the spec's default on both endpoints
        ("image", "cat.png", a, "image/png"),
        ("mask", "mask.png", m, "image/png"),
    ]


def test_a_custom_openai_compatible_provider_follows_the_sdk_too():
    profile = custom_profile("my-gw", "https://gw.example.com/v1", "openai", register=False)
    assert [p[0] for p in multipart(wire(profile, edit_req(1))) if p[1]] == ["image"]
    assert [p[0] for p in multipart(wire(profile, edit_req(2))) if p[1]] == ["image[]", "image[]"]


# --- exact field sets per endpoint per provider -------------------------------------------------------

@pytest.mark.parametrize("profile_id, edit, expected", [
    ("openai", False, ["model", "prompt", "n", "size", "quality",
                       "background", "output_format", "output_compression", "user", "moderation"]),
    ("openai", True, ["model", "prompt", "n", "size", "quality",
                      "background", "output_format", "output_compression", "user", "input_fidelity", "image"]),
    ("demo", False, ["model", "prompt", "n", "size", "quality",
                     "background", "output_format", "output_compression", "user", "moderation"]),
    ("demo", True, ["model", "prompt", "n", "size", "quality",
                    "background", "output_format", "output_compression", "user", "input_fidelity", "image"]),
    # qcode.txt: generations take the five fields of its table; edits add its extras and `user`.
    ("qcode", False, ["model", "prompt", "n", "size", "quality"]),
    ("qcode", True, ["model", "prompt", "n", "size", "quality",
                     "background", "output_format", "output_compression", "input_fidelity", "user", "image"]),
    # openai-hk.txt lists model, prompt, n, size, quality, image, response_format and nothing else.
    ("openai-hk", False, ["model", "prompt", "n", "size", "quality", "response_format"]),
    ("openai-hk", True, ["model", "prompt", "n", "size", "quality", "response_format", "image[]"]),
])
def test_each_endpoint_gets_exactly_the_fields_its_doc_lists(profile_id, edit, expected):
    profile = BUILTIN[profile_id]
    size = "1024x1024"
    req = edit_req(1, size=size, extras=dict(EVERY_EXTRA)) if edit else ImageRequest("p", size=size,
                                                                                     extras=dict(EVERY_EXTRA))
    assert field_names(wire(profile, req)) == expected


def test_openai_generation_json_carries_moderation_and_user_but_no_input_fidelity():
    req = wire(BUILTIN["openai"], ImageRequest("a cat", extras={"moderation": "low", "user": "user-1234",
                                                                "input_fidelity": "high"}))
    assert req.content == (b'{"model":"gpt-image-2","prompt":"a cat","n":1,"size":"auto","quality":"auto",'
                           b'"user":"user-1234","moderation":"low"}')


def test_openai_edit_multipart_carries_input_fidelity_and_user_but_no_moderation():
    parts = multipart(wire(BUILTIN["openai"], edit_req(1, extras={"moderation": "low", "user": "u-7",
                                                                  "input_fidelity": "high"})))
    fields = [(p[0], p[2]) for p in parts if not p[1]]
    assert fields == [("model", b"gpt-image-2"), ("prompt", b"add a crown"), ("n", b"1"), ("size", b"1024x1024"),
                      ("quality", b"auto"), ("user", b"u-7"), ("input_fidelity", b"high")]


@pytest.mark.parametrize("profile_id, edit, extra, message", [
    ("openai", False, {"input_fidelity": "high"}, "OpenAI-compatible takes input_fidelity on edits only."),
    ("openai", True, {"moderation": "low"}, "OpenAI-compatible takes moderation on generations only."),
    ("qcode", False, {"user": "u1"}, "QCode takes user on edits only."),
    ("openai-hk", False, {"user": "u1"}, "openai-hk does not take user."),
    ("openai-hk", True, {"input_fidelity": "high"}, "openai-hk does not take input_fidelity."),
])
def test_validation_names_the_endpoint_an_extra_belongs_to(profile_id, edit, extra, message):
    req = edit_req(1, size="1024x1024", extras=extra) if edit else ImageRequest("p", size="1024x1024", extras=extra)
    with pytest.raises(ValidationError) as e:
        validate(req, BUILTIN[profile_id])
    assert e.value.code == "unsupported_option" and e.value.message == message


@pytest.mark.parametrize("value", ["a\nb", "x" * 257, 42])
def test_user_must_be_one_printable_line(value):
    with pytest.raises(ValidationError, match="one line of printable text, at most 256") as e:
        validate(ImageRequest("p", extras={"user": value}), BUILTIN["openai"])
    assert e.value.code == "invalid_option"


# --- defaults ---------------------------------------------------------------------------------------

def test_openai_defaults_are_the_specs():
    profile = BUILTIN["openai"]
    gen = validate(ImageRequest("p"), profile)
    edit = validate(edit_req(1), profile)
    assert (gen.size, gen.quality) == ("auto", "auto")
    assert (edit.size, edit.quality) == ("1024x1024", "auto")
    assert json.loads(wire(profile, ImageRequest("p")).content)["size"] == "auto"


def test_resellers_keep_their_documented_defaults():
    assert validate(ImageRequest("p"), BUILTIN["qcode"]).size == "1024x1024"       # qcode.txt table
    assert validate(ImageRequest("p"), BUILTIN["qcode"]).quality == "medium"
    assert validate(ImageRequest("p"), BUILTIN["openai-hk"]).size == "1024x1024"


# --- models -----------------------------------------------------------------------------------------

def test_a_typed_model_name_goes_on_the_wire_as_typed_where_the_doc_leaves_it_open():
    profile = BUILTIN["openai"]
    r = validate(ImageRequest("p", model="gpt-image-2-2026-04-21"), profile)
    assert json.loads(wire(profile, r).content)["model"] == "gpt-image-2-2026-04-21"
    custom = custom_profile("gw", "https://gw.example.com/v1", "openai", register=False)
    assert validate(ImageRequest("p", model="flux-1.1/pro"), custom).model == "flux-1.1/pro"


def test_a_typed_model_name_with_spaces_is_refused_with_the_rule():
    with pytest.raises(ValidationError, match="letters, digits") as e:
        validate(ImageRequest("p", model="gpt image 2"), BUILTIN["openai"])
    assert e.value.code == "invalid_model_name"


@pytest.mark.parametrize("profile_id", ["qcode", "openai-hk", "gccai", "icodeeasy"])
def test_providers_whose_doc_fixes_the_models_still_refuse_other_names(profile_id):
    with pytest.raises(ValidationError) as e:
        validate(ImageRequest("p", model="gpt-image-9"), BUILTIN[profile_id])
    assert e.value.code == "unsupported_model"


def test_only_providers_that_document_get_models_ask_for_it():
    assert {p.id for p in BUILTIN.values() if p.models_endpoint} == {"openai", "demo"}
