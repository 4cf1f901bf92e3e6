"""Helpers every dialect shares: URL joining, JSON bodies, error bodies, data-URL prefixes."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import httpx

from easel.core.errors import ResponseError, Message
from easel.core.i18n import N_

_DATA_PREFIX_RE = re.compile(r"^\s*data:[^,;]*(;[^,]*)?,", re.S)
USER_AGENT = "easel/0.1"


def endpoint_url(base_url: str, path_prefix: str, path: str) -> str:
    """`base + prefix + path`, tolerant of the two ways people write a base URL.

    A profile whose documented base is a bare origin carries `path_prefix="/v1"`; a user who types the
    same base with `/v1` already on it must not get `/v1/v1`. A bare origin for an OpenAI-compatible
    server (no prefix in the profile, no path in the URL) gets `/v1`, as openai-hk's doc tells its users to
    type `https://api.openai-hk.com` into OpenAI clients that then add `/v1` themselves.
    """
    base = base_url.strip().rstrip("/")
    prefix = path_prefix.rstrip("/")
    if prefix and base.endswith(prefix):
        prefix = ""
    elif not prefix and urlsplit(base).path in ("", "/"):
        prefix = "/v1"
    return base + prefix + path


def json_request(method: str, url: str, body: dict, *, params: dict | None = None) -> httpx.Request:
    # Serialized here rather than by httpx so the bytes on the wire are fixed and testable.
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return httpx.Request(method, url, params=params, content=content,
                         headers={"Content-Type": "application/json", "Accept": "application/json",
                                  "User-Agent": USER_AGENT})


def get_request(url: str) -> httpx.Request:
    return httpx.Request("GET", url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})


def load_json(response: httpx.Response, provider: str | None = None) -> object:
    """The body as JSON, or a ResponseError that says what came back instead."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        body = repr(response.text[:120].strip()) if response.content else Message(N_("an empty body"))
        raise ResponseError(N_("The provider answered HTTP {status} with a body that is not JSON: {body}."),
                            dict(status=response.status_code, body=body), code="malformed_json",
                            status=response.status_code, provider=provider) from None


_NOT_AN_OBJECT = {
    "response": N_("The provider's response is not a JSON object."),
    "task": N_("The provider's task is not a JSON object."),
    "model list": N_("The provider's model list is not a JSON object."),
}


def expect_dict(value: object, what: str, provider: str | None = None) -> dict:
    if not isinstance(value, dict):
        raise ResponseError(_NOT_AN_OBJECT.get(what, _NOT_AN_OBJECT["response"]), code="unexpected_response",
                            provider=provider)
    return value


def strip_data_prefix(b64: str) -> str:
    """openai-hk documents b64_json as 'data:image/png;base64,...'; plain base64 is what we decode."""
    return _DATA_PREFIX_RE.sub("", b64, count=1).strip()


def parse_error(response: httpx.Response) -> tuple[str | None, str | None]:
    """(code, message) from any provider's error body.

    OpenAI/QCode/openai-hk: {"error": {"type", "code"?, "message"}}: the code is error.code, else error.type
    (icodeeasy sends only a type). gccai (DESIGN.md reading): {"code": <status>, "message"}; a numeric code
    only repeats the HTTP status, so it is not a code of its own.
    """
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        text = response.text.strip()[:200] if response.content else ""
        return None, (text or None)
    if not isinstance(body, dict):
        return None, None
    err = body.get("error")
    if isinstance(err, dict):
        code = err.get("code") or err.get("type")
        return (str(code) if code else None), _str_or_none(err.get("message"))
    if isinstance(err, str):
        return None, err
    code = body.get("code")
    code = code if isinstance(code, str) and code and not code.isdigit() else None
    message = body.get("message") or body.get("msg") or body.get("detail")
    return code, _str_or_none(message)


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def form_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
