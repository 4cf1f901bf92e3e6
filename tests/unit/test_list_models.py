"""ProviderClient.list_models: GET /models where the spec documents it, image models only, asked once per client."""

from __future__ import annotations

import httpx
import pytest

from easel.core.errors import AuthError, TransportError
from easel.providers.catalog import BUILTIN, custom_profile
from easel.providers.client import ProviderClient

LISTING = {"object": "list", "data": [
    {"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "system"},
    {"id": "gpt-image-2", "object": "model", "created": 1, "owned_by": "system"},
    {"id": "dall-e-3", "object": "model", "created": 1, "owned_by": "system"},
    {"id": "chatgpt-image-latest", "object": "model", "created": 1, "owned_by": "system"},
    {"id": "whisper-1", "object": "model", "created": 1, "owned_by": "system"},
    {"object": "model"},                                   # no id: skipped, not a crash
]}


def recording(reply):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return reply(request)

    return seen, httpx.MockTransport(handler)


def test_openai_lists_its_image_models_with_one_authorized_get():
    seen, transport = recording(lambda r: httpx.Response(200, json=LISTING))
    client = ProviderClient(BUILTIN["openai"], "sk-abc", transport=transport)
    assert client.list_models() == ("chatgpt-image-latest", "dall-e-3", "gpt-image-2")
    assert client.list_models() == ("chatgpt-image-latest", "dall-e-3", "gpt-image-2")
    [request] = seen                                      # the second call is answered from the client
    assert request.method == "GET" and str(request.url) == "https://api.openai.com/v1/models"
    assert request.headers["authorization"] == "Bearer sk-abc" and request.content == b""


def test_a_custom_openai_compatible_base_gets_models_under_its_own_path():
    seen, transport = recording(lambda r: httpx.Response(200, json=LISTING))
    profile = custom_profile("gw", "https://gw.example.com/openai/v1", "openai", register=False)
    ProviderClient(profile, "k", transport=transport).list_models()
    assert [str(r.url) for r in seen] == ["https://gw.example.com/openai/v1/models"]


@pytest.mark.parametrize("profile_id", ["qcode", "openai-hk", "icodeeasy", "gccai"])
def test_providers_without_a_documented_model_list_are_never_asked(profile_id):
    seen, transport = recording(lambda r: httpx.Response(200, json=LISTING))
    assert ProviderClient(BUILTIN[profile_id], "k", transport=transport).list_models() == ()
    assert seen == []


def test_a_refused_model_list_is_mapped_and_remembered_without_asking_again():
    seen, transport = recording(lambda r: httpx.Response(
        401, json={"error": {"type": "invalid_request_error", "code": "invalid_api_key",
                             "message": "Incorrect API key provided: sk-abc."}}))
    client = ProviderClient(BUILTIN["openai"], "sk-abc", transport=transport)
    for _ in range(2):
        with pytest.raises(AuthError) as e:
            client.list_models()
        assert e.value.code == "invalid_api_key" and "sk-abc" not in e.value.message
    assert len(seen) == 1


def test_an_unreachable_model_list_is_one_attempt_with_a_short_timeout():
    timeouts = []

    def handler(request):
        timeouts.append(request.extensions["timeout"])
        raise httpx.ConnectError("refused")

    client = ProviderClient(BUILTIN["openai"], "sk-abc", transport=httpx.MockTransport(handler), max_retries=2)
    with pytest.raises(TransportError, match="model list of OpenAI-compatible could not be fetched"):
        client.list_models()
    assert timeouts == [{"connect": 10.0, "read": 10.0, "write": 10.0, "pool": 10.0}]
