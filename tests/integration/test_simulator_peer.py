"""Peer check: the official `openai` package accepts the simulator's answers as it would the real providers'.

If the SDK parses them, the simulator's wire shapes are OpenAI-compatible and not just Easel-compatible.
"""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

openai = pytest.importorskip("openai")

BASES = {"qcode": ("/qcode/qcode-img/v1", "cr_test_peer"), "openai-hk": ("/openai-hk/v1", "hk-test-peer"),
         "openai": ("/openai/v1", "sk-test-peer")}


def client(sim, provider):
    path, key = BASES[provider]
    return openai.OpenAI(base_url=sim.url + path, api_key=key, timeout=60, max_retries=0)


def image_of(b64: str) -> Image.Image:
    if b64.startswith("data:"):        # openai-hk's doc shows a data-URL prefix; Easel strips it
        b64 = b64.split(",", 1)[1]
    img = Image.open(io.BytesIO(base64.b64decode(b64)))
    img.load()
    return img


def png(size, colour=(0, 128, 0), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour if mode == "RGB" else colour + (0,)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("provider,size", [("qcode", "1536x1024"), ("openai-hk", "1024x1536"), ("openai", "1280x720")])
def test_the_sdk_parses_generations(sim, provider, size):
    extra = {"response_format": "b64_json"} if provider == "openai-hk" else {}
    result = client(sim, provider).images.generate(model="gpt-image-2", prompt="a cyberpunk street", size=size,
                                                   quality="low", n=2, **extra)
    assert len(result.data) == 2
    assert image_of(result.data[0].b64_json).size == tuple(int(v) for v in size.split("x"))
    if provider == "qcode":
        assert result.usage is None and result.data[0].revised_prompt
    else:
        assert result.usage.output_tokens > 0 and result.usage.input_tokens_details.text_tokens == 5


@pytest.mark.parametrize("provider", ["qcode", "openai-hk", "openai"])
def test_the_sdk_parses_edits_with_a_mask(sim, provider):
    extra = {"response_format": "b64_json"} if provider == "openai-hk" else {}
    result = client(sim, provider).images.edit(
        model="gpt-image-2", image=("cat.png", png((600, 400)), "image/png"),
        mask=("mask.png", png((600, 400), (0, 0, 0), mode="RGBA"), "image/png"),
        prompt="put a tiny crown on the cat", size="1024x1024", quality="high",
        extra_body={"input_fidelity": "high"}, **extra)
    img = image_of(result.data[0].b64_json).convert("RGB")
    assert img.size == (1024, 1024)
    # The mask is transparent everywhere, so nothing of the green source survives.
    assert img.getpixel((512, 600)) != (0, 128, 0)
    (sent,) = sim.requests("/images/edits")
    assert [f[0] for f in sent.files] == ["image", "mask"] and sent.form["input_fidelity"] == ["high"]


def test_the_sdk_sends_several_images_as_image_array(sim):
    result = client(sim, "openai").images.edit(
        model="gpt-image-2", image=[("a.png", png((300, 300)), "image/png"), ("b.png", png((300, 300)), "image/png")],
        prompt="a gift basket", size="1024x1024")
    assert image_of(result.data[0].b64_json).size == (1024, 1024)
    (sent,) = sim.requests("/images/edits")
    assert [f[0] for f in sent.files] == ["image[]", "image[]"]


def test_the_sdk_raises_its_own_errors_from_the_simulators_error_bodies(sim):
    sim.set_faults([{"kind": "http_429_daily", "times": 1}])
    with pytest.raises(openai.RateLimitError) as err:
        client(sim, "qcode").images.generate(model="gpt-image-2", prompt="x", size="1024x1024")
    assert err.value.code == "image_daily_limit"
    with pytest.raises(openai.UnprocessableEntityError):
        client(sim, "qcode").images.generate(model="gpt-image-2", prompt="x", size="2048x2048")
