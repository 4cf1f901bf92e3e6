"""The simulator's live state: settings, recorded requests, fault rules, counters, tasks and result files.

One `SimState` per server. The server's event loop and the test thread both touch it, so every mutation
happens under `lock` and never across an `await`.

Over 300 lines as one cohesive thing: every piece of the state shares that one lock, and splitting it would
spread the locking rule across files.
"""

from __future__ import annotations

import collections
import random
import threading
import time
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from easel.core.config import key_fingerprint

__all__ = ["SimConfig", "RecordedRequest", "FaultRule", "FAULT_KINDS", "SimState", "FileEntry", "Task"]

FAULT_KINDS = (
    "http_400", "http_401", "http_402", "http_413", "http_422", "http_429_rate", "http_429_concurrency",
    "http_429_daily", "http_429_crs", "http_500", "http_503", "http_524", "drop", "slow", "malformed_json",
    "result_404", "bomb", "task_fail", "task_stuck", "stream_break",
    # Misbehaviour switches (easel/simulator/misbehave.py): the request succeeds, but not as the doc says.
    "wrong_size", "ignore_format", "mask_bleed",
)
ENDPOINTS = ("submit", "poll", "file")
FAULT_KINDS += ("overbill", "bill_failure")     # billing misbehaviour: easel/simulator/billing_faults.py


@dataclass
class SimConfig:
    latency: float = 0.0          # seconds a sync generation takes (submit endpoints that answer with images)
    task_duration: float = 1.0    # seconds from an async submit to its task's completion
    daily_cap: int = 100          # QCode: images per key per Beijing day
    concurrency_cap: int = 2      # QCode: requests in flight per key
    url_ttl: float = 3600.0       # gccai: seconds a result URL lives after the task completes
    max_batch: int = 100          # gccai: task ids one /v1/tasks/batch accepts (more: HTTP 400)
    seed: int = 0                 # the RNG behind fault rules with a `rate`
    max_recorded: int = 5000      # recorded requests kept (oldest dropped first)
    max_recorded_bytes: int = 256 * 1024 * 1024
    max_files: int = 2000         # result files kept in memory (oldest dropped first) ...
    max_file_bytes: int = 512 * 1024 * 1024   # ... and at most this many bytes of them


_DEFAULTS = SimConfig()


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]       # lower-case names; the Authorization value is "[secure]"
    had_auth: bool
    content_type: str
    body: bytes
    json: Any = None
    form: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[str, str, bytes, str]] = field(default_factory=list)   # (field, filename, bytes, content_type)
    at: float = 0.0
    # Additions beyond the DESIGN.md fields (all defaulted): which route answered, and how.
    provider: str | None = None
    endpoint: str | None = None
    status: int | None = None

    def summary(self, *, bodies: bool = False) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("body", "files")}
        d["body_bytes"] = len(self.body)
        d["files"] = [{"field": f, "filename": n, "bytes": len(b), "content_type": ct} for f, n, b, ct in self.files]
        if bodies:
            import base64

            d["body_b64"] = base64.b64encode(self.body).decode()
        return d


@dataclass
class FaultRule:
    kind: str
    times: int | None = None      # fire this many times, then retire; None = no limit
    rate: float | None = None     # fire with this probability (seeded RNG); None = always
    provider: str | None = None   # a provider id ("gccai", "qcode", ...); None = any
    endpoint: str | None = None   # "submit" | "poll" | "file"; None = any
    retry_after: float = 1.0      # http_429_rate: the Retry-After it sends
    delay: float = 5.0            # slow: seconds it sleeps before answering normally
    partials: int = 1             # stream_break: partial images sent before the connection is cut
    fired: int = 0

    @classmethod
    def from_dict(cls, d: dict) -> "FaultRule":
        known = {f.name for f in fields(cls)} - {"fired"}
        extra = set(d) - known
        if extra:
            raise ValueError(f"Unknown fault rule fields: {', '.join(sorted(extra))}")
        rule = cls(**{k: v for k, v in d.items() if v is not None or k in ("times", "rate", "provider", "endpoint")})
        if rule.kind not in FAULT_KINDS:
            raise ValueError(f"Unknown fault kind {rule.kind!r}; known: {', '.join(FAULT_KINDS)}")
        if rule.endpoint is not None and rule.endpoint not in ENDPOINTS:
            raise ValueError(f"Fault endpoint must be one of {', '.join(ENDPOINTS)}; got {rule.endpoint!r}")
        return rule

    @property
    def spent(self) -> bool:
        return self.times is not None and self.fired >= self.times


@dataclass
class FileEntry:
    data: bytes
    mime: str
    expires_at: float | None = None     # unix time after which the file answers 404 (gccai)
    forced_404: bool = False


@dataclass
class Task:
    """An async task (icodeeasy ?async=1, gccai). Its images are rendered at submit time."""

    id: str
    provider: str
    created: float
    duration: float
    n: int
    urls: list[str]
    cost: float
    model: str
    expires_at: float | None = None
    fail: bool = False           # fails when it would have completed
    failed_now: bool = False     # failed at once (task_fail fired on a poll)
    stuck: bool = False
    polls: int = 0
    billed_failure: bool = False    # bill_failure: its failure still reports `cost` (billing_faults.py)

    def phase(self, now: float) -> tuple[str, float]:
        """("queued" | "running" | "completed" | "failed", fraction done) at time `now`."""
        if self.failed_now:
            return "failed", self.fraction(now)
        frac = self.fraction(now)
        if self.stuck:
            return "running", min(frac, 0.5)
        if frac >= 1:
            return ("failed" if self.fail else "completed"), 1.0
        return ("queued" if frac < 0.2 else "running"), frac

    def fraction(self, now: float) -> float:
        return 1.0 if self.duration <= 0 else min(1.0, max(0.0, (now - self.created) / self.duration))


class SimState:
    def __init__(self, config: SimConfig | None = None):
        self.config = config or SimConfig()
        self.lock = threading.RLock()
        self.reset()

    # --- lifecycle -------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.settings = replace(self.config)
            self.rng = random.Random(self.settings.seed)
            self.recorded: collections.deque[RecordedRequest] = collections.deque()
            self.recorded_bytes = 0
            self.faults: list[FaultRule] = []
            self.counters: collections.Counter[str] = collections.Counter()
            self.in_flight: collections.Counter[tuple[str, str]] = collections.Counter()
            self.max_in_flight: dict[str, int] = {}
            self.daily: dict[tuple[str, str], int] = {}     # (fingerprint, day) → images
            self.tasks: dict[str, Task] = {}
            self.files: collections.OrderedDict[str, FileEntry] = collections.OrderedDict()
            self.file_bytes = 0

    def configure(self, **settings) -> None:
        known = {f.name for f in fields(SimConfig)}
        unknown = set(settings) - known
        if unknown:
            raise ValueError(f"Unknown simulator settings: {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        with self.lock:
            for k, v in settings.items():
                # Cast by the field's own type, so SimConfig(latency=1) still takes latency=0.5 later.
                setattr(self.settings, k, type(getattr(_DEFAULTS, k))(v))
            if "seed" in settings:
                self.rng = random.Random(self.settings.seed)

    def set_faults(self, rules: list[dict | FaultRule]) -> None:
        parsed = [r if isinstance(r, FaultRule) else FaultRule.from_dict(r) for r in rules]
        with self.lock:
            self.faults = parsed

    # --- recording -------------------------------------------------------------------------------------
    def record(self, rec: RecordedRequest) -> None:
        with self.lock:
            self.recorded.append(rec)
            self.recorded_bytes += len(rec.body)
            self.counters["requests"] += 1
            self.counters["path:" + rec.path] += 1
            if rec.had_auth:
                self.counters["with_auth"] += 1
            while self.recorded and (len(self.recorded) > self.settings.max_recorded
                                     or self.recorded_bytes > self.settings.max_recorded_bytes):
                old = self.recorded.popleft()
                self.recorded_bytes -= len(old.body)

    def requests(self, path_contains: str | None = None) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.recorded if path_contains is None or path_contains in r.path]

    def count(self, name: str, by: int = 1) -> None:
        with self.lock:
            self.counters[name] += by

    # --- faults ----------------------------------------------------------------------------------------
    def take_fault(self, provider: str, endpoint: str, kinds: tuple[str, ...] | str) -> FaultRule | None:
        """The first live rule of one of `kinds` that matches and fires now; firing consumes one of its `times`."""
        kinds = (kinds,) if isinstance(kinds, str) else kinds
        with self.lock:
            for rule in self.faults:
                if rule.kind not in kinds or rule.spent:
                    continue
                if rule.provider not in (None, provider) or rule.endpoint not in (None, endpoint):
                    continue
                if rule.rate is not None and self.rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                self.counters["fault:" + rule.kind] += 1
                return rule
        return None

    # --- limits ----------------------------------------------------------------------------------------
    def enter(self, provider: str, key: str) -> int:
        """One more request in flight for (provider, key); returns how many are in flight now."""
        fp = key_fingerprint(key)
        with self.lock:
            self.in_flight[(provider, fp)] += 1
            now = self.in_flight[(provider, fp)]
            self.max_in_flight[provider] = max(self.max_in_flight.get(provider, 0), now)
            return now

    def flight(self, provider: str, key: str) -> int:
        with self.lock:
            return self.in_flight.get((provider, key_fingerprint(key)), 0)

    def leave(self, provider: str, key: str) -> None:
        fp = key_fingerprint(key)
        with self.lock:
            self.in_flight[(provider, fp)] -= 1
            if self.in_flight[(provider, fp)] <= 0:
                del self.in_flight[(provider, fp)]

    def reserve_daily(self, key: str, day: str, n: int) -> bool:
        """Take n images from the key's daily cap, or refuse if they do not all fit."""
        slot = (key_fingerprint(key), day)
        with self.lock:
            used = self.daily.get(slot, 0)
            if used + n > self.settings.daily_cap:
                return False
            self.daily[slot] = used + n
            return True

    def refund_daily(self, key: str, day: str, n: int) -> None:
        slot = (key_fingerprint(key), day)
        with self.lock:
            self.daily[slot] = max(0, self.daily.get(slot, 0) - n)

    # --- files and tasks -------------------------------------------------------------------------------
    def put_file(self, name: str, entry: FileEntry) -> None:
        with self.lock:
            old = self.files.pop(name, None)
            self.file_bytes += len(entry.data) - (len(old.data) if old else 0)
            self.files[name] = entry
            while len(self.files) > 1 and (len(self.files) > self.settings.max_files
                                           or self.file_bytes > self.settings.max_file_bytes):
                _, dropped = self.files.popitem(last=False)
                self.file_bytes -= len(dropped.data)

    def get_file(self, name: str) -> FileEntry | None:
        with self.lock:
            return self.files.get(name)

    def put_task(self, task: Task) -> None:
        with self.lock:
            self.tasks[task.id] = task

    def get_task(self, task_id: str) -> Task | None:
        with self.lock:
            return self.tasks.get(task_id)

    # --- reporting -------------------------------------------------------------------------------------
    def stats(self) -> dict:
        with self.lock:
            c = self.counters
            return {
                "requests": c["requests"],
                "with_auth": c["with_auth"],
                "by_path": {k[5:]: v for k, v in c.items() if k.startswith("path:")},
                "by_endpoint": {k[9:]: v for k, v in c.items() if k.startswith("endpoint:")},
                "batch_requests": c["batch_requests"],
                "batch_task_ids": c["batch_task_ids"],
                "images_generated": c["images_generated"],
                "files_served": c["files_served"],
                "file_requests": c["file_requests"],
                "file_requests_with_auth": c["file_requests_with_auth"],
                "faults_fired": {k[6:]: v for k, v in c.items() if k.startswith("fault:")},
                "max_in_flight": dict(self.max_in_flight),
                "in_flight": sum(self.in_flight.values()),
                "daily_used": {f"{fp}@{day}": n for (fp, day), n in self.daily.items()},
                "tasks": len(self.tasks),
                "files": len(self.files),
                "settings": asdict(self.settings),
                "at": time.time(),
            }
