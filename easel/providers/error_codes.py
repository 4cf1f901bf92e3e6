"""Each provider's documented error codes, as data for the inline API reference: (HTTP status, code, meaning).

Transcribed from the provider docs in ../shared/providers/, in the docs' own order. Where a doc lists none, the
table is empty and `error_shape` says what an error looks like there instead, so the reference never invents a
code a provider does not send.

Meanings and shapes are English message ids (marked with N_): a page shows them with `_(row.meaning)` /
`_(error_shape(profile))`, in the viewer's language; the codes themselves are never translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from easel.core.i18n import N_
from easel.providers.catalog import Profile

__all__ = ["ErrorCode", "error_codes", "error_shape"]


@dataclass(frozen=True)
class ErrorCode:
    status: int
    code: str
    meaning: str


# qcode.txt, "Error responses", then "CDN 100 s hard limit (524 errors)": the 524 comes from the CDN as plain
# text, not in QCode's JSON, so its code is the one Easel gives it (easel.core.errors, cdn_timeout_524).
_QCODE = (
    ErrorCode(401, "invalid_api_key", N_("API key invalid or disabled")),
    ErrorCode(401, "key_expired", N_("API key expired")),
    ErrorCode(413, "image_too_large", N_("Single file > 25 MB, or total across files > 200 MB")),
    ErrorCode(422, "unsupported_size", N_("size not in the supported set")),
    ErrorCode(429, "crs_daily_exhausted", N_("Daily account budget reached")),
    ErrorCode(429, "crs_total_exhausted", N_("Lifetime account budget reached")),
    ErrorCode(429, "image_daily_limit", N_("Per-key daily 100-image cap reached (shared between generations and edits; "
                                            "raise on request)")),
    ErrorCode(429, "concurrency_exhausted", N_("Per-key 2-concurrency cap reached (raise on request)")),
    ErrorCode(503, "service_overloaded", N_("Global service load is high — retry later")),
    ErrorCode(503, "image_provider_unavailable", N_("Upstream temporarily unavailable — retry later")),
    ErrorCode(524, "cdn_timeout_524", N_("The CDN cut a request that waited over 100 s (CDN entries; medium / high "
                                      "quality). Use the direct entry, or low quality")),
)

# icodeeasy.txt, "Error Response": the code travels as error.type.
_ICODEEASY = (
    ErrorCode(400, "invalid_request_error", N_("Invalid parameters, unsupported ratio, more than 16 reference images, "
                                            "non-https reference URL, invalid base64, and similar issues")),
    ErrorCode(401, "authentication_error", N_("Missing or invalid API Key")),
    ErrorCode(402, "payment_required", N_("Insufficient balance or exhausted monthly quota")),
    ErrorCode(429, "rate_limit_error", N_("Rate limit exceeded")),
    ErrorCode(500, "server_error", N_("5xx: service temporarily unavailable or generation failed; retry later")),
)

_BY_DOC = {"qcode.txt": _QCODE, "icodeeasy.txt": _ICODEEASY}

_SHAPES = {
    "qcode.txt": N_('Errors follow the OpenAI schema: {"error": {"type", "code", "message"}}. Failed requests are not '
                 "billed."),
    "icodeeasy.txt": N_('Errors come as {"error": {"type", "message", "provider": "icodeeasy.cc"}}; the type is the '
                     "code. Failed requests are not billed."),
    "gccai.txt": N_('gccai.txt lists no error codes: an error comes as {"code": <HTTP status>, "message"}, and a task '
                 "that fails reports status failed with a reason. Easel shows the message with its HTTP status."),
    "openai-hk.txt": N_("openai-hk.txt lists no error codes: errors follow the OpenAI schema "
                     '{"error": {"type", "code", "message"}}, and Easel shows the message with its code and HTTP status.'),
}
_DEFAULT_SHAPE = N_("Errors follow the OpenAI schema {\"error\": {\"type\", \"code\", \"message\"}}; Easel shows "
                    "the message with its code and HTTP status.")


def error_codes(profile: Profile) -> tuple[ErrorCode, ...]:
    """The profile's documented error codes (empty where its doc lists none)."""
    return _BY_DOC.get(profile.doc, ())


def error_shape(profile: Profile) -> str:
    """What an error body looks like at this provider, in one sentence from its doc."""
    return _SHAPES.get(profile.doc, _DEFAULT_SHAPE)
