"""The generic `openai` provider over loopback HTTP against the simulator, and beside the official `openai`
package: Easel's edits carry the same part names and fields the SDK sends; defaults, `user` and GET /models."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from easel.providers.catalog import BUILTIN, simulated_profile
from easel.providers.client import ProviderClient
from easel.providers.request import ImageInput, ImageRequest, validate

openai = pytest.importorskip("openai")

KEY = "sk-test-wire"


def png(w, h, rgba=(40, 160, 90, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (w, h), rgba).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def easel_client(sim):
    client = ProviderClient(simulated_profile(BUILTIN["openai"], sim.url), KEY)
    yield client
    client.close()


@pytest.fixture
def sdk(sim):
    return openai.OpenAI(base_url=sim.url + "/openai/v1", api_key=KEY, timeout=60, max_retries=0)


@pytest.mark.parametrize("count", [1, 2])
def test_easel_edit_sends_what_the_official_sdk_sends(sim, easel_client, sdk, count):
    inputs = [(f"in{i}.png", png(64 + 16 * i, 64)) for i in range(count)]
    req = ImageRequest("a gift basket", images=[ImageInput.from_bytes(data, name) for name, data in inputs],
                       extras={"input_fidelity": "high", "user": "user-1234"})
    easel_client.generate(req)
    r = validate(req, easel_client.profile)
    image = [(name, data, "image/png") for name, data in inputs]
    sdk.images.edit(image=image[0] if count == 1 else image, prompt=r.prompt, model=r.model, n=r.n, size=r.size,
                    quality=r.quality, input_fidelity="high", user="user-1234")
    mine, theirs = sim.requests("/images/edits")
    assert mine.files == theirs.files
    assert [f[0] for f in mine.files] == (["image"] if count == 1 else ["image[]", "image[]"])
    assert mine.form == theirs.form == {"model": ["gpt-image-2"], "prompt": ["a gift basket"], "n": ["1"],
                                        "size": ["1024x1024"], "quality": ["auto"], "user": ["user-1234"],
                                        "input_fidelity": ["high"]}


def test_generation_with_spec_defaults_sends_auto_and_reports_the_chosen_size(sim, easel_client):
    out = easel_client.generate(ImageRequest("a lighthouse", extras={"moderation": "low", "user": "u-9"}))
    [rec] = sim.requests("/images/generations")
    assert rec.json == {"model": "gpt-image-2", "prompt": "a lighthouse", "n": 1, "size": "auto", "quality": "auto",
                        "user": "u-9", "moderation": "low"}
    # The provider chose; the size comes from the bytes (the simulator's auto without an input is 1024²).
    assert (out.images[0].width, out.images[0].height) == (1024, 1024)


def test_auto_size_edit_reports_the_shape_the_provider_chose(sim, easel_client):
    out = easel_client.generate(ImageRequest("night", size="auto", images=[ImageInput.from_bytes(png(90, 160))]))
    assert sim.requests("/images/edits")[0].form["size"] == ["auto"]
    assert (out.images[0].width, out.images[0].height) == (720, 1280)     # 9:16 in, 9:16 out


def test_model_list_over_http_keeps_image_models_and_asks_once(sim, easel_client):
    assert easel_client.list_models() == ("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2")
    assert easel_client.list_models() == ("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2")
    [rec] = sim.requests("/models")
    assert rec.method == "GET" and rec.path == "/openai/v1/models" and rec.had_auth


def test_the_sdk_reads_the_simulators_model_list(sim, sdk):
    ids = [m.id for m in sdk.models.list()]
    assert ids == ["gpt-image-2", "gpt-image-1.5", "gpt-image-1", "gpt-image-1-mini", "gpt-5", "whisper-1"]


def test_a_model_found_by_listing_is_sent_as_chosen(sim):
    profile = simulated_profile(BUILTIN["openai"], sim.url)
    with ProviderClient(profile, KEY) as client:
        [model] = [m for m in client.list_models() if m not in profile.models]
        client.generate(ImageRequest("a fox", model=model, size="1024x1024", quality="low"))
    assert sim.requests("/images/generations")[0].json["model"] == "gpt-image-1-mini"
