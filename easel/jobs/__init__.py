"""Every generation is a job: the job service, its worker pool and per-key limits, the task poller, the key ring."""

from easel.jobs.job_service import JobService, interrupted_message, service

__all__ = ["JobService", "interrupted_message", "service"]
