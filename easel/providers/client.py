"""ProviderClient: one provider, one key, one pooled httpx.Client; retries, error mapping and downloads.

The key travels only in the Authorization header of API requests. Result files are fetched by a second
client that has no Authorization header at all, so a redirect to a file host can never carry the key.

Over 300 lines as one cohesive thing: the retry loop, the error mapping and the download path share one
attempt log and one key-redaction rule, which must not drift apart.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import functools
import random
import ssl
import time
from dataclasses import dataclass, field
from typing import Callable

import httpx

from easel.media import imaging
from easel.providers.catalog import Profile
from easel.core.config import key_fingerprint
from easel.providers.dialects import get_dialect
from easel.providers.dialects import sse
from easel.providers.dialects._common import USER_AGENT, parse_error
from easel.core.errors import (ConfigError, EaselError, ProviderError, ResponseError, TaskFailed, TaskTimedOut, Message,
                               TransportError, ValidationError, error_from_status)
from easel.core.i18n import N_
from easel.core.models import ImageOut, RawImage, TaskState, TaskStatus, Usage, WireResult
from easel.core.mime import sniff_mime
from easel.providers.request import ImageRequest, validate

__all__ = ["ProviderClient", "Outcome", "AttemptInfo", "MAX_RETRY_AFTER_S", "backoff_delay", "PartialImage",
           "StreamInterrupted"]

MAX_RETRY_AFTER_S = 120.0
_DOWNLOAD_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=60.0, pool=10.0)


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client in the process. Building one loads the CA bundle
    (~0.1 s, more on a busy machine), and JobService builds a client per job inside the key's concurrency
    slot, so a context per client showed up as a gap between a key's requests (benchmarks/bench_concurrency)."""
    return httpx.create_ssl_context()


@dataclass
class AttemptInfo:
    """One HTTP attempt against the API (not file downloads), for the attempts log."""

    attempt: int                 # 1-based within one logical call
    endpoint: str                # "submit" | "poll"
    status_code: int | None      # None when the transport failed
    error_code: str | None
    latency_s: float
    will_retry: bool = False
    delay_s: float = 0.0


@dataclass
class Outcome:
    images: list[ImageOut] = field(default_factory=list)
    usage: Usage | None = None
    reported_cost: float | None = None
    provider_request_id: str | None = None
    task_ids: list[str] = field(default_factory=list)
    attempts: int = 0
    latency_s: float = 0.0


@dataclass
class PartialImage:
    """One streamed preview: the `partial_image_index` the provider gave it, and its decoded bytes."""

    index: int
    image: ImageOut
    size: str | None = None
    quality: str | None = None


class StreamInterrupted(TransportError):
    """A stream that broke after it started and before its final image. Not retried: it was a request the
    provider accepted, and sending it again would be a second one. `partials` says how many previews arrived."""

    default_code = "stream_interrupted"
    retryable = False

    def __init__(self, partials: int, provider: str, why: Message):
        if partials == 1:
            msgid = N_("The stream broke after 1 partial image, before the final image: {why}. The partials are kept, "
                       "labelled partial.")
        elif partials:
            msgid = N_("The stream broke after {count} partial images, before the final image: {why}. The partials "
                       "are kept, labelled partial.")
        else:
            msgid = N_("The stream broke before any image, before the final image: {why}.")
        super().__init__(msgid, dict(count=partials, why=why), code="stream_interrupted", provider=provider,
                         retryable=False)
        self.partials = partials


def backoff_delay(retry_index: int, retry_after: float | None = None) -> float:
    """The wait before retry `retry_index` (0-based): the server's Retry-After when it is sane (≤ 120 s),
    else 0.5·2ⁿ s capped at 8 s, less up to 25 % jitter so parallel clients do not retry in step."""
    if retry_after is not None and 0 <= retry_after <= MAX_RETRY_AFTER_S:
        return retry_after
    return min(0.5 * 2 ** retry_index, 8.0) * (1 - 0.25 * random.random())


def _retry_after(response: httpx.Response) -> float | None:
    ms = response.headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:   # the HTTP-date form
        return max(email.utils.parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class ProviderClient:
    def __init__(self, profile: Profile, api_key: str, *, base_url: str | None = None,
                 transport: httpx.BaseTransport | None = None, max_retries: int = 2,
                 on_attempt: Callable[[AttemptInfo], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        if not api_key or not api_key.strip():
            raise ConfigError(N_("{label} needs an API key."), dict(label=profile.label), code="missing_key")
        self.profile = profile
        self.base_url = (base_url or profile.base_url).rstrip("/")
        self.max_retries = max(0, int(max_retries))
        self.on_attempt = on_attempt
        self.sleep = sleep
        self.dialect = get_dialect(profile.dialect)
        self.fingerprint = key_fingerprint(api_key.strip())
        self._auth = f"Bearer {api_key.strip()}"
        timeout = httpx.Timeout(connect=10.0, read=profile.request_timeout_s, write=60.0, pool=10.0)
        # API calls never follow redirects: a redirect must not carry the key anywhere.
        tls = _tls_context()
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False, verify=tls,
                                  headers={"User-Agent": USER_AGENT})
        self._files = httpx.Client(timeout=_DOWNLOAD_TIMEOUT, transport=transport, follow_redirects=True, verify=tls,
                                   headers={"User-Agent": USER_AGENT})

    @property
    def key_fingerprint(self) -> str:
        return self.fingerprint

    @property
    def api_key(self) -> str:
        """The key itself, for the in-memory KeyRing only (so this client's tasks can be polled after it is
        replaced). Never in repr, logs or the store."""
        return self._auth.removeprefix("Bearer ")

    def __repr__(self) -> str:
        return f"ProviderClient({self.profile.id}, {self.fingerprint}, {self.base_url})"

    __str__ = __repr__

    # --- lifecycle ---
    def close(self) -> None:
        self._http.close()
        self._files.close()

    def __enter__(self) -> "ProviderClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- public calls ---
    def generate(self, req: ImageRequest, *, check: bool = True) -> Outcome:
        """Validate, send, wait (polling an async task if the request is one), and download every result.

        `check=False` sends the request as given, without Easel's own validation: the conformance scorecard
        asks what the provider itself answers to a request its doc forbids."""
        started = time.monotonic()
        r = validate(req, self.profile) if check else req.resolved(self.profile)
        response, attempts = self._send_api(
            lambda: self.dialect.build_submit(self.profile, r, self.base_url, async_=r.async_), "submit")
        wire: WireResult = self.dialect.parse_submit(self.profile, response)
        outcome = Outcome(usage=wire.usage, reported_cost=wire.reported_cost,
                          provider_request_id=wire.provider_request_id, task_ids=list(wire.task_ids),
                          attempts=attempts)
        raws = wire.images
        if wire.task_ids and not raws:
            statuses = self.wait(wire.task_ids)
            raws = [img for s in statuses for img in s.images]
            costs = [s.reported_cost for s in statuses if s.reported_cost is not None]
            outcome.reported_cost = sum(costs) if costs else outcome.reported_cost
        if not raws:
            raise ResponseError(N_("The provider answered without any image."), code="no_images",
                                provider=self.profile.label)
        outcome.images = [self.download(raw) for raw in raws]
        outcome.latency_s = time.monotonic() - started
        return outcome

    def submit(self, req: ImageRequest) -> list[str]:
        """Start async task(s) and return their ids without waiting."""
        r = validate(req, self.profile)
        if not self.profile.supports_async:
            raise ValidationError(N_("{label} has no async mode; run it as a normal request."),
                                  dict(label=self.profile.label), code="async_not_supported")
        r.async_ = True
        response, _ = self._send_api(
            lambda: self.dialect.build_submit(self.profile, r, self.base_url, async_=True), "submit")
        wire = self.dialect.parse_submit(self.profile, response)
        if not wire.task_ids:
            raise ResponseError(N_("The provider answered an async request without a task id."), code="unexpected_response",
                                provider=self.profile.label)
        return list(wire.task_ids)

    def poll(self, task_ids: list[str]) -> list[TaskStatus]:
        """The state of each task (gccai: one batch request per POLL_BATCH_LIMIT ids)."""
        ids = [str(t) for t in task_ids]
        statuses: list[TaskStatus] = []
        for request in self.dialect.build_poll(self.profile, ids, self.base_url):
            response, _ = self._send_api(lambda request=request: request, "poll")
            statuses.extend(self.dialect.parse_poll(self.profile, response))
        return statuses

    def wait(self, task_ids: list[str]) -> list[TaskStatus]:
        """Poll on the profile's schedule until every task is done; raise on failure or past the deadline."""
        schedule = self.profile.poll
        waited = 0.0
        delay = schedule.first_delay_s
        pending = list(task_ids)
        done: dict[str, TaskStatus] = {}
        while True:
            self.sleep(delay)
            waited += delay
            for status in self.poll(pending):
                if status.done:
                    done[status.task_id] = status
            pending = [t for t in pending if t not in done]
            failed = [s for s in done.values() if s.state is TaskState.FAILED]
            if failed:
                s = failed[0]
                # The provider's reason is a param: verbatim in every language.
                raise TaskFailed(N_("Task {task_id} failed: {reason}") if s.error_message else
                                 N_("Task {task_id} failed; the provider gave no reason."),
                                 dict(task_id=s.task_id, reason=s.error_message), code=s.error_code or "task_failed",
                                 provider=self.profile.label)
            if not pending:
                return [done[t] for t in task_ids if t in done]
            if waited >= schedule.deadline_s:
                raise TaskTimedOut(N_("Task {task_id} did not finish within {seconds} s."),
                                   dict(task_id=pending[0], seconds=f"{schedule.deadline_s:.0f}"),
                                   provider=self.profile.label)
            delay = min(schedule.interval_s, max(schedule.deadline_s - waited, 0.0)) or schedule.interval_s

    def download(self, raw: RawImage) -> ImageOut:
        """The bytes of one result, checked as an image. URLs are fetched without the key, following redirects."""
        if raw.b64:
            try:
                data = base64.b64decode(raw.b64, validate=False)
            except (binascii.Error, ValueError):
                raise ResponseError(N_("The provider's b64_json is not valid base64."), code="bad_base64",
                                    provider=self.profile.label) from None
        elif raw.url:
            data = self._fetch(raw.url)
        else:
            raise ResponseError(N_("A result carries neither image data nor a URL."), code="no_images",
                                provider=self.profile.label)
        img = imaging.open_image(data, what="result")
        return ImageOut(data=data, width=img.width, height=img.height, mime=sniff_mime(data) or "image/png",
                        revised_prompt=raw.revised_prompt, source_url=raw.url)

    # --- streaming previews (OpenAI's `stream: true`; events parsed in dialects/sse.py) ---
    def generate_stream(self, req: ImageRequest, on_partial: Callable[[PartialImage], None] | None = None) -> Outcome:
        """Send a streamed request; hand each partial image to `on_partial` as it arrives; return the final one.

        Retries happen only before the first byte of the stream (as in `generate`). Once events flow, a broken
        connection, or a stream that ends without its completed event, raises StreamInterrupted: the partials
        already handed over are all there is, and sending again would be a second, separately billed request."""
        started = time.monotonic()
        r = validate(req, self.profile)
        if not r.stream:
            raise ValidationError(N_("generate_stream needs a request with stream on."), code="stream_required")
        response, attempts = self._send_api(
            lambda: self.dialect.build_submit(self.profile, r, self.base_url, async_=False), "submit", stream=True)
        outcome = Outcome(attempts=attempts, provider_request_id=response.headers.get("x-request-id"))
        try:
            media = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if media != sse.STREAM_MEDIA_TYPE:
                # A gateway that ignores `stream` answers the whole result as JSON: take it as a plain response.
                response.read()
                wire = self.dialect.parse_submit(self.profile, response)
                if not wire.images:
                    raise ResponseError(N_("The provider answered without any image."), code="no_images",
                                        provider=self.profile.label)
                outcome.usage, outcome.provider_request_id = wire.usage, wire.provider_request_id
                outcome.images = [self.download(raw) for raw in wire.images]
            else:
                final = self._read_stream(response, on_partial, outcome)
                outcome.images = [final]
        finally:
            response.close()
        outcome.latency_s = time.monotonic() - started
        return outcome

    def _read_stream(self, response: httpx.Response, on_partial, outcome: Outcome) -> ImageOut:
        partials = 0
        try:
            for event in sse.iter_image_events(response.iter_bytes(), provider=self.profile.label):
                image = self.download(RawImage(b64=event.b64))
                if not event.completed:
                    partials += 1
                    if on_partial is not None:
                        on_partial(PartialImage(index=event.partial_index or 0, image=image, size=event.size,
                                                quality=event.quality))
                    continue
                outcome.usage = event.usage
                return image
        except httpx.HTTPError as e:
            raise StreamInterrupted(partials, self.profile.label, Message(N_("the connection closed mid-stream ({kind})"),
                                                                       dict(kind=type(e).__name__))) from None
        raise StreamInterrupted(partials, self.profile.label, Message(N_("the stream ended without its final image")))

    # --- plumbing ---
    def _fetch(self, url: str) -> bytes:
        last: EaselError | None = None
        for attempt in range(self.max_retries + 1):
            try:
                response = self._files.get(url)
            except httpx.HTTPError as e:
                last = TransportError(N_("The result file could not be fetched: {kind}."),
                                      dict(kind=type(e).__name__), code="download_failed",
                                      provider=self.profile.label)
            else:
                if response.is_success:
                    return response.content
                last = ResponseError(N_("The result file could not be downloaded (HTTP {status}); its link may "
                                        "have expired."), dict(status=response.status_code),
                                     code=f"download_http_{response.status_code}",
                                     status=response.status_code, provider=self.profile.label,
                                     retryable=response.status_code >= 500 or response.status_code == 429)
            if not last.retryable or attempt >= self.max_retries:
                break
            self.sleep(backoff_delay(attempt))
        assert last is not None
        raise last

    def _send_api(self, build: Callable[[], httpx.Request], endpoint: str, *,
                  stream: bool = False) -> tuple[httpx.Response, int]:
        """Send with the key and the retry policy; return the 2xx response and the number of attempts.
        With `stream`, a 2xx response is returned unread (the caller reads and closes it)."""
        attempt = 0
        while True:
            attempt += 1
            request = build()
            request.headers["Authorization"] = self._auth
            started = time.monotonic()
            error: EaselError | None = None
            response: httpx.Response | None = None
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TimeoutException as e:
                error = TransportError(N_("The request to {label} timed out ({kind})."),
                                       dict(label=self.profile.label, kind=type(e).__name__),
                                       code="timeout", provider=self.profile.label)
            except httpx.HTTPError as e:
                error = TransportError(N_("The connection to {label} failed ({kind})."),
                                       dict(label=self.profile.label, kind=type(e).__name__),
                                       code="connection_error", provider=self.profile.label)
            latency = time.monotonic() - started
            if response is not None and not response.is_success and stream:
                # An error body is short: read it, and free the connection.
                try:
                    response.read()
                except httpx.HTTPError as e:
                    error = TransportError(N_("The connection to {label} failed ({kind})."),
                                           dict(label=self.profile.label, kind=type(e).__name__),
                                           code="connection_error", provider=self.profile.label)
                    response = None
                finally:
                    if response is not None:
                        response.close()
            if response is not None and not response.is_success:
                code, message = parse_error(response)
                message = self._redact(message)
                error = error_from_status(response.status_code, code, message, provider=self.profile.label,
                                          retry_after=_retry_after(response))
            will_retry = error is not None and error.retryable and attempt <= self.max_retries
            delay = backoff_delay(attempt - 1, error.retry_after) if will_retry and error is not None else 0.0
            self._report(AttemptInfo(attempt=attempt, endpoint=endpoint,
                                     status_code=response.status_code if response is not None else None,
                                     error_code=error.code if error else None, latency_s=latency,
                                     will_retry=will_retry, delay_s=delay))
            if error is None:
                assert response is not None
                return response, attempt
            if not will_retry:
                if attempt > 1 and isinstance(error, (ProviderError, TransportError)):
                    error.attempts = attempt
                    error.args = (error.render("en"),)
                raise error
            self.sleep(delay)

    def _redact(self, text: str | None) -> str | None:
        """A provider's error text without our key: some gateways echo the key they refused."""
        key = self._auth[7:]
        return text.replace(key, "[secure]") if text and key and key in text else text

    def _report(self, info: AttemptInfo) -> None:
        if self.on_attempt is None:
            return
        try:
            self.on_attempt(info)
        except Exception:  # noqa: BLE001 - a logging callback must never break a request
            pass

    # --- models (GET /models), kept apart from the image calls above ---
    def list_models(self) -> tuple[str, ...]:
        """The image models `GET /models` lists, asked once per client (a session's client is cached, so once
        per session, provider and key); () where the profile's doc or spec does not document the route.

        OpenAI's spec (`GET /models` → ListModelsResponse {"object": "list", "data": [{"id", ...}]}) lists every
        model of the account: chat, audio, embeddings. The Images endpoints take image models only (the spec's
        `model` enums: gpt-image-*, chatgpt-image-latest, dall-e-*), so only ids naming an image model are kept.

        One attempt with a 10 s timeout, not the image calls' retries and 300 s read: a page waits on this. A
        failure is remembered and raised again without a request, so a down server costs one wait per client.
        """
        if not self.profile.models_endpoint:
            return ()
        cached = getattr(self, "_listed_models", None)
        if isinstance(cached, EaselError):
            raise cached
        if cached is not None:
            return cached
        from easel.providers.dialects._common import endpoint_url, expect_dict, get_request, load_json

        request = get_request(endpoint_url(self.base_url, self.profile.path_prefix, "/models"))
        request.headers["Authorization"] = self._auth
        request.extensions["timeout"] = httpx.Timeout(10.0).as_dict()
        try:
            try:
                response = self._http.send(request)
            except httpx.HTTPError as e:
                raise TransportError(N_("The model list of {label} could not be fetched ({kind})."),
                                     dict(label=self.profile.label, kind=type(e).__name__), code="connection_error",
                                     provider=self.profile.label) from None
            if not response.is_success:
                code, message = parse_error(response)
                raise error_from_status(response.status_code, code, self._redact(message), provider=self.profile.label)
            body = expect_dict(load_json(response, self.profile.label), "model list", self.profile.label)
        except EaselError as e:
            self._listed_models = e
            raise
        items = body.get("data") if isinstance(body.get("data"), list) else []
        ids = {item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)}
        self._listed_models = tuple(sorted(i for i in ids if "image" in i or i.startswith("dall-e")))
        return self._listed_models
