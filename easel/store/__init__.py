"""The store (SQLite, or PostgreSQL in team mode): jobs (the usage log), images, tasks, attempts and settings, plus content-addressed files."""

from easel.store.db import Store
from easel.store.rows import ACTIVE_STATUSES, TERMINAL_STATUSES, AttemptRow, ImageRow, JobRow, TaskRow

__all__ = ["Store", "JobRow", "ImageRow", "TaskRow", "AttemptRow", "TERMINAL_STATUSES", "ACTIVE_STATUSES"]
