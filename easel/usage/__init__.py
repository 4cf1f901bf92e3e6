"""Every number the Usage page and `easel usage` show, aggregated in SQL from the usage log's rollups.

The page and the CLI call the same functions here, so they cannot disagree. Reads go to the trigger-kept
rollups (easel/store/rollup_schema.py), never to a scan of `jobs`: over a million requests a 30-day view reads some
tens of thousands of rollup rows, and the charts get a few hundred. Only the request table (one page, by
index), the quota (one key's day, by index) and the CSV export (a stream) read `jobs` itself.

Definitions the page states beside its numbers:
- spend: `cost_actual`, else the estimate for work that may still be billed (in flight, completed without a
  reported cost); failures and cancellations cost 0. Always per currency; a total in one currency is a
  conversion at the user's rate (easel.usage.currency), shown with the per-currency amounts.
- images: `n` of completed requests. Success rate: completed / (completed + failed + timed out + interrupted).
- latency: completed requests only; percentiles come from a log-bucket histogram (within 6 %).
- periods: usage days (default Beijing days, see easel.store.rollup_schema); "this week" is Monday to today, compared with
  the same weekdays of last week; "this month" is the 1st to today, against the same days of last month.

The package: days and rollups, filters, kpis, latency_buckets, charts, request_log, csv_export and dashboard;
quota, budgets, currency and seed beside them. The names below are the API the page and the CLI use.
"""

from easel.usage.days import date_of, day_number, day_of, day_offset, day_start_ts, usage_today
from easel.usage.rollups import rebuild_rollups, set_day_offset
from easel.usage.filters import (CSV_COLUMNS, Filters, SPLITS, STATUSES, bounds, filter_options, has_real_usage,
                                 DEFAULT_RANGE_DAYS, SPLIT_LABELS, STATUS_LABELS, split_label, status_label)
from easel.usage.kpis import Kpis, Metric, SpendMetric, earliest_day, kpis, latency_hist, spend_on_day, total_in
from easel.usage.latency_buckets import bucket_mid, bucket_of, percentile_from_hist
from easel.usage.charts import cumulative, daily, errors, latency, pandas_module, top_prompts
from easel.usage.request_log import count_requests, count_simulated, jobs_where, requests_page, thumbnails
from easel.usage.csv_export import csv_to_temp_file, export_csv, write_csv
from easel.usage.dashboard import Dashboard, dashboard, report_text

__all__ = [
    "date_of",
    "day_number",
    "day_of",
    "day_offset",
    "day_start_ts",
    "usage_today",
    "rebuild_rollups",
    "set_day_offset",
    "CSV_COLUMNS",
    "Filters",
    "SPLITS",
    "STATUSES",
    "SPLIT_LABELS",
    "STATUS_LABELS",
    "split_label",
    "status_label",
    "bounds",
    "filter_options",
    "has_real_usage",
    "DEFAULT_RANGE_DAYS",
    "Kpis",
    "Metric",
    "SpendMetric",
    "kpis",
    "earliest_day",
    "latency_hist",
    "spend_on_day",
    "total_in",
    "bucket_mid",
    "bucket_of",
    "percentile_from_hist",
    "cumulative",
    "daily",
    "errors",
    "latency",
    "pandas_module",
    "top_prompts",
    "count_requests",
    "count_simulated",
    "jobs_where",
    "requests_page",
    "thumbnails",
    "export_csv", "write_csv", "csv_to_temp_file",
    "Dashboard",
    "dashboard",
    "report_text",
]
