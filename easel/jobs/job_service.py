"""JobService: every generation and edit is a job written to the store before the first byte goes out.

Sync jobs run on a worker thread; async jobs are submitted on a worker and handed to the poller
(easel.jobs.poller). Pages and the CLI only submit jobs and read rows, so nothing blocks the script thread and
nothing is lost on a refresh or a restart.

Over 300 lines as one cohesive thing: submit, run, cancel, retry and recover share the per-key semaphores and
the job state machine. The poller (poller.py), the key ring and redaction are apart.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Callable

from easel.providers import pricing
from easel.providers.catalog import PollSchedule, Profile, get_profile
from easel.core.errors import ConfigError, EaselError, ValidationError
from easel.jobs.key_slots import KeySlots
from easel.jobs.keyring import KeyEntry, KeyRing
from easel.jobs.redact import scrub
from easel.core.models import Money
from easel.core.i18n import N_
from easel.core.identity import Person
from easel.providers.request import ImageInput, ImageRequest, validate
from easel.store import JobRow, Store, TERMINAL_STATUSES, partials
from easel.media import thumbnails

__all__ = ["JobService", "service", "interrupted_message"]

log = logging.getLogger(__name__)

ProfileResolver = Callable[[JobRow], "Profile | None"]
ClientFactory = Callable[..., object]

# What each provider's doc says about a request cut off mid-flight, quoted in the 'interrupted' message.
# Whole sentences, so each translates as one (the stored text is English; errors_view translates it when shown).
_NOT_BILLED = {
    "qcode": N_("Interrupted by a restart. QCode's doc: failed requests and client disconnects are not billed."),
    "icodeeasy": N_("Interrupted by a restart. icodeeasy's doc: failed requests are not billed."),
    "demo": N_("Interrupted by a restart. The Demo is simulated, so nothing was billed."),
}


def interrupted_message(provider: str) -> str:
    """The English text stored on a job a restart cut off."""
    note = _NOT_BILLED.get(provider)
    if note is not None:
        return note
    try:
        label = get_profile(provider).label
    except ConfigError:
        label = provider
    return N_("Interrupted by a restart. {label}'s doc says nothing about disconnects; check its dashboard for a "
              "charge.").format(label=label)


def _replica_lock(pid: int) -> str:
    return f"easel-replica:{pid}"


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _default_client_factory(profile: Profile, key: str, *, base_url: str, on_attempt=None):
    from easel.providers.client import ProviderClient

    return ProviderClient(profile, key, base_url=base_url, on_attempt=on_attempt)


class JobService:
    """One per process (see `service()`): owns the worker pool, the per-key semaphores, the key ring and the poller."""

    def __init__(self, store: Store | None = None, *, keyring: KeyRing | None = None,
                 resolve_profile: ProfileResolver | None = None, poll_schedule: PollSchedule | None = None,
                 client_factory: ClientFactory | None = None, max_workers: int = 32, recover: bool = True):
        self.store = store or Store()
        self.keyring = keyring or KeyRing()
        self.resolve_profile = resolve_profile
        self.poll_schedule = poll_schedule          # overrides every profile's schedule (tests, benchmarks)
        self.client_factory = client_factory or _default_client_factory
        self.owner = f"{os.getpid()}:{id(self):x}"
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="easel-job")
        self._semaphores: dict[tuple[str, str], threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        from easel.jobs.poller import Poller

        self.poller = Poller(self)
        self.keyring.on_register(lambda ident: self.poller.wake())
        if self.store.engine == "postgres":
            # "This process is alive", for replicas on other machines, where its pid means nothing: held by this
            # store's connection until it closes or the process dies (see _owner_alive).
            self.store.try_advisory_lock(_replica_lock(os.getpid()))
        if recover:
            self.recover()

    # --- plumbing shared with the poller --------------------------------------------------------------
    def semaphore(self, provider: str, fingerprint: str, size: int) -> threading.BoundedSemaphore | KeySlots:
        """The one semaphore for a key in this process, shared by every session's jobs and the poller."""
        with self._lock:
            sem = self._semaphores.get((provider, fingerprint))
            if sem is None:
                # On PostgreSQL the key's slots are shared with every replica (easel/jobs/key_slots.py).
                sem = self._semaphores[(provider, fingerprint)] = (
                    KeySlots(self.store, provider, fingerprint, size) if self.store.engine == "postgres"
                    else threading.BoundedSemaphore(max(1, size)))
            return sem

    def schedule(self, profile: Profile) -> PollSchedule:
        return self.poll_schedule or profile.poll

    def profile_for(self, job: JobRow, entry: KeyEntry | None = None) -> Profile:
        """The profile a stored job runs against in this process. A resolver may re-point it (the Demo's
        simulator moves between processes); otherwise it is the provider's profile at the job's base URL."""
        profile = self.resolve_profile(job) if self.resolve_profile else None
        if profile is None:
            base = entry.profile if entry is not None and entry.profile.id == job.provider else get_profile(job.provider)
            profile = replace(base, base_url=job.base_url or base.base_url)
        if self.poll_schedule is not None:
            profile = replace(profile, poll=self.poll_schedule)
        return profile

    def make_client(self, profile: Profile, entry: KeyEntry, *, job_id: str | None = None):
        on_attempt = self._attempt_logger(job_id) if job_id else None
        return self.client_factory(profile, entry.key, base_url=profile.base_url, on_attempt=on_attempt)

    def _attempt_logger(self, job_id: str):
        def log_attempt(info) -> None:
            self.store.add_attempt(job_id, info.attempt, status_code=info.status_code, error_code=info.error_code,
                                   latency_s=info.latency_s)
        return log_attempt

    def notify(self) -> None:
        """Wake anyone in wait(): a job in this process changed."""
        with self._changed:
            self._changed.notify_all()

    def update_job(self, job_id: str, **fields) -> bool:
        changed = self.store.update_job(job_id, **fields)
        self.notify()
        return changed

    # --- submitting ----------------------------------------------------------------------------------
    def submit(self, client, request: ImageRequest, *, session_id: str | None = None,
               comparison_id: str | None = None, batch_id: str | None = None, check: bool = True) -> str:
        """Validate, estimate and log the request, then run it off-thread. Returns the job id at once.
        `comparison_id`: the comparison (easel.compare) this job is a column of; `batch_id`: the batch
        (easel.batch) it is a row of.

        A ValidationError (or UploadError) goes to the caller and is not logged: nothing was requested.
        `check=False` (the scorecard's invalid-size probe) skips validation and sends a plain sync request as
        given, so the provider's own answer to it is logged like any request."""
        profile: Profile = client.profile
        r = validate(request, profile) if check else replace(request.resolved(profile), async_=False, stream=False)
        ident = self.keyring.register(client)
        entry = self.keyring.get(*ident)
        assert entry is not None
        history = self.store.cost_history(profile.id) if profile.pricing == "task_reported" else None
        est = pricing.estimate(profile, r, history=history)
        inputs = {"images": [self._save_input(i) for i in r.images],
                  "mask": self._save_input(r.mask) if r.mask is not None else None}
        job_id = self.store.create_job(
            provider=profile.id, status="queued", mode="async" if r.async_ else "sync", model=r.model,
            endpoint=r.endpoint, prompt=r.prompt, params=r.describe(), size=r.size, resolution=r.resolution,
            quality=r.quality, n=r.n, ref_count=len(r.images), has_mask=r.mask is not None,
            cost_estimated=est.amount, currency=est.currency, key_fingerprint=ident[1], simulated=profile.simulated,
            session_id=session_id, base_url=entry.base_url, inputs=inputs, comparison_id=comparison_id,
            batch_id=batch_id)
        run_profile = replace(profile, base_url=entry.base_url)
        if self.poll_schedule is not None:
            run_profile = replace(run_profile, poll=self.poll_schedule)
        work = self._run_async_submit if r.async_ else self._run_sync
        self._executor.submit(self._guarded, work, job_id, run_profile, entry, r, check)
        return job_id

    def _save_input(self, image: ImageInput) -> dict:
        if image.is_url:
            return {"url": image.url, "name": image.name}
        return {"sha": self.store.save_input(image.data or b""), "name": image.name, "mime": image.mime}

    def _guarded(self, work, job_id: str, *args) -> None:
        try:
            work(job_id, *args)
        except Exception as e:  # noqa: BLE001 - a worker must leave the row in a final state, never 'running'
            log.exception("job %s crashed", job_id)
            self.update_job(job_id, where_status=("queued", "running", "submitting"), status="failed",
                            error_code="internal_error", error_message=scrub(N_("Easel failed: {kind}: {detail}").format(
                                kind=type(e).__name__, detail=e)),
                            cost_actual=0.0, cost_formula=0.0, finished_at=time.time())

    def _run_sync(self, job_id: str, profile: Profile, entry: KeyEntry, r: ImageRequest, check: bool = True) -> None:
        """A plain request, or a streamed one (`r.stream`): then each partial image is stored as it arrives (the
        page shows the newest) before the final one, and a stream that breaks after partials fails as
        `stream_interrupted` keeping them, copied into the job's images labelled partial
        (easel/store/partials.py): they may have been billed."""
        job = self.store.get_job(job_id)
        if job.status != "queued":                               # cancelled while waiting for a worker
            return
        with self.semaphore(profile.id, job.key_fingerprint, profile.concurrency):
            if not self.update_job(job_id, where_status=("queued",), status="running"):
                return
            started = time.monotonic()
            client = self.make_client(profile, entry, job_id=job_id)
            try:
                outcome = (client.generate_stream(r, self._partial_saver(job_id, r)) if r.stream
                           else client.generate(r, check=check))
            except EaselError as e:
                kept = partials.keep_as_results(self.store, job_id) if r.stream else 0
                self._fail(job_id, e, profile, latency_s=time.monotonic() - started, from_status=("running",))
                if kept:
                    thumbnails.make_thumbnails(self.store, job_id)
                return
            finally:
                client.close()
        self._complete(job_id, profile, r, outcome, outcome.images, latency_s=outcome.latency_s or
                       (time.monotonic() - started))

    def _partial_saver(self, job_id: str, r: ImageRequest):
        expected = r.partial_images or 0

        def on_partial(p) -> None:
            partials.add_partial(self.store, job_id, p.index, p.image)
            # Progress from the previews: partial k of P is (k + 1) / (P + 1) of the way to the final image.
            if expected:
                self.update_job(job_id, progress=min(99, int(100 * (p.index + 1) / (expected + 1))))
            else:
                self.notify()
        return on_partial

    def _run_async_submit(self, job_id: str, profile: Profile, entry: KeyEntry, r: ImageRequest,
                          check: bool = True) -> None:
        job = self.store.get_job(job_id)
        if job.status != "queued":
            return
        with self.semaphore(profile.id, job.key_fingerprint, profile.concurrency):
            if not self.update_job(job_id, where_status=("queued",), status="submitting"):
                return
            client = self.make_client(profile, entry, job_id=job_id)
            try:
                task_ids = client.submit(r)
            except EaselError as e:
                self._fail(job_id, e, profile, from_status=("submitting",))
                return
            finally:
                client.close()
        sched = self.schedule(profile)
        now = time.time()
        # The tasks go in before the job turns 'pending', so the poller never sees a pending job without them.
        self.store.add_tasks(job_id, profile.id, task_ids, first_poll_at=now + sched.first_delay_s,
                             deadline_at=now + sched.deadline_s)
        self.update_job(job_id, where_status=("submitting",), status="pending", task_ids_json=task_ids, progress=0)
        if not self._closed:            # after close() the tasks wait in the store for the next service
            self.poller.start()
            self.poller.wake()

    def _fail(self, job_id: str, error: EaselError, profile: Profile, *, latency_s: float | None = None,
              from_status: tuple[str, ...]) -> None:
        fields = dict(error_code=error.code, error_message=scrub(error.log_message()),
                      cost_actual=pricing.actual(profile, ImageRequest(prompt="-"), failed=True).amount,
                      # A sync failure's error body carries no cost in any doc: nothing reported, formula 0.
                      cost_formula=pricing.formula(profile, ImageRequest(prompt="-"), failed=True).amount,
                      latency_s=latency_s, finished_at=time.time())
        if not self.update_job(job_id, where_status=from_status, status="failed", **fields):
            # Cancelled meanwhile: keep 'cancelled', but record what happened to the request.
            self.update_job(job_id, **fields)

    def _complete(self, job_id: str, profile: Profile, r: ImageRequest, outcome, images, *,
                  latency_s: float | None) -> None:
        """Store every result (before anything else: they are paid for), then the cost and the status."""
        for i, image in enumerate(images):
            self.store.add_image(job_id, i, image)
        cost: Money = pricing.actual(profile, r, outcome, images=images)
        fields = dict(cost_actual=cost.amount, currency=cost.currency, latency_s=latency_s,
                      cost_reported=pricing.reported(profile, r, outcome).amount,
                      cost_formula=pricing.formula(profile, r, images=images, usage=outcome.usage).amount,
                      finished_at=time.time(), progress=100)
        if not self.update_job(job_id, where_status=("running",), status="completed", **fields):
            self.update_job(job_id, error_message=N_(
                "Cancelled while running; {label} still returned {count} image(s), kept because they were billed."
            ).format(label=profile.label, count=len(images)), **fields)
        # After the status, so waiting for a result never waits for its thumbnails either.
        thumbnails.make_thumbnails(self.store, job_id)

    def make_thumbnails_later(self, job_id: str) -> None:
        """Make a job's thumbnails on a worker, so the gallery's first view only reads cached files."""
        if self._closed:
            return
        try:
            self._executor.submit(thumbnails.make_thumbnails, self.store, job_id)
        except RuntimeError:                    # shut down meanwhile: the page makes them on first view instead
            pass

    # --- controls ------------------------------------------------------------------------------------
    def retry(self, job_id: str, client, *, session_id: str | None = None, viewer: Person | None = None) -> str:
        """Run a job again with its original parameters and input images (not the form's current values).
        `viewer` (a page's person): a job they may not read is not found (KeyError), as a missing one."""
        job = self._job(job_id, viewer)
        if client.profile.id != job.provider:
            raise ConfigError(N_("This job ran on {provider}; choose that provider to retry it."),
                              dict(provider=job.provider), code="wrong_provider")
        return self.submit(client, self.rebuild_request(job), session_id=session_id or job.session_id)

    def rebuild_request(self, job: JobRow) -> ImageRequest:
        p, inputs = job.params, job.inputs
        try:
            images = [self._load_input(i) for i in inputs.get("images") or []]
            mask = self._load_input(inputs["mask"]) if inputs.get("mask") else None
        except FileNotFoundError:
            raise ValidationError(N_("This job's input images are no longer in the data directory; "
                                     "it cannot be retried as it was."), code="inputs_missing") from None
        return ImageRequest(prompt=p.get("prompt") or job.prompt, size=p.get("size"), resolution=p.get("resolution"),
                            quality=p.get("quality"), n=int(p.get("n") or job.n), model=p.get("model"),
                            images=images, mask=mask, extras=dict(p.get("extras") or {}),
                            async_=bool(p.get("async_")), edit=bool(p.get("edit")),
                            stream=bool(p.get("stream")), partial_images=p.get("partial_images"))

    def _load_input(self, item: dict) -> ImageInput:
        if "sha" in item:
            return ImageInput(data=self.store.load_input(item["sha"]), name=item.get("name") or "image.png",
                              mime=item.get("mime"))
        return ImageInput(url=item["url"], name=item.get("name") or "image.png")

    def cancel(self, job_id: str, *, viewer: Person | None = None) -> bool:
        """Cancel a queued job (nothing is sent) or a running sync call (its result, if it still arrives, is
        kept: it is paid for). An async task cannot be cancelled at the provider; use stop_following.
        `viewer`: a job they may not read is left alone (False), as a missing one."""
        if viewer is not None and self.get(job_id, viewer=viewer) is None:
            return False
        now = time.time()
        if self.update_job(job_id, where_status=("queued",), status="cancelled", finished_at=now, cost_actual=0.0,
                           cost_formula=0.0, error_message=N_("Cancelled before it was sent; nothing was billed.")):
            return True
        job = self._job(job_id)
        if job.mode == "sync" and job.status == "running":
            return self.update_job(job_id, where_status=("running",), status="cancelled", finished_at=now,
                                   error_message=N_("Cancelled while running; a result that still arrives is kept."))
        return False

    def stop_following(self, job_id: str, *, viewer: Person | None = None) -> bool:
        """Stop polling a task and hide the job from the session's list. The row stays in the usage log.
        `viewer`: a job they may not read is left alone (False), as a missing one."""
        if viewer is not None and self.get(job_id, viewer=viewer) is None:
            return False
        return self.update_job(job_id, followed=0)

    def clear_finished(self, session_id: str | None = None, *, viewer: Person | None = None) -> int:
        """Hide finished jobs from a session's list (all sessions when None). The usage log keeps them.
        A named `viewer` clears only their own jobs: a shared or team job stays listed for everyone else."""
        count = 0
        store = self.store.for_viewer(viewer)
        for job in store.list_jobs(status=TERMINAL_STATUSES, session_id=session_id, followed=True, limit=10_000):
            if store.scoped and job.owner != viewer.id:
                continue
            count += self.store.update_job(job.id, followed=0)
        self.notify()
        return count

    def get(self, job_id: str, *, viewer: Person | None = None) -> JobRow | None:
        """The job; with a `viewer` (a page's person), None also for a job they may not read. The poller and
        the process's own work read with no viewer: every job."""
        store = self.store if viewer is None else self.store.for_viewer(viewer)
        return store.get_job(job_id)

    def wait(self, job_id: str, timeout: float | None = None) -> JobRow:
        """Block until the job is final (or `timeout` passes) and return its row. Also sees other processes'
        writes, by re-reading the row at least every 0.2 s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self._job(job_id)
            if job.is_terminal:
                return job
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return job
            with self._changed:
                self._changed.wait(0.2 if remaining is None else min(0.2, remaining))

    def check_now(self, job_id: str, *, viewer: Person | None = None) -> JobRow:
        """Poll a job's tasks once, now, even past the poller's deadline; download results if they are ready.
        `viewer`: a job they may not read is not found (KeyError)."""
        job = self._job(job_id, viewer)
        if job.mode != "async" or not job.task_ids:
            return job
        self.poller.check_job(job)
        return self._job(job_id)

    def register(self, client) -> None:
        """Make a client's key available to the poller (for tasks of earlier sessions or processes)."""
        self.keyring.register(client)

    def _job(self, job_id: str, viewer: Person | None = None) -> JobRow:
        job = self.get(job_id, viewer=viewer)
        if job is None:
            raise KeyError(f"no job {job_id}")
        return job

    # --- lifecycle -----------------------------------------------------------------------------------
    def recover(self) -> None:
        """After a restart: mark sync work whose process is gone as interrupted, and resume pending tasks."""
        for job in self.store.list_jobs(status=("queued", "running", "submitting"), limit=100_000):
            if self._owner_alive(job.owner_pid):
                continue
            self.store.update_job(job.id, where_status=(job.status,), status="interrupted", error_code="interrupted",
                                  error_message=interrupted_message(job.provider),
                                  cost_actual=0.0 if job.provider in _NOT_BILLED else None,
                                  finished_at=time.time())
            # A streamed job cut off by the restart keeps its previews, as a broken stream does.
            if partials.keep_as_results(self.store, job.id):
                self.make_thumbnails_later(job.id)
        pending = self.store.pending_tasks()
        now = time.time()
        for task in pending:
            # Time passed while no one was polling: look at once instead of waiting out the old schedule.
            if task.next_poll_at > now:
                self.store.update_task(task.job_id, task.task_id, next_poll_at=now)
        if pending:
            self.poller.start()

    def _owner_alive(self, pid: int | None) -> bool:
        """Whether the process that owns a sync job still runs. On PostgreSQL replicas may run on several machines,
        so it is asked of the database: a live replica holds its pid's lock (a pid shared by two machines reads as
        alive: the safe side, its jobs are left alone)."""
        if self.store.engine != "postgres" or not pid or pid == os.getpid():
            return _pid_alive(pid)
        name = _replica_lock(pid)
        if self.store.try_advisory_lock(name):
            self.store.advisory_unlock(name)
            return False
        return True

    def close(self, *, wait: bool = True) -> None:
        self._closed = True
        self.poller.stop()
        self._executor.shutdown(wait=wait, cancel_futures=False)


_service: JobService | None = None
_service_lock = threading.Lock()


def service(**kwargs) -> JobService:
    """The process's one JobService over the default store, created (and recovered) on first use."""
    global _service
    with _service_lock:
        if _service is None:
            _service = JobService(**kwargs)
        return _service
