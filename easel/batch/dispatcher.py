"""The batch dispatcher: one daemon thread per JobService that sends waiting batch rows as ordinary jobs.

The rows wait in the store, not in a thread or a session, so a batch survives a refresh, and after a restart a
new JobService's dispatcher sends the rest (`resume`). Each cycle groups the waiting rows by key and sends only
as many as the key has free slots: its provider's concurrency cap (QCode: 2 in flight per key) minus the jobs of
that key holding or awaiting a request slot in the store (any process's, single generations included). JobService's per-key semaphore
still guards the wire; the dispatcher keeps the rest of a batch out of the job queue, where a restart would mark
them interrupted. A key with a daily cap (QCode: 100 images a day, reset 00:00 Beijing) sends a row only if its
images fit what is left today; otherwise the rows wait, saying until when, and go on after the reset.

A row's key must be in this process's key ring (a session that chose that provider, or the CLI's key): after a
restart the rows say they wait for it, as an async job does. The Demo's constant key is re-added at once.

A row's wait message is written by this thread, in no reader's session: it is a Text (easel.core.i18n_text), kept
in English in the store and batch.csv, and shown translated with `shown()`.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, timezone

from easel.compare.targets import DEMO_KEY, target_label
from easel.core import identity
from easel.core.background_loop import BackgroundLoop
from easel.core.config import key_fingerprint
from easel.core.errors import EaselError
from easel.core.i18n import N_
from easel.core.i18n_text import Template, Text
from easel.jobs.redact import scrub
from easel.providers import demo_modes
from easel.providers.request import ImageRequest
from easel.store import batches
from easel.usage import quota

__all__ = ["Dispatcher", "dispatcher_for", "resume", "request_from", "reset_label"]

log = logging.getLogger(__name__)

SLOT_STATUSES = ("queued", "running", "submitting")

RESET_BEIJING = Template(N_("{time} Beijing time ({utc} UTC, {date})"), patterns={"time": "[0-9:]+", "utc": "[0-9:]+"})
RESET_IN_ZONE = Template(N_("{time} {zone} ({utc} UTC, {date})"), patterns={"time": "[0-9:]+", "utc": "[0-9:]+"})
WAIT_FOR_KEY = Template(N_("Waiting for the {target} key {fingerprint}: choose that provider with that key in this "
                           "app (or run `easel batch` with it) to send the rest."))
WAIT_FOR_QUOTA = Template(N_("Waiting for {target}'s daily quota: {used} of {cap} images used today on this key. "
                             "Sends again after {reset}."), texts=("reset",))
_dispatchers: "weakref.WeakKeyDictionary[object, Dispatcher]" = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def request_from(d: dict) -> ImageRequest:
    """A stored row's request (ImageRequest.describe(); a batch row has no input images)."""
    return ImageRequest(prompt=d.get("prompt") or "", size=d.get("size"), resolution=d.get("resolution"),
                        quality=d.get("quality"), n=int(d.get("n") or 1), model=d.get("model"),
                        extras=dict(d.get("extras") or {}), async_=bool(d.get("async_")))


def reset_label(at: datetime, tz_name: str | None) -> Text:
    """'00:00 Beijing time (16:00 UTC, 6 Dec)': when a daily quota resets, in the provider's own day."""
    local = at.astimezone(quota.reset_zone(tz_name))
    utc = at.astimezone(timezone.utc)
    args = dict(time=f"{local:%H:%M}", utc=f"{utc:%H:%M}", date=f"{utc.day} {utc:%b}")
    if (tz_name or "Asia/Shanghai") == "Asia/Shanghai":
        return RESET_BEIJING(**args)
    return RESET_IN_ZONE(**args, zone=str(tz_name))


class Dispatcher(BackgroundLoop):
    thread_name = "easel-batch"

    def __init__(self, jobs, *, idle_s: float = 0.2, blocked_s: float = 2.0):
        super().__init__()
        self.jobs = jobs
        self.store = jobs.store
        self.idle_s = idle_s            # while rows wait for a slot: how soon a finished job's slot is reused
        self.blocked_s = blocked_s      # while every waiting row waits for a key or the quota reset
        self._busy = False              # the last cycle left rows waiting for a slot (or sent some)
        self.sent = 0                      # rows sent by this dispatcher
        jobs.keyring.on_register(lambda ident: self.wake())      # a key came back: its rows can go now

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            if getattr(self.jobs, "_closed", False):       # its JobService closed: the next process sends the rest
                with self._lock:
                    self._thread = None
                return
            try:
                waiting = self.run_cycle()
            except Exception:  # noqa: BLE001 - the dispatcher must outlive one bad cycle
                log.exception("batch dispatch cycle failed")
                waiting = 1
            with self._lock:
                if not waiting:                       # nothing left to send: the thread ends; start() brings it back
                    self._thread = None
                    return
            self._wake.wait(self.idle_s if self._busy else self.blocked_s)
            self._wake.clear()

    # --- one cycle -------------------------------------------------------------------------------------
    def run_cycle(self, now: float | None = None) -> int:
        """Send what fits now. Returns how many rows still wait."""
        rows = batches.waiting_rows(self.store)
        groups: OrderedDict[tuple[str, str], list] = OrderedDict()
        for row in rows:
            groups.setdefault((row.provider, row.key_fingerprint), []).append(row)
        left = 0
        self._busy = False
        for (provider, fingerprint), group in groups.items():
            left += len(group) - self._send_group(provider, fingerprint, group, now)
        return left

    def _demo_entry(self, provider: str, fingerprint: str, target: str):
        """The Demo's key is a constant and its simulator is local: a restarted process re-adds it itself, so a
        Demo batch goes on without waiting for a session to choose that Demo mode again."""
        if not (target == "demo" or target.startswith("demo:")) or provider not in demo_modes.SIMULATABLE \
                or fingerprint != key_fingerprint(DEMO_KEY):
            return None
        from easel.simulator import local

        self.jobs.keyring.add(demo_modes.demo_profile(provider, local.ensure_simulator()), DEMO_KEY)
        return self.jobs.keyring.get(provider, fingerprint)

    def _send_group(self, provider: str, fingerprint: str, group: list, now: float | None) -> int:
        entry = self.jobs.keyring.get(provider, fingerprint) or self._demo_entry(provider, fingerprint,
                                                                                  group[0].target)
        if entry is None:
            for row in group:
                if row.wait_message is None:
                    batches.note_wait(self.store, row.batch_id, row.row_no,
                                      str(WAIT_FOR_KEY(target=row.target, fingerprint=fingerprint)))
            return 0
        profile = replace(entry.profile, base_url=entry.base_url)
        # A request slot is held by a job being sent or waiting to be (queued, running, submitting); a task the
        # poller follows (pending) holds none, so a batch of tasks is submitted at the cap's pace, not run by it.
        held = ", ".join("?" for _ in SLOT_STATUSES)
        in_flight = self.store.query(f"SELECT COUNT(*) FROM jobs WHERE provider = ? AND key_fingerprint = ? AND "
                                     f"status IN ({held})", (provider, fingerprint, *SLOT_STATUSES))[0][0]
        slots = max(0, profile.concurrency - in_flight)
        q = quota.quota_status(self.store, fingerprint, provider=provider, now=now) if profile.daily_image_cap \
            else None
        used, pending = (q.used, q.in_flight) if q is not None else (0, 0)
        sent = 0
        sessions: dict[str, str | None] = {}
        owners: dict[str, str] = {}
        busy = True                     # unless the quota stops this key below, its rows wait only for slots
        for i, row in enumerate(group):
            if slots <= 0:
                break
            request = request_from(row.request)
            if q is not None and used + request.n > q.cap:
                self._quota_wait(group[i:], q, used, profile)
                busy = False
                break
            if q is not None and used + pending + request.n > q.cap:
                break                         # fits only if an image in flight fails: wait for it to settle
            if not batches.claim_row(self.store, row.batch_id, row.row_no):
                continue                      # another process's dispatcher took it
            if row.batch_id not in sessions:
                b = batches.get_batch(self.store, row.batch_id)
                sessions[row.batch_id] = b.session_id if b is not None else None
                owners[row.batch_id] = b.owner if b is not None else ""
            client = self.jobs.make_client(profile, entry)
            try:
                # This thread acts for no one: the row's job is its batch's owner's (easel.core.identity).
                with identity.use_person(identity.person(owners[row.batch_id])):
                    job_id = self.jobs.submit(client, request, session_id=sessions[row.batch_id],
                                              batch_id=row.batch_id)
            except EaselError as e:
                batches.set_row_not_sent(self.store, row.batch_id, row.row_no, e.code, scrub(e.log_message()))
                continue
            except Exception:
                # Not the request's fault (the service is shutting down): the row waits for the next process.
                batches.requeue_rows(self.store, row.batch_id, [row.row_no])
                raise
            finally:
                close = getattr(client, "close", None)
                if close is not None:
                    close()
            batches.set_row_job(self.store, row.batch_id, row.row_no, job_id)
            self.sent += 1
            sent += 1
            slots -= 1
            pending += request.n
        self._busy = self._busy or busy or sent > 0
        return sent

    def _quota_wait(self, rows: list, q, used: int, profile) -> None:
        until = q.resets_at
        message = str(WAIT_FOR_QUOTA(target=target_label(rows[0].target), used=used, cap=q.cap,
                                     reset=reset_label(until, profile.quota_reset_tz)))
        for row in rows:
            if row.wait_message != message:          # a cycle every few seconds rewrites nothing unchanged
                batches.note_wait(self.store, row.batch_id, row.row_no, message, until.timestamp())


def dispatcher_for(jobs) -> Dispatcher:
    """The one dispatcher of a JobService."""
    with _registry_lock:
        d = _dispatchers.get(jobs)
        if d is None:
            d = _dispatchers[jobs] = Dispatcher(jobs)
        return d


def resume(jobs) -> Dispatcher:
    """Start sending any batch rows still waiting in the store (after a restart, or a new process)."""
    d = dispatcher_for(jobs)
    batches.requeue_orphans(jobs.store)
    if batches.waiting_rows(jobs.store, limit=1):
        d.start()
    return d
