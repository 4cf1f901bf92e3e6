"""errors_view.error_parts: the plain words first, the machine code apart; the same split from an EaselError and
from the string its user_message() (or the usage log's error_message) became."""

from __future__ import annotations

import pytest

from components.errors_view import error_parts
from easel.core.errors import (ConfigError, EaselError, ResponseError, TaskFailed, TransportError,
                               error_from_status)

ERRORS = [
    error_from_status(429, "image_daily_limit", None, provider="QCode"),
    error_from_status(401, "invalid_api_key", "Invalid token", provider="openai-hk"),
    error_from_status(524, None, None, provider="QCode"),
    error_from_status(418, None, "teapot", provider="gccai"),
    ConfigError("Base URL must start with https:// or http://; got 'ftp://x'.", code="bad_base_url"),
    ResponseError("The image is over the safety cap of 64 megapixels.", code="decompression_bomb", provider="QCode"),
    TransportError("Could not reach the provider after 3 attempts.", provider="icodeeasy"),
    TaskFailed("The task failed: upstream said no [sic].", provider="gccai"),
    error_from_status(500, "server_error", "line one\n  line two", provider="QCode"),
]


def test_an_easel_error_leads_with_words_and_keeps_the_code_apart():
    message, code = error_parts(error_from_status(429, "image_daily_limit", None, provider="QCode"))
    assert message.startswith("QCode: This key reached its daily image cap")
    assert code == "image_daily_limit · HTTP 429"
    assert "[" not in message and "image_daily_limit" not in message

    message, code = error_parts(ResponseError("The image is over the safety cap.", code="decompression_bomb"))
    assert (message, code) == ("The image is over the safety cap.", "decompression_bomb")


@pytest.mark.parametrize("err", ERRORS, ids=[e.code for e in ERRORS])
def test_the_stored_string_splits_exactly_like_the_error(err: EaselError):
    assert error_parts(err.user_message()) == error_parts(err)


@pytest.mark.parametrize("text,expected", [
    ("No API key: type one", ("No API key: type one", "")),
    ("Cancelled before it was sent; nothing was billed. [cancelled]",
     ("Cancelled before it was sent; nothing was billed.", "cancelled")),
    ("Unsupported size [1024x1024]", ("Unsupported size [1024x1024]", "")),      # not a code: starts with a digit
    ("a [bracket] in the middle, then words", ("a [bracket] in the middle, then words", "")),
    ("[only_a_code]", ("[only_a_code]", "")),                                    # nothing to lead with: all message
    ("  spread\nover   lines [x_code, HTTP 503]  ", ("spread over lines", "x_code · HTTP 503")),
    ("", ("", "")),
])
def test_strings(text, expected):
    assert error_parts(text) == expected


def test_anything_else_is_its_str():
    assert error_parts(ValueError("boom")) == ("boom", "")
    assert error_parts(None) == ("", "")
