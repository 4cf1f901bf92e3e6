"""Error replies in each provider's own shape, and what each HTTP fault kind answers.

Shapes (from the docs, readings in docs/DESIGN.md):
- openai family (openai, demo, openai-hk, qcode): `{"error": {"type", "code", "message"}}`
- icodeeasy: `{"error": {"type", "message", "provider": "icodeeasy.cc"}}`, where `type` is the code
- gccai: `{"code": <status>, "message"}`
"""

from __future__ import annotations

import math

from starlette.responses import JSONResponse, PlainTextResponse, Response

from easel.simulator.state import FaultRule

__all__ = ["error_response", "fault_response", "HTTP_FAULTS", "style_of"]

# kind → (status, code, message). Codes are QCode's documented ones, the most detailed of the four docs.
HTTP_FAULTS: dict[str, tuple[int, str, str]] = {
    "http_400": (400, "invalid_request_error", "Invalid request parameters."),
    "http_401": (401, "invalid_api_key", "API key invalid or disabled."),
    "http_402": (402, "payment_required", "Insufficient balance or monthly quota exhausted."),
    "http_413": (413, "image_too_large", "Single file > 25 MB, or total across files > 200 MB."),
    "http_422": (422, "unsupported_size", "size not in the supported set."),
    "http_429_rate": (429, "rate_limit_error", "Rate limit exceeded, please retry later."),
    "http_429_concurrency": (429, "concurrency_exhausted", "Per-key concurrency cap reached."),
    "http_429_daily": (429, "image_daily_limit", "Daily image generation count limit reached."),
    "http_429_crs": (429, "crs_daily_exhausted", "Daily account budget reached."),
    "http_500": (500, "server_error", "Image generation failed."),
    "http_503": (503, "service_overloaded", "Global service load is high, retry later."),
}

_OPENAI_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "payment_required",
                 404: "invalid_request_error", 413: "invalid_request_error", 422: "invalid_request_error",
                 429: "rate_limit_error"}
# icodeeasy documents only these types; a code it does not document falls back to its status's type.
_ICODEEASY_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "payment_required",
                    404: "invalid_request_error", 413: "invalid_request_error", 422: "invalid_request_error",
                    429: "rate_limit_error"}


def style_of(provider: str) -> str:
    return provider if provider in ("icodeeasy", "gccai") else "openai"


def error_response(provider: str, status: int, code: str, message: str, headers: dict | None = None) -> Response:
    style = style_of(provider)
    if style == "gccai":
        body = {"code": status, "message": message}
    elif style == "icodeeasy":
        kind = code if code in _ICODEEASY_TYPES.values() else _ICODEEASY_TYPES.get(status, "server_error")
        body = {"error": {"type": kind, "message": message, "provider": "icodeeasy.cc"}}
    else:
        body = {"error": {"type": _OPENAI_TYPES.get(status, "server_error"), "code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def fault_response(provider: str, rule: FaultRule) -> Response:
    if rule.kind == "http_524":
        # What Cloudflare sends when the origin took over 100 s: plain text, not the provider's JSON.
        return PlainTextResponse("error code: 524", status_code=524)
    status, code, message = HTTP_FAULTS[rule.kind]
    headers = None
    if rule.kind == "http_429_rate":
        headers = {"Retry-After": str(max(0, math.ceil(rule.retry_after))),
                   "retry-after-ms": str(int(rule.retry_after * 1000))}
    return error_response(provider, status, code, f"{message} (simulated)", headers)
