"""error_from_status on a 422: a code Easel knows gets its words; any other 422 is shown in the provider's own."""

from __future__ import annotations

import httpx
import pytest

from easel.core.errors import BadRequest, error_from_status
from easel.providers.catalog import BUILTIN
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest


def test_a_422_without_a_known_code_is_the_providers_own_message():
    err = error_from_status(422, None, "Invalid value for 'background': transparent needs png or webp",
                            provider="OpenAI-compatible")
    assert type(err) is BadRequest and err.code == "http_422" and err.status == 422
    assert err.message == "Invalid value for 'background': transparent needs png or webp."
    assert "size" not in err.message
    assert err.user_message() == ("OpenAI-compatible: Invalid value for 'background': transparent needs png or webp. "
                                  "[http_422, HTTP 422]")


def test_a_422_with_an_unknown_code_keeps_that_code_and_the_providers_words():
    err = error_from_status(422, "invalid_value", "n must be at most 10.")
    assert err.code == "invalid_value" and err.message == "n must be at most 10."


def test_a_422_with_no_code_and_no_message_says_so_without_guessing():
    err = error_from_status(422, None, None)
    assert err.message == "The provider could not process the request (HTTP 422)." and err.code == "http_422"


def test_qcodes_documented_422_still_names_the_size_rule():
    err = error_from_status(422, "unsupported_size", "size must be one of 1024x1024 / 1024x1536 / 1536x1024.")
    assert err.code == "unsupported_size"
    assert err.message == ("The size is not in the provider's supported set. Provider said: size must be one of "
                           "1024x1024 / 1024x1536 / 1536x1024.")


def test_the_client_shows_an_openai_422_in_the_providers_words():
    def handler(request):
        return httpx.Response(422, json={"error": {"type": "invalid_request_error", "code": None, "param": "prompt",
                                                   "message": "Your prompt was flagged by the safety system"}})

    client = ProviderClient(BUILTIN["openai"], "sk-test", transport=httpx.MockTransport(handler), max_retries=0)
    with pytest.raises(BadRequest) as e:
        client.generate(ImageRequest("a cat"))
    # parse_error falls back to error.type when error.code is null, as OpenAI's bodies have it.
    assert e.value.code == "invalid_request_error"
    assert e.value.message == "Your prompt was flagged by the safety system."
