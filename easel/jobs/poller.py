"""The task poller: one daemon thread per process that follows every pending async task in the store.

Each cycle groups the due tasks by (provider, key, base URL) and polls each group — for gccai in batches of
at most the dialect's POLL_BATCH_LIMIT ids, so a cycle sends ⌈pending ÷ batch size⌉ requests per key. A batch
the provider refuses as too large is halved, and the smaller size is kept for that key. Finished tasks are
downloaded at once (gccai's links expire) under a lease in the store, so two pollers, in this process or
another, never fetch a result twice. A due task is leased before it is polled (Store.lease_tasks), so replicas
sharing one PostgreSQL database each poll a task in turn, never both at once. A poller leases only its fair share
of a key's due tasks (⌈due ÷ the key's pollers⌉, Store.join_pollers): the downloads that follow a poll are the
slow part, and a replica that leased them all would leave the others idle while it fetched every result alone.

Over 300 lines as one cohesive thing: one cycle (claim, poll, download, settle) and the backoff and deadline
rules that govern it; the pieces only make sense together.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from typing import Protocol

from easel.core.background_loop import BackgroundLoop
from easel.providers import pricing
from easel.providers.catalog import Profile
from easel.providers.dialects import get_dialect
from easel.core.errors import ConfigError, EaselError, RateLimited, TaskFailed
from easel.core.i18n import N_
from easel.jobs.keyring import KeyEntry, KeyRing
from easel.jobs.redact import scrub
from easel.core.models import TaskState, TaskStatus
from easel.providers.request import ImageRequest
from easel.store import JobRow, Store, TaskRow


__all__ = ["Poller", "MAX_BACKOFF_S", "BATCH_REFUSED_STATUSES"]

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 60.0
SETTLE_EVERY_S = 5.0            # how often jobs left open by a killed replica are looked for (and how quiet they must be)
_OPEN_JOB = ("pending", "waiting_for_key", "timed_out")
_IMAGES_PER_TASK = 100          # image idx = task idx × 100 + position, so tasks of one job never collide
# gccai documents no error for an oversized batch. Reading: a 400 or 413 to a batch of more than one id means
# "too many ids" (the simulator answers 400), so the batch is halved; a lone id goes as a plain GET, where
# the same status is an ordinary poll error and backs off.
BATCH_REFUSED_STATUSES = (400, 413)


class _BatchRefused(Exception):
    """A batch poll was refused as too large: halve it and go on."""


class PollerHost(Protocol):
    """What the poller needs of the job service that owns it (JobService). A protocol, so the poller never
    imports the service that constructs it."""

    store: Store
    keyring: KeyRing
    owner: str

    def profile_for(self, job: JobRow, entry: KeyEntry | None = None) -> Profile: ...
    def make_client(self, profile: Profile, entry: KeyEntry, *, job_id: str | None = None): ...
    def update_job(self, job_id: str, **fields) -> bool: ...
    def make_thumbnails_later(self, job_id: str) -> None: ...
    def rebuild_request(self, job: JobRow) -> ImageRequest: ...
    def semaphore(self, provider: str, fingerprint: str, size: int) -> threading.BoundedSemaphore: ...


class Poller(BackgroundLoop):
    thread_name = "easel-poller"

    def __init__(self, service: PollerHost, *, idle_s: float = 1.0, lease_s: float = 120.0):
        super().__init__()
        self.service = service
        self.store = service.store
        self.idle_s = idle_s            # also how soon tasks another process added are noticed
        self.lease_s = lease_s
        self.cycles = 0                 # cycles that sent at least one poll request
        self._cycle_counted = False
        self.poll_requests = 0          # client.poll calls (gccai: one batch request each)
        self.downloads = 0              # results this poller fetched and stored
        self._groups: set[str] = set()  # the keys this poller counts itself among the pollers of (join_pollers)
        self._settle_at = 0.0           # time.monotonic() of the next look for jobs a killed replica left open
        self._clients: dict[tuple[str, str, str], object] = {}
        self._batch_limits: dict[tuple[str, str, str], int] = {}   # per key, once a provider refused a batch

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the group in hand; a download under way finishes, so nothing is left half-stored."""
        super().stop(timeout)
        with self._lock:
            clients, self._clients = self._clients, {}
        for client in clients.values():
            try:
                client.close()
            except Exception:  # noqa: BLE001
                pass

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    next_due = self.run_cycle()
                except Exception:  # noqa: BLE001 - the poller must outlive any one bad cycle
                    log.exception("poll cycle failed")
                    next_due = None
                delay = self.idle_s if next_due is None else min(max(next_due - time.time(), 0.005), self.idle_s)
                self._wake.wait(delay)
                self._wake.clear()
        finally:
            self._leave_groups()

    def _leave_groups(self, keep: set[str] = frozenset()) -> None:
        """A stopped poller, or one that no longer has a key's tasks and key, no longer counts among that key's
        pollers, so the others take whole shares. On this thread: the advisory locks are its connection's."""
        groups, self._groups = self._groups - keep, self._groups & keep
        for group in groups:
            try:
                self.store.leave_pollers(group)
            except Exception:  # noqa: BLE001 - a closed store or a dropped connection has let go already
                pass

    # --- one cycle -------------------------------------------------------------------------------------
    def run_cycle(self) -> float | None:
        """Poll every group that has a due task. Returns when the next task falls due (None: nothing to do)."""
        now = time.time()
        self._settle_orphans()
        tasks = self.store.pending_tasks()
        if not tasks:
            self._leave_groups()
            return None
        jobs: dict[str, JobRow] = {}
        groups: dict[tuple[str, str, str], list[tuple[JobRow, TaskRow]]] = defaultdict(list)
        profiles: dict[str, Profile] = {}
        entries: dict[tuple[str, str], KeyEntry] = {}
        for task in tasks:
            job = jobs.get(task.job_id) or self.store.get_job(task.job_id)
            if job is None:
                continue
            jobs[job.id] = job
            entry = self.service.keyring.get(job.provider, job.key_fingerprint)
            if entry is None:
                self._wait_for_key(job)
                continue
            if job.status == "waiting_for_key":
                self.service.update_job(job.id, where_status=("waiting_for_key",), status="pending", error_message=None)
            profile = profiles.get(job.id) or self.service.profile_for(job, entry)
            profiles[job.id] = profile
            ident = (job.provider, job.key_fingerprint, profile.base_url)
            entries[ident[:2]] = entry
            groups[ident].append((job, task))
        self._leave_groups(keep={_group(ident) for ident in groups})

        next_due: float | None = None
        self._cycle_counted = False
        for ident, items in groups.items():
            if self._stop.is_set():
                break
            pollers = self._join(ident)           # counted while it has tasks of the key, due or not
            schedule = profiles[items[0][0].id].poll
            window = min(schedule.interval_s / 2, 1.0)    # poll near-due tasks together: one batch, not two
            due = [(j, t) for j, t in items if t.next_poll_at <= now + window or _past(t, now)]
            due_ids = {(j.id, t.task_id) for j, t in due}
            later = [t.next_poll_at for j, t in items if (j.id, t.task_id) not in due_ids]
            if due:
                later.append(self._poll_leased(pollers, due, profiles, entries[ident[:2]], now, now + window,
                                               schedule.interval_s))
            if later:
                next_due = min(later) if next_due is None else min(next_due, *later)
        return next_due

    def _settle_orphans(self) -> None:
        """End the jobs whose tasks have all ended while the job stayed pending: the replica that stored the last
        task's end was killed before it stored the job's. No poller would look at them again (no open task)."""
        if time.monotonic() < self._settle_at:
            return
        self._settle_at = time.monotonic() + SETTLE_EVERY_S
        for job_id in self.store.open_jobs_with_closed_tasks(quiet_s=SETTLE_EVERY_S):
            job = self.store.get_job(job_id)
            if job is None:
                continue
            try:
                profile = self.service.profile_for(job, self.service.keyring.get(job.provider, job.key_fingerprint))
                failed = [t for t in self.store.list_tasks(job_id) if t.status == "failed"]
                if not failed:
                    self._finish_if_done(job, profile)
                    continue
                error = TaskFailed(N_("Task {task_id} failed: {reason}"),
                                   dict(task_id=failed[0].task_id, reason=failed[0].last_error or "-"),
                                   code="task_failed", provider=profile.label)
                self._fail_job(job, profile, error.code, error.log_message())
            except Exception:  # noqa: BLE001 - one job that cannot be settled must not stop the polling
                log.exception("could not settle job %s", job_id)

    def _join(self, ident: tuple[str, str, str]) -> int:
        """Count this poller among the pollers of a key (provider, fingerprint, base URL); how many it has now."""
        group = _group(ident)
        pollers = self.store.join_pollers(group)
        self._groups.add(group)
        return pollers

    def _poll_leased(self, pollers: int, due: list[tuple[JobRow, TaskRow]],
                     profiles: dict[str, Profile], entry: KeyEntry, now: float, due_before: float,
                     interval_s: float) -> float:
        """Poll this poller's share of the due tasks it can lease. Another replica's poller (same store) may hold
        some or have just polled them: those are left to it, so each poll of a task is sent once across replicas.

        The share is ⌈due ÷ the key's pollers⌉, counted over every due task (those others hold included), so two
        replicas that lease at once split the tasks in halves, and one that comes back first takes half of what
        is left. Alone on a key (and always on SQLite) a poller takes every due task, in ⌈due ÷ batch limit⌉
        requests; shared, a key's due tasks may take one more request per replica in total."""
        owner = self.service.owner
        share = -(-len(due) // pollers)
        taken = self.store.lease_tasks([(j.id, t.task_id) for j, t in due], owner, self.lease_s,
                                       due_before=due_before, limit=share if pollers > 1 else None)
        mine = [(j, t) for j, t in due if (j.id, t.task_id) in taken]
        if not mine:
            return now + interval_s
        try:
            next_due = self._poll_batches(mine, profiles, entry, now)
        finally:
            self.store.release_tasks(taken, owner)
        # Share taken in full while more were due: the rest may still be free, so come back at once for a share of
        # it rather than an interval later (a replica that took them meanwhile has moved their next poll on).
        return now if len(taken) >= share and len(due) > share else next_due

    def check_job(self, job: JobRow) -> None:
        """Poll one job's open or timed-out tasks now (the Tasks page's 'Check now')."""
        entry = self.service.keyring.get(job.provider, job.key_fingerprint)
        if entry is None:
            raise ConfigError(N_("Enter the {provider} key ({fingerprint}) in this session to check this task."),
                              dict(provider=job.provider, fingerprint=job.key_fingerprint), code="missing_key")
        profile = self.service.profile_for(job, entry)
        items = [(job, t) for t in self.store.list_tasks(job.id) if t.status in ("pending", "running", "timed_out")]
        if items:
            self._poll_batches(items, {job.id: profile}, entry, time.time(), by_hand=True)

    def batch_limit(self, profile: Profile, fingerprint: str) -> int | None:
        """Ids per poll request for this key (None: the dialect has no batch poll, one client.poll per group)."""
        limit = getattr(get_dialect(profile.dialect), "POLL_BATCH_LIMIT", None)
        if limit is None:
            return None
        return self._batch_limits.get((profile.id, fingerprint, profile.base_url), limit)

    def _poll_batches(self, items: list[tuple[JobRow, TaskRow]], profiles: dict[str, Profile], entry: KeyEntry,
                      now: float, *, by_hand: bool = False) -> float:
        """Poll `items` in batches of the key's batch limit. Returns when these tasks are next due."""
        profile = profiles[items[0][0].id]
        fingerprint = items[0][0].key_fingerprint
        next_due: float | None = None
        start = 0
        while start < len(items) and not (self._stop.is_set() and not by_hand):
            limit = self.batch_limit(profile, fingerprint)
            batch = items[start:] if limit is None else items[start:start + limit]
            try:
                due = self._poll(batch, profiles, entry, now, by_hand=by_hand,
                                 halvable=limit is not None and len(batch) > 1)
            except _BatchRefused:
                self._batch_limits[(profile.id, fingerprint, profile.base_url)] = len(batch) // 2
                log.info("%s refused a batch of %d task ids; polling %d at a time", profile.label, len(batch),
                         len(batch) // 2)
                continue
            next_due = due if next_due is None else min(next_due, due)
            start += len(batch)
        return now + profile.poll.interval_s if next_due is None else next_due

    # --- one poll request and what follows from it -----------------------------------------------------
    def _poll(self, items: list[tuple[JobRow, TaskRow]], profiles: dict[str, Profile], entry: KeyEntry,
              now: float, *, by_hand: bool = False, halvable: bool = False) -> float:
        """Poll `items` in one call and act on the answers. Returns when these tasks are next due.

        With `halvable`, a refusal of the batch as too large raises _BatchRefused instead of backing off."""
        first_job = items[0][0]
        profile = profiles[first_job.id]
        schedule = profile.poll
        client = self._client(profile, entry, first_job.key_fingerprint)
        sem = self.service.semaphore(profile.id, first_job.key_fingerprint, profile.concurrency)
        if not sem.acquire(timeout=10.0 if by_hand else 0.5):
            if by_hand:
                raise RateLimited(N_("Every request slot of this {label} key is busy; try again in a moment."),
                                  dict(label=profile.label), code="key_busy", provider=profile.label)
            return now + schedule.interval_s            # every slot of this key is busy; try next cycle
        try:
            self.poll_requests += 1
            if not by_hand and not self._cycle_counted:
                # Counted at its first request, not at its end: the cycle's downloads are seen before it ends.
                self.cycles += 1
                self._cycle_counted = True
            statuses = client.poll([t.task_id for _, t in items])
        except EaselError as e:
            if halvable and e.status in BATCH_REFUSED_STATUSES:
                raise _BatchRefused() from e
            return self._poll_failed(items, profiles, e, now, by_hand)
        finally:
            sem.release()
        by_id: dict[str, TaskStatus] = {s.task_id: s for s in statuses}
        next_due = now + schedule.interval_s
        # A batch's downloads may outlast the poll lease (100 large results): the rest of it is re-leased every
        # third of a lease, so another replica does not poll them again meanwhile.
        renew_at = time.monotonic() + self.lease_s / 3
        for i, (job, task) in enumerate(items):
            if self._stop.is_set() and not by_hand:
                break
            if not by_hand and time.monotonic() >= renew_at:
                self.store.renew_leases([(j.id, t.task_id) for j, t in items[i:]], self.service.owner, self.lease_s)
                renew_at = time.monotonic() + self.lease_s / 3
            status = by_id.get(task.task_id)
            job_profile = profiles[job.id]
            if status is None:
                missing = EaselError(N_("{label}'s answer did not include task {task_id}."),
                                     dict(label=job_profile.label, task_id=task.task_id), code="task_missing")
                next_due = min(next_due, self._poll_failed([(job, task)], profiles, missing, now, by_hand))
            elif status.state is TaskState.COMPLETED:
                retry_at = self._collect(job, task, status, job_profile, client)
                if retry_at is not None:
                    next_due = min(next_due, retry_at)
            elif status.state is TaskState.FAILED:
                self._task_failed(job, task, status, job_profile)
            elif _past(task, now) and not by_hand:
                self._timed_out(job, task, job_profile)
            else:
                self._still_running(job, task, status, now + schedule.interval_s, by_hand, job_profile)
        return next_due

    def _poll_failed(self, items, profiles, error: EaselError, now: float, by_hand: bool) -> float:
        """A poll error backs off (doubling the interval up to a minute) until the deadline."""
        next_due = now + MAX_BACKOFF_S
        message = scrub(error.log_message())
        for job, task in items:
            interval = profiles[job.id].poll.interval_s
            errors = task.poll_errors + 1
            at = now + min(interval * 2 ** errors, MAX_BACKOFF_S)
            next_due = min(next_due, at)
            self.store.update_task(job.id, task.task_id, poll_errors=errors, last_error=message, next_poll_at=at,
                                   polls=task.polls + 1)
            if _past(task, now) and not by_hand and task.status != "timed_out":
                self._timed_out(job, task, profiles[job.id], last_error=message)
        return next_due

    def _still_running(self, job: JobRow, task: TaskRow, status: TaskStatus, next_at: float, by_hand: bool,
                       profile: Profile) -> None:
        task_status = task.status if task.status == "timed_out" else (
            "running" if status.state is TaskState.RUNNING else "pending")
        self.store.update_task(job.id, task.task_id, status=task_status, progress=status.progress, polls=task.polls + 1,
                               poll_errors=0, last_error=None, next_poll_at=next_at)
        changed = status.progress is not None and status.progress != job.progress
        fields = {"progress": status.progress} if changed else {}
        if by_hand and job.status == "timed_out":
            fields["error_message"] = _timed_out_message(profile, task, checked_at=time.strftime('%H:%M:%S'),
                                                         progress=status.progress)
        if fields:
            self.service.update_job(job.id, **fields)

    def _collect(self, job: JobRow, task: TaskRow, status: TaskStatus, profile: Profile, client) -> float | None:
        """Download a finished task's images into the store. Returns a retry time if the download must wait."""
        owner = self.service.owner
        if not self.store.claim_task(job.id, task.task_id, self.lease_s, owner):
            return None                                   # another poller holds it, or it is already done
        try:
            have = {img.idx for img in self.store.list_images(job_id=job.id, include_deleted=True, limit=10_000)}
            if not status.images:
                raise EaselError(N_("{label} reported task {task_id} complete without any image."),
                                 dict(label=profile.label, task_id=task.task_id), code="no_images")
            for i, raw in enumerate(status.images):
                idx = task.idx * _IMAGES_PER_TASK + i
                if idx in have:
                    continue                              # stored before a restart: never fetched twice
                self.store.add_image(job.id, idx, client.download(raw))
                self.downloads += 1
        except EaselError as e:
            self.store.release_task(job.id, task.task_id, owner)
            message = scrub(e.log_message())
            if e.retryable:
                at = time.time() + profile.poll.interval_s
                self.store.update_task(job.id, task.task_id, last_error=message, next_poll_at=at)
                return at
            self.store.update_task(job.id, task.task_id, status="failed", last_error=message)
            failure = TaskFailed(N_("The result of task {task_id} could not be stored: {error}"),
                                 dict(task_id=task.task_id, error=e.render("en")), code=e.code,
                                 status=e.status, provider=profile.label)
            self._fail_job(job, profile, e.code, failure.log_message())
            return None
        request = self._request(job)
        cost = pricing.actual(profile, request, status).amount
        self.store.update_task(job.id, task.task_id, status="completed", progress=100, cost=cost, polls=task.polls + 1,
                               cost_reported=pricing.reported(profile, request, status).amount,
                               last_error=None, lease_owner=None, lease_until=None)
        self._finish_if_done(job, profile)
        return None

    def _finish_if_done(self, job: JobRow, profile: Profile) -> None:
        tasks = self.store.list_tasks(job.id)
        if any(t.status != "completed" for t in tasks):
            return
        costs = [t.cost for t in tasks]
        images = self.store.list_images(job_id=job.id, include_deleted=True, limit=10_000)
        now = time.time()
        self.service.update_job(
            job.id, where_status=_OPEN_JOB, status="completed", progress=100, error_code=None, error_message=None,
            cost_actual=None if any(c is None for c in costs) else round(sum(costs), 6),
            cost_reported=_task_sum(tasks),
            cost_formula=pricing.formula(profile, self._request(job), images=images).amount,
            currency="USD" if profile.pricing == "task_reported" else profile.currency,
            latency_s=now - job.created_at, finished_at=now)
        # On a worker, not here: a 2048² thumbnail takes a fraction of a second the other tasks' polls would wait.
        self.service.make_thumbnails_later(job.id)

    def _task_failed(self, job: JobRow, task: TaskRow, status: TaskStatus, profile: Profile) -> None:
        reason = status.error_message
        # The provider's reason is a param: it stays verbatim in every language.
        error = TaskFailed(N_("Task {task_id} failed: {reason}") if reason else
                           N_("Task {task_id} failed; the provider gave no reason."),
                           dict(task_id=task.task_id, reason=reason), code=status.error_code or "task_failed",
                           provider=profile.label)
        # A failed task's own cost is kept as reported (0 when the provider is right; billing_faults' bill_failure).
        self.store.update_task(job.id, task.task_id, status="failed", last_error=scrub(reason or ""), polls=task.polls + 1,
                               cost_reported=status.reported_cost)
        self._fail_job(job, profile, error.code, error.log_message())

    def _fail_job(self, job: JobRow, profile: Profile, code: str, message: str) -> None:
        now = time.time()
        self.service.update_job(job.id, where_status=_OPEN_JOB, status="failed", error_code=code,
                                error_message=scrub(message), latency_s=now - job.created_at, finished_at=now,
                                cost_actual=pricing.actual(profile, ImageRequest(prompt="-"), failed=True).amount,
                                cost_reported=_task_sum(self.store.list_tasks(job.id), partial=True),
                                cost_formula=pricing.formula(profile, ImageRequest(prompt="-"), failed=True).amount)

    def _timed_out(self, job: JobRow, task: TaskRow, profile: Profile, *, last_error: str | None = None) -> None:
        message = _timed_out_message(profile, task, last_error=last_error)
        self.store.update_task(job.id, task.task_id, status="timed_out", last_error=last_error)
        self.service.update_job(job.id, where_status=("pending", "waiting_for_key"), status="timed_out",
                                error_code="task_timed_out", error_message=message, finished_at=time.time())

    def _wait_for_key(self, job: JobRow) -> None:
        if job.status == "pending":
            self.service.update_job(
                job.id, where_status=("pending",), status="waiting_for_key",
                error_message=N_("Waiting for the {provider} key {fingerprint}: enter it in this session to resume "
                                 "polling.").format(provider=job.provider, fingerprint=job.key_fingerprint))

    # --- helpers ---------------------------------------------------------------------------------------
    def _client(self, profile: Profile, entry: KeyEntry, fingerprint: str):
        ident = (profile.id, fingerprint, profile.base_url)
        with self._lock:
            client = self._clients.get(ident)
            if client is None:
                client = self._clients[ident] = self.service.make_client(profile, entry)
            return client

    def _request(self, job: JobRow) -> ImageRequest:
        try:
            return self.service.rebuild_request(job)
        except EaselError:
            p = job.params
            return ImageRequest(prompt=job.prompt or "-", size=job.size, resolution=job.resolution,
                                quality=job.quality, n=job.n, model=job.model, extras=dict(p.get("extras") or {}))


def _task_sum(tasks: list[TaskRow], *, partial: bool = False) -> float | None:
    """The job's reported cost: its tasks' own figures summed. None when a task reported none, unless `partial`
    (a failed job: whatever its tasks did report, so a billed failure shows)."""
    figures = [t.cost_reported for t in tasks]
    known = [c for c in figures if c is not None]
    if not known or (not partial and len(known) != len(figures)):
        return None
    return round(sum(known), 6)


def _timed_out_message(profile: Profile, task: TaskRow, *, last_error: str | None = None,
                       checked_at: str | None = None, progress: int | None = None) -> str:
    """The English text stored on a timed-out job. Each variant is one whole message, so each translates as one
    when errors_view shows it (easel.core.errors.translate_logged)."""
    limit = (task.deadline_at or task.created_at) - task.created_at
    params = dict(label=profile.label, task_id=task.task_id, seconds=f"{limit:.0f}", error=last_error,
                  time=checked_at, progress=progress)
    if checked_at and progress is not None:
        msgid = N_("{label}'s task {task_id} did not finish within {seconds} s, so Easel stopped polling it. It may "
                   "still finish (and be billed): use 'Check now' to look again. Checked by hand at {time}: still "
                   "running ({progress} %).")
    elif checked_at:
        msgid = N_("{label}'s task {task_id} did not finish within {seconds} s, so Easel stopped polling it. It may "
                   "still finish (and be billed): use 'Check now' to look again. Checked by hand at {time}: still "
                   "running.")
    elif last_error:
        msgid = N_("{label}'s task {task_id} did not finish within {seconds} s, so Easel stopped polling it. It may "
                   "still finish (and be billed): use 'Check now' to look again. Last poll error: {error}")
    else:
        msgid = N_("{label}'s task {task_id} did not finish within {seconds} s, so Easel stopped polling it. It may "
                   "still finish (and be billed): use 'Check now' to look again.")
    return msgid.format(**params)


def _group(ident: tuple[str, str, str]) -> str:
    """The name a key's pollers share across replicas (Store.join_pollers): provider, fingerprint, base URL."""
    return "easel-pollers:" + ":".join(ident)


def _past(task: TaskRow, now: float) -> bool:
    return task.deadline_at is not None and task.deadline_at <= now
