"""The one exception tree of Easel, and the one function that maps a provider reply onto it.

    EaselError                      message for the user, code for the log, retryable flag
    ├── ValidationError             a request breaks a provider rule; raised before any network call
    ├── ConfigError                 missing key, bad base URL
    ├── UploadError                 an upload is too large, corrupt, or of the wrong type
    ├── ProviderError               the provider answered with an error status
    │   ├── BadRequest              400 / 422
    │   ├── AuthError               401
    │   ├── PaymentRequired         402
    │   ├── PayloadTooLarge         413
    │   ├── RateLimited             429 that may be retried (rate, concurrency)
    │   ├── QuotaExhausted          429 that must not be retried (daily cap, account budget)
    │   ├── ServerError             5xx
    │   │   └── Overloaded          503
    │   └── GatewayTimeout          524 (CDN cut the request at 100 s)
    ├── TransportError              connection dropped, refused, or timed out
    ├── ResponseError               a 2xx we cannot use: malformed JSON, a result URL that fails, a bad image
    ├── TaskFailed                  an async task ended in failure
    └── TaskTimedOut                an async task passed its deadline
"""

from __future__ import annotations

__all__ = [
    "EaselError", "ValidationError", "ConfigError", "UploadError", "ProviderError", "BadRequest",
    "AuthError", "PaymentRequired", "PayloadTooLarge", "RateLimited", "QuotaExhausted", "ServerError",
    "Overloaded", "GatewayTimeout", "TransportError", "ResponseError", "TaskFailed", "TaskTimedOut",
    "error_from_status", "NON_RETRYABLE_429_CODES",
]


class EaselError(Exception):
    """Base of every error Easel shows. `message` is safe to render; `code` goes to the usage log."""

    default_code = "error"
    retryable = False

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 retryable: bool | None = None, retry_after: float | None = None, provider: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.status = status
        if retryable is not None:
            self.retryable = retryable
        self.retry_after = retry_after
        self.provider = provider

    def user_message(self) -> str:
        """The line a page or the CLI shows: the message plus the provider's code and status."""
        where = f"{self.provider}: " if self.provider else ""
        tag = self.code if self.status is None else f"{self.code}, HTTP {self.status}"
        return f"{where}{self.message} [{tag}]"


class ValidationError(EaselError):
    default_code = "invalid_request"


class ConfigError(EaselError):
    default_code = "config_error"


class UploadError(EaselError):
    default_code = "invalid_upload"


class ProviderError(EaselError):
    default_code = "provider_error"


class BadRequest(ProviderError):
    default_code = "invalid_request_error"


class AuthError(ProviderError):
    default_code = "authentication_error"


class PaymentRequired(ProviderError):
    default_code = "payment_required"


class PayloadTooLarge(ProviderError):
    default_code = "image_too_large"


class RateLimited(ProviderError):
    default_code = "rate_limit_error"
    retryable = True


class QuotaExhausted(ProviderError):
    default_code = "quota_exhausted"


class ServerError(ProviderError):
    default_code = "server_error"
    retryable = True


class Overloaded(ServerError):
    default_code = "service_overloaded"


class GatewayTimeout(ProviderError):
    default_code = "cdn_timeout_524"
    retryable = True


class TransportError(EaselError):
    default_code = "connection_error"
    retryable = True


class ResponseError(EaselError):
    default_code = "bad_response"


class TaskFailed(EaselError):
    default_code = "task_failed"


class TaskTimedOut(EaselError):
    default_code = "task_timed_out"


# QCode: a daily image cap or an exhausted account budget will not clear by waiting seconds, so
# retrying only burns requests. Every other 429 (rate_limit_error, concurrency_exhausted) is retryable.
NON_RETRYABLE_429_CODES = frozenset({"image_daily_limit", "crs_daily_exhausted", "crs_total_exhausted"})

_PLAIN_MESSAGES = {
    400: "The provider rejected the request's parameters.",
    401: "The API key is missing, invalid, disabled or expired.",
    402: "Insufficient balance or the monthly quota is exhausted.",
    413: "An uploaded file is too large for the provider.",
    429: "Rate limit reached.",
    500: "The provider failed to generate the image.",
    502: "The provider's gateway failed.",
    503: "The provider is overloaded or its upstream is unavailable.",
    524: "The provider's CDN cut the request after 100 s (HTTP 524). QCode suggests low quality or its direct entry.",
}

_CODE_MESSAGES = {
    "image_daily_limit": "This key reached its daily image cap (QCode: 100 images per key per day, reset at 00:00 Beijing time).",
    "crs_daily_exhausted": "The account's daily budget is exhausted.",
    "crs_total_exhausted": "The account's lifetime budget is exhausted.",
    "concurrency_exhausted": "Too many requests in flight for this key (QCode allows 2).",
    "service_overloaded": "The provider's service is overloaded; try again later.",
    "image_provider_unavailable": "The provider's upstream is temporarily unavailable; try again later.",
    "invalid_api_key": "The API key is invalid or disabled.",
    "key_expired": "The API key has expired.",
    "unsupported_size": "The size is not in the provider's supported set.",
    "image_too_large": "An upload is over the provider's limit (QCode: 25 MB per file, 200 MB in total).",
}


def error_from_status(status: int, code: str | None, message: str | None, *, provider: str | None = None,
                      retry_after: float | None = None) -> ProviderError:
    """Map an HTTP status plus the provider's own error code onto the tree. The one place this happens."""
    known = _CODE_MESSAGES.get(code or "")
    if status == 422 and not known:
        # A 422 names no cause by itself: QCode sends it with `unsupported_size`, but OpenAI and other gateways
        # use it for any request they cannot process. Without a code we know, the provider's own words are
        # the message, never a guess such as "does not support this size".
        text = _sentence(message) if message else "The provider could not process the request (HTTP 422)."
    else:
        text = known or _PLAIN_MESSAGES.get(status) or f"The provider answered HTTP {status}."
        if message and message not in text:
            text = f"{text} Provider said: {message}"
    kwargs = dict(status=status, provider=provider, retry_after=retry_after)
    if status == 401:
        return AuthError(text, code=code or "authentication_error", **kwargs)
    if status == 402:
        return PaymentRequired(text, code=code or "payment_required", **kwargs)
    if status == 413:
        return PayloadTooLarge(text, code=code or "image_too_large", **kwargs)
    if status in (400, 404, 405, 409, 415, 422):
        return BadRequest(text, code=code or ("http_422" if status == 422 else "invalid_request_error"), **kwargs)
    if status == 429:
        if code in NON_RETRYABLE_429_CODES:
            return QuotaExhausted(text, code=code, **kwargs)
        return RateLimited(text, code=code or "rate_limit_error", **kwargs)
    if status == 524:
        return GatewayTimeout(text, code=code or "cdn_timeout_524", **kwargs)
    if status == 503:
        return Overloaded(text, code=code or "service_overloaded", **kwargs)
    if status >= 500:
        return ServerError(text, code=code or "server_error", **kwargs)
    return ProviderError(text, code=code or f"http_{status}", **kwargs)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "。")) else text + "."
