"""Running a comparison: each column is an ordinary job through JobService, all carrying one comparison id, so
they show in Tasks, Usage and Gallery and survive a refresh or a restart like any job. Reading one back, a
rerun of one column, and picking the winner.

A column's kept plan holds its notes and warnings in English (easel.compare.plan); `ColumnResult.notes` and
`.warnings` give them in the reader's language, and `status_label` names the column's state for her.
"""

from __future__ import annotations

from dataclasses import dataclass

from easel.compare.plan import ComparisonPlan
from easel.compare.targets import Target
from easel.core import identity
from easel.core.errors import EaselError
from easel.core.i18n import N_, _
from easel.core.i18n_text import shown
from easel.core.models import Money
from easel.store import comparisons as cmp
from easel.store.rows import ImageRow, JobRow
from easel.usage import person_budgets

__all__ = ["start", "rerun_column", "ColumnResult", "results", "pick_winner", "latency_s", "is_finished",
           "STATUS_NAMES"]

# A column's state as a reader sees it: a job's status, or not_sent for a column that never became a job.
STATUS_NAMES = {"not_sent": N_("not sent"), "queued": N_("pending"), "pending": N_("pending"),
                "submitted": N_("running"), "running": N_("running"), "completed": N_("done"),
                "failed": N_("failed"), "timed_out": N_("timed out"), "cancelled": N_("cancelled"),
                "interrupted": N_("interrupted")}


def start(jobs, plan: ComparisonPlan, *, session_id: str | None = None) -> str:
    """Log the comparison and submit every runnable column; returns the comparison id at once. A column that
    cannot be sent keeps its reason, shown where its result would be."""
    store = jobs.store
    cid = cmp.create_comparison(store, prompt=plan.settings.prompt, settings=plan.settings.describe(),
                                session_id=session_id)
    for idx, col in enumerate(plan.columns):
        job_id, code, message = None, None, None
        if col.problem is not None:
            code, message = col.problem.code, col.problem.log_message()
        else:
            client = col.target.client()
            try:
                job_id = jobs.submit(client, col.mapped.request, session_id=session_id, comparison_id=cid)
            except EaselError as e:
                code, message = e.code, e.log_message()
            finally:
                client.close()
        cmp.add_column(store, cid, idx, target=col.target.name, label=col.target.label, plan=col.describe(),
                       job_id=job_id, error_code=code, error_message=message)
    return cid


def rerun_column(jobs, comparison_id: str, idx: int, target: Target, *, session_id: str | None = None) -> str:
    """Send one column again with its original request and inputs: a new job in the same comparison, which the
    column shows from now on (the old one stays in the usage log). A ValidationError (code person_daily_budget)
    when it would take the acting person over her daily budget."""
    store = jobs.store
    column = next((c for c in cmp.list_columns(store, comparison_id) if c.idx == idx), None)
    if column is None or column.job_id is None:
        raise KeyError(f"comparison {comparison_id} has no sent column {idx}")
    old = store.get_job(column.job_id)
    request = jobs.rebuild_request(old)
    client = target.client()
    try:
        # The acting person's daily budget, as the Compare button checks it for a whole comparison: the refusal
        # (person_daily_budget) goes to the caller and nothing is logged.
        estimate = person_budgets.request_estimate(store, client.profile, request)
        person_budgets.check_requests(store, identity.current().id, [(estimate, client.profile.simulated)])
        job_id = jobs.submit(client, request, session_id=session_id or old.session_id, comparison_id=comparison_id)
    finally:
        client.close()
    cmp.set_column_job(store, comparison_id, idx, job_id)
    return job_id


def latency_s(job: JobRow | None) -> float | None:
    """Submit to image on disk: the job row is written at submit, finished_at after its images are stored."""
    if job is None or job.status != "completed" or job.finished_at is None:
        return None
    return max(0.0, job.finished_at - job.created_at)


def is_finished(job: JobRow | None) -> bool:
    return job is None or job.is_terminal


@dataclass
class ColumnResult:
    idx: int
    target: str
    label: str
    plan: dict
    job: JobRow | None
    images: list[ImageRow]
    error_code: str | None
    error_message: str | None

    @property
    def status(self) -> str:
        return self.job.status if self.job is not None else "not_sent"

    @property
    def status_label(self) -> str:
        status = self.status
        return _(STATUS_NAMES[status]) if status in STATUS_NAMES else status

    @property
    def notes(self) -> list[str]:
        """What changed on the way to this provider, in the reader's language (kept in English)."""
        return [shown(n) for n in self.plan.get("notes") or []]

    @property
    def warnings(self) -> list[str]:
        return [shown(w) for w in self.plan.get("warnings") or []]

    @property
    def image(self) -> ImageRow | None:
        return self.images[0] if self.images else None

    @property
    def actual_size(self) -> tuple[int, int] | None:
        img = self.image
        return (img.width, img.height) if img is not None and img.width else None

    @property
    def expected_size(self) -> str | None:
        return self.plan.get("expected_size")

    @property
    def latency_s(self) -> float | None:
        return latency_s(self.job)

    @property
    def estimate(self) -> Money:
        if self.job is not None:
            return Money(self.job.cost_estimated, self.job.currency or self.plan.get("currency") or "USD", "estimate")
        return Money(self.plan.get("estimate"), self.plan.get("currency") or "USD", "estimate")

    @property
    def reported(self) -> Money | None:
        """The provider's own figure (gccai's task cost, usage tokens), None where it reports none (QCode)."""
        if self.job is None or self.job.cost_reported is None:
            return None
        return Money(self.job.cost_reported, self.job.currency or "USD", "reported")

    @property
    def billed(self) -> Money | None:
        """What the usage log counts for the job (cost_actual): the reported figure, else the doc's price."""
        return self.job.actual if self.job is not None else None

    @property
    def revised_prompt(self) -> str | None:
        return self.image.revised_prompt if self.image is not None else None

    @property
    def code(self) -> str | None:
        return self.job.error_code if self.job is not None else self.error_code

    @property
    def message(self) -> str | None:
        return self.job.error_message if self.job is not None else self.error_message


def results(store, comparison_id: str) -> list[ColumnResult]:
    out = []
    for c in cmp.list_columns(store, comparison_id):
        job = store.get_job(c.job_id) if c.job_id else None
        images = [i for i in store.list_images(job_id=c.job_id)] if job is not None and job.status == "completed" \
            else []
        out.append(ColumnResult(c.idx, c.target, c.label, c.plan, job, images, c.error_code, c.error_message))
    return out


def pick_winner(store, comparison_id: str, image_id: int) -> None:
    """Tag the image 'winner' in the gallery (the comparison's previous winner loses the tag)."""
    image = store.get_image(image_id)
    job = store.get_job(image.job_id) if image is not None else None
    if job is None or job.comparison_id != comparison_id:
        raise KeyError(f"image {image_id} is not a result of comparison {comparison_id}")
    cmp.set_winner(store, comparison_id, image_id)
