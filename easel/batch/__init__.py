"""Batch runs: many prompts (a text file, one a line, or a CSV with a `prompt` column and any parameter), each
row an ordinary job sharing one batch id, sent within each key's concurrency cap and daily quota by a
dispatcher that resumes after a restart. UI-free; the Generate page's Batch mode and `easel batch` use it.

parse (file → rows) · plan (validation with the rule, estimates, totals) · dispatcher (sending within caps) ·
run (start, progress, results, retry) · archive (the ZIP with batch.csv).
"""

from easel.batch.dispatcher import dispatcher_for, resume
from easel.batch.parse import RowInput, parse_csv, parse_file, parse_text
from easel.batch.plan import BatchPlan, RowPlan, limit_notes, plan_batch
from easel.batch.run import Progress, RowResult, progress, results, retry_failed, start, wait

__all__ = ["dispatcher_for", "resume", "RowInput", "parse_csv", "parse_file", "parse_text", "BatchPlan", "RowPlan",
           "limit_notes", "plan_batch", "Progress", "RowResult", "progress", "results", "retry_failed", "start", "wait"]
