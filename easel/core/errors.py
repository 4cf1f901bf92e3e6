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

Languages. What Easel stores (the usage log's error_message, a job's row, a batch row) is English, because the team
and tools read it; what a person reads is rendered in that person's language when it is shown. One mechanism does
both, for every message Easel itself writes:

  * An error keeps its English message id and its format params, not a finished string:
        raise ValidationError(N_("{label} takes n from 1 to {n_max}; got {n}."), dict(label=..., n_max=..., n=...))
    `N_` marks the id for pybabel; nothing is translated at raise time, so an error raised in a background
    thread (a job poller, which has no session and so no language) is as good as one raised in a page.
  * `err.message` / `err.user_message()` render it in the *current* language (the session's in the UI,
    EASEL_LANG/LANG in the CLI, see easel.core.i18n). `err.log_message()` and `str(err)` are always English:
    that is what goes into the usage log and the database.
  * The provider's own words are never translated: they travel apart, in `err.provider_text`, and are appended
    verbatim after the translated explanation ("… Provider said: <verbatim>", the lead-in itself translated).
    A provider error's explanation comes from its error code or HTTP status (`explanation_for`).
  * A stored English message (a job's error_message, "QCode: … [image_daily_limit, HTTP 429]") is turned back
    into the viewer's language by `translate_logged(text)`: the provider prefix and the "Provider said:" tail are
    split off, and the explanation is matched against the catalog's message ids (a message id with `{params}`
    matches as a pattern, its params are carried into the translation unchanged). Text that matches no message
    id — a provider's words, an old row — is shown as it was stored. components/errors_view.py does this for
    every error a page shows.
  * A plain string is still accepted as a message (no params: it is not formatted); it is looked up in the
    catalog like any id, and shown as is where it has no translation.
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache
from typing import Any, Mapping

from easel.core.i18n import DEFAULT_LANGUAGE, N_, _, current_language, use_language
from easel.core.i18n_text import shown, translate_sentence as _translate_sentence

__all__ = [
    "EaselError", "ValidationError", "ConfigError", "UploadError", "ProviderError", "BadRequest",
    "AuthError", "PaymentRequired", "PayloadTooLarge", "RateLimited", "QuotaExhausted", "ServerError",
    "Overloaded", "GatewayTimeout", "TransportError", "ResponseError", "TaskFailed", "TaskTimedOut",
    "error_from_status", "NON_RETRYABLE_429_CODES", "render_message", "explanation_for", "translate_logged",
    "PROVIDER_SAID", "Message",
]

# The lead-in before a provider's verbatim words. Stored English rows split on it, so it never changes lightly.
PROVIDER_SAID = N_("Provider said: {text}")
# The explanation and the provider's words as one message, so a language joins them its own way (no space
# after a Chinese full stop).
_WITH_SAID = N_("{explanation} Provider said: {text}")
_AFTER_ATTEMPTS = N_("{message} (after {count} attempts)")
_AFTER_ATTEMPTS_EN = re.compile(r"^(?P<message>.*\S) \(after (?P<count>\d+) attempts\)$", re.DOTALL)


def render_message(msgid: str, params: Mapping[str, Any] | None = None, lang: str | None = None) -> str:
    """`msgid` translated into `lang` (None: the current language) and formatted with `params`.

    A translation that cannot be formatted (a broken catalog entry) falls back to the English id, so showing an
    error never raises one."""
    with use_language(lang) if lang else contextlib.nullcontext():
        text = _(msgid)
    if not params:
        return text
    # A param that is itself a message (a PixelRuleError, an EaselError) speaks the same language, and so does a
    # provider `label` Easel names itself ("Demo (offline simulator)"; a provider's own name has no entry).
    with use_language(lang) if lang else contextlib.nullcontext():
        params = {k: (v.render(lang) if callable(getattr(v, "render", None)) else
                      shown(v) if k == "label" and isinstance(v, str) and v else v)
                  for k, v in params.items()}
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return msgid.format(**params)


class Message:
    """A message id with params, rendered when shown: a param of another message that is itself Easel's words
    (a catalog note), so it follows the language of the message around it."""

    def __init__(self, msgid: str, params: Mapping[str, Any] | None = None):
        self.msgid, self.params = msgid, dict(params or {})

    def render(self, lang: str | None = None) -> str:
        return render_message(self.msgid, self.params, lang)

    def __str__(self) -> str:
        return self.render(DEFAULT_LANGUAGE)


class EaselError(Exception):
    """Base of every error Easel shows. `message` is safe to render; `code` goes to the usage log.

    `message` is an English message id (mark it with N_) and `params` its format fields; `provider_text` is the
    provider's own words, shown verbatim after the explanation. See the module docstring."""

    default_code = "error"
    retryable = False

    def __init__(self, message: str | None = None, params: Mapping[str, Any] | None = None, *,
                 provider_text: str | None = None, code: str | None = None, status: int | None = None,
                 retryable: bool | None = None, retry_after: float | None = None, provider: str | None = None):
        self.msgid = message
        self.params = dict(params) if params else {}
        self.provider_text = provider_text
        self.code = code or self.default_code
        self.status = status
        if retryable is not None:
            self.retryable = retryable
        self.retry_after = retry_after
        self.provider = provider
        self.attempts: int | None = None        # set when retries were spent on it: "(after 3 attempts)"
        super().__init__(self.render(DEFAULT_LANGUAGE))

    def explanation(self, lang: str | None = None) -> str:
        """Easel's own words for this error, in `lang` (None: the current language); "" when it has none."""
        return render_message(self.msgid, self.params, lang) if self.msgid else ""

    def render(self, lang: str | None = None) -> str:
        """The explanation, then the provider's verbatim words (translated lead-in), in `lang`."""
        text = self.explanation(lang)
        said = self.provider_text
        if said and said not in text:
            text = render_message(_WITH_SAID, {"explanation": text, "text": said}, lang) if text else said
        text = text or (said or "")
        if self.attempts and self.attempts > 1:
            text = render_message(_AFTER_ATTEMPTS, {"message": text, "count": self.attempts}, lang)
        return text

    @property
    def message(self) -> str:
        """The message in the current language (English in the CLI by default, the session's in the UI)."""
        return self.render()

    def user_message(self, lang: str | None = None) -> str:
        """The line a page or the CLI shows: the message plus the provider's code and status, in `lang`."""
        if self.provider:
            with use_language(lang) if lang else contextlib.nullcontext():
                where = f"{shown(self.provider)}: "
        else:
            where = ""
        tag = self.code if self.status is None else f"{self.code}, HTTP {self.status}"
        return f"{where}{self.render(lang)} [{tag}]"

    def log_message(self) -> str:
        """user_message() in English: what the usage log and the database store."""
        return self.user_message(DEFAULT_LANGUAGE)


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
    400: N_("The provider rejected the request's parameters."),
    401: N_("The API key is missing, invalid, disabled or expired."),
    402: N_("Insufficient balance or the monthly quota is exhausted."),
    413: N_("An uploaded file is too large for the provider."),
    429: N_("Rate limit reached."),
    500: N_("The provider failed to generate the image."),
    502: N_("The provider's gateway failed."),
    503: N_("The provider is overloaded or its upstream is unavailable."),
    524: N_("The provider's CDN cut the request after 100 s (HTTP 524). QCode suggests low quality or its direct "
            "entry."),
}

_CODE_MESSAGES = {
    "image_daily_limit": N_("This key reached its daily image cap (QCode: 100 images per key per day, reset at 00:00 "
                            "Beijing time)."),
    "crs_daily_exhausted": N_("The account's daily budget is exhausted."),
    "crs_total_exhausted": N_("The account's lifetime budget is exhausted."),
    "concurrency_exhausted": N_("Too many requests in flight for this key (QCode allows 2)."),
    "service_overloaded": N_("The provider's service is overloaded; try again later."),
    "image_provider_unavailable": N_("The provider's upstream is temporarily unavailable; try again later."),
    "invalid_api_key": N_("The API key is invalid or disabled."),
    "key_expired": N_("The API key has expired."),
    "unsupported_size": N_("The size is not in the provider's supported set."),
    "image_too_large": N_("An upload is over the provider's limit (QCode: 25 MB per file, 200 MB in total)."),
}

_ANY_STATUS = N_("The provider answered HTTP {status}.")
_UNKNOWN_422 = N_("The provider could not process the request (HTTP 422).")


def explanation_for(status: int | None, code: str | None) -> tuple[str, dict[str, Any]]:
    """Easel's explanation of a provider error, as (English message id, params): by the provider's code where
    Easel knows it, else by the HTTP status."""
    known = _CODE_MESSAGES.get(code or "")
    if known:
        return known, {}
    if status in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[status], {}
    if status == 422:
        return _UNKNOWN_422, {}
    return _ANY_STATUS, {"status": status}


def error_from_status(status: int, code: str | None, message: str | None, *, provider: str | None = None,
                      retry_after: float | None = None) -> ProviderError:
    """Map an HTTP status plus the provider's own error code onto the tree. The one place this happens."""
    known = _CODE_MESSAGES.get(code or "")
    if status == 422 and not known and message:
        # A 422 names no cause by itself: QCode sends it with `unsupported_size`, but OpenAI and other gateways
        # use it for any request they cannot process. Without a code we know, the provider's own words are
        # the message, never a guess such as "does not support this size".
        msgid, params, said = None, {}, _sentence(message)
    else:
        msgid, params = explanation_for(status, code)
        said = message or None
    kwargs = dict(status=status, provider=provider, retry_after=retry_after, provider_text=said)
    args = (msgid, params)
    if status == 401:
        return AuthError(*args, code=code or "authentication_error", **kwargs)
    if status == 402:
        return PaymentRequired(*args, code=code or "payment_required", **kwargs)
    if status == 413:
        return PayloadTooLarge(*args, code=code or "image_too_large", **kwargs)
    if status in (400, 404, 405, 409, 415, 422):
        return BadRequest(*args, code=code or ("http_422" if status == 422 else "invalid_request_error"), **kwargs)
    if status == 429:
        if code in NON_RETRYABLE_429_CODES:
            return QuotaExhausted(*args, code=code, **kwargs)
        return RateLimited(*args, code=code or "rate_limit_error", **kwargs)
    if status == 524:
        return GatewayTimeout(*args, code=code or "cdn_timeout_524", **kwargs)
    if status == 503:
        return Overloaded(*args, code=code or "service_overloaded", **kwargs)
    if status >= 500:
        return ServerError(*args, code=code or "server_error", **kwargs)
    return ProviderError(*args, code=code or f"http_{status}", **kwargs)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "。")) else text + "."


# ---- stored English back into the viewer's language ---------------------------------------------------------

_SAID_EN = PROVIDER_SAID.split("{", 1)[0]          # "Provider said: "


def translate_logged(text: str) -> str:
    """A message stored in English ("<provider>: <explanation> Provider said: <verbatim>", the tag already split
    off) in the current language. The provider prefix and the verbatim words stay as they are; text that no
    message id produces is returned unchanged."""
    lang = current_language()
    text = " ".join((text or "").split())
    if lang == DEFAULT_LANGUAGE or not text:
        return text
    return _translate_logged(text, lang)


# A page reruns on every click and shows the same stored lines again: each is matched once per language.
@lru_cache(maxsize=4096)
def _translate_logged(text: str, lang: str) -> str:
    retried = _AFTER_ATTEMPTS_EN.match(text)
    if retried:
        return render_message(_AFTER_ATTEMPTS, {"message": translate_logged(retried["message"]),
                                                "count": retried["count"]}, lang)
    head, sep, said = text.partition(" " + _SAID_EN)
    if not sep and text.startswith(_SAID_EN):
        head, said, sep = "", text[len(_SAID_EN):], _SAID_EN
    # "<provider>: <explanation>": try the whole text first, then without a leading "<label>: " (a label may
    # itself hold spaces, so each of the first few colons is a candidate).
    done = _translate_sentence(head, lang) if head else ""
    if done is None:
        start = 0
        for _attempt in range(3):
            cut = head.find(": ", start)
            if cut < 0:
                break
            rest = _translate_sentence(head[cut + 2:], lang)
            if rest is not None:
                done = f"{_translate_sentence(head[:cut], lang) or head[:cut]}: {rest}"
                break
            start = cut + 2
    if done is None:
        # The provider's own words after a label Easel wrote ("OpenAI-compatible: <verbatim>"): only the label.
        label, colon, rest = head.partition(": ")
        shown = _translate_sentence(label, lang, depth=1) if colon else None
        done = f"{shown}: {rest}" if shown is not None else head
    if sep and done:
        return render_message(_WITH_SAID, {"explanation": done, "text": said}, lang)
    if sep:
        return render_message(PROVIDER_SAID, {"text": said}, lang)
    return done
