"""The usage log's rollups: tables kept by triggers on `jobs`, so the Usage page reads thousands of rows, not millions.

Three rollups, each keyed by the usage day:
- `usage_daily`: day × provider × model × endpoint × mode × quality × resolution × status × error_code × currency
  × simulated × key fingerprint → requests, images, cost sums, latency sum.
- `usage_latency`: completed requests, day × provider × quality × simulated × key fingerprint × log bucket →
  count, for p50 / p95 without reading the log (20 buckets per decade: a bucket's midpoint is within 6 % of
  any value in it).
- `usage_prompt_daily`: day × prompt × provider × key fingerprint × simulated → requests, images, failures, with
  prompt texts held once in `usage_prompts`.

The usage day is `floor((created_at + day_offset_s) / 86400)`. The offset lives in `usage_config` (default
UTC+8: Beijing, the day QCode's quota and the CNY-priced providers count in; `usage.set_day_offset` changes it
and rebuilds). `usage_config.bulk = 1` switches the triggers off inside one write transaction, so a bulk load
inserts plain rows and then merges one GROUP BY of them (`rollup_merge_sql`), which is ~20× faster than per-row
triggers. Nothing else may set it.

This module is pure SQL text; the store's migration list imports `MIGRATION_STATEMENTS`.
"""

from __future__ import annotations

from easel.store.dialect import pg_trigger

__all__ = ["PG_MIGRATION_STATEMENTS", "PG_TOP_PROMPTS_MIGRATION", "PG_BILLING_MIGRATION", "MIGRATION_STATEMENTS", "TOP_PROMPTS_MIGRATION", "rebuild_sql", "rollup_merge_sql", "ROLLUP_TABLES",
           "BILLING_MIGRATION", "BILLING_SUSPECT", "BILLED_FAILED_STATUSES", "billing_merge_sql", "rollup_select_sql", "BUCKETS_PER_DECADE", "BUCKET_MIN_S", "FAILURE_STATUSES", "ZERO_COST_STATUSES", "DEFAULT_DAY_OFFSET_S"]

BUCKETS_PER_DECADE = 20
BUCKET_MIN_S = 0.01          # bucket 0 holds everything below; bucket i ≥ 1 starts at 10^((i-1)/20) × 0.01 s
BUCKET_DECADES = 6           # up to 10,000 s, far beyond any provider's deadline
DEFAULT_DAY_OFFSET_S = 8 * 3600
# A request that ended in one of these did not produce images. 'cancelled' is neither success nor failure.
FAILURE_STATUSES = ("failed", "timed_out", "interrupted")
# Providers do not bill these (QCode: "Failures don't charge"); any other request without an actual cost is
# counted at its estimate, so in-flight work shows in today's spend and in budget checks.
ZERO_COST_STATUSES = ("failed", "cancelled")
ROLLUP_TABLES = ("usage_daily", "usage_latency", "usage_prompt_daily", "usage_keys", "usage_billing_daily")


def _q(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _day(r: str) -> str:
    return f"CAST(({r}.created_at + (SELECT day_offset_s FROM usage_config WHERE id = 1)) / 86400 AS INTEGER)"


def _resolution(r: str) -> str:
    # Ratio providers log '1k'/'2k'/'4k'; pixel providers log only 'WxH', so those are tiered by pixel count
    # (1k presets are ≤ 1536×1024 = 1.57 MP, 2k ≤ 2048×2048 = 4.19 MP, 4k above), so one split covers all.
    x = f"instr(lower({r}.size), 'x')"
    px = f"CAST(substr({r}.size, 1, {x} - 1) AS INTEGER) * CAST(substr({r}.size, {x} + 1) AS INTEGER)"
    return (f"COALESCE(NULLIF({r}.resolution, ''), CASE WHEN {r}.size IS NULL THEN '' WHEN {x} = 0 THEN {r}.size "
            f"WHEN {px} <= 1600000 THEN '1k' WHEN {px} <= 4200000 THEN '2k' ELSE '4k' END)")


def _bucket(r: str) -> str:
    return f"(SELECT idx FROM usage_latency_buckets WHERE lo <= {r}.latency_s ORDER BY lo DESC LIMIT 1)"


def _daily_keys(r: str) -> list[tuple[str, str]]:
    return [("day", _day(r)), ("provider", f"{r}.provider"), ("model", f"COALESCE({r}.model, '')"),
            ("endpoint", f"COALESCE({r}.endpoint, '')"), ("mode", f"COALESCE({r}.mode, '')"),
            ("quality", f"COALESCE({r}.quality, '')"), ("resolution", _resolution(r)), ("status", f"{r}.status"),
            ("error_code", f"COALESCE({r}.error_code, '')"), ("currency", f"COALESCE({r}.currency, '')"),
            ("simulated", f"{r}.simulated"), ("key_fingerprint", f"COALESCE({r}.key_fingerprint, '')")]


def _daily_measures(r: str) -> list[tuple[str, str]]:
    return [("requests", "1"),
            ("images", f"CASE WHEN {r}.status = 'completed' THEN {r}.n ELSE 0 END"),
            ("cost", f"COALESCE({r}.cost_actual, CASE WHEN {r}.status IN ({_q(ZERO_COST_STATUSES)}) THEN 0 "
                     f"ELSE {r}.cost_estimated END, 0)"),
            ("cost_actual", f"COALESCE({r}.cost_actual, 0)"),
            ("cost_estimated", f"COALESCE({r}.cost_estimated, 0)"),
            ("unpriced", f"CASE WHEN {r}.cost_actual IS NULL AND {r}.status NOT IN ({_q(ZERO_COST_STATUSES)}) "
                         f"THEN 1 ELSE 0 END"),
            ("latency_sum", f"COALESCE({r}.latency_s, 0)"),
            ("latency_n", f"CASE WHEN {r}.latency_s IS NULL THEN 0 ELSE 1 END")]


def _latency_keys(r: str) -> list[tuple[str, str]]:
    return [("day", _day(r)), ("provider", f"{r}.provider"), ("quality", f"COALESCE({r}.quality, '')"),
            ("simulated", f"{r}.simulated"),
            ("key_fingerprint", f"COALESCE({r}.key_fingerprint, '')"), ("bucket", _bucket(r))]


def _prompt_keys(r: str, prompt_id: str) -> list[tuple[str, str]]:
    return [("day", _day(r)), ("prompt_id", prompt_id), ("provider", f"{r}.provider"),
            ("key_fingerprint", f"COALESCE({r}.key_fingerprint, '')"), ("simulated", f"{r}.simulated")]


def _prompt_measures(r: str) -> list[tuple[str, str]]:
    return [("requests", "1"), ("images", f"CASE WHEN {r}.status = 'completed' THEN {r}.n ELSE 0 END"),
            ("failed", f"CASE WHEN {r}.status IN ({_q(FAILURE_STATUSES)}) THEN 1 ELSE 0 END")]


def _upsert_row(table: str, keys, measures, sign: int, where: str = "") -> str:
    """One row's contribution (sign +1 on insert, -1 to take an old version back out)."""
    cols = [k for k, _ in keys] + [m for m, _ in measures]
    vals = [e for _, e in keys] + [e if sign > 0 else f"-({e})" for _, e in measures]
    sets = ", ".join(f"{m} = {m} + excluded.{m}" for m, _ in measures)
    # "WHERE true" (or a real condition) resolves SQLite's parse ambiguity between SELECT and ON CONFLICT.
    return (f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(vals)} WHERE {where or 'true'} "
            f"ON CONFLICT ({', '.join(k for k, _ in keys)}) DO UPDATE SET {sets}")


def _prune(table: str, keys, count_col: str) -> str:
    cond = " AND ".join(f"{k} = {e}" for k, e in keys)
    return f"DELETE FROM {table} WHERE {cond} AND {count_col} = 0"


def _prompt_id(r: str) -> str:
    return f"(SELECT id FROM usage_prompts WHERE prompt = {r}.prompt)"


def _row_statements(r: str, sign: int) -> list[str]:
    lat_where = f"{r}.latency_s IS NOT NULL AND {r}.status = 'completed'"
    stmts = []
    if sign > 0:
        stmts.append(f"INSERT OR IGNORE INTO usage_prompts (prompt) VALUES ({r}.prompt)")
        stmts.append(f"INSERT OR IGNORE INTO usage_keys (provider, key_fingerprint, simulated) VALUES "
                     f"({r}.provider, COALESCE({r}.key_fingerprint, ''), {r}.simulated)")
    stmts += [_upsert_row("usage_daily", _daily_keys(r), _daily_measures(r), sign),
              _upsert_row("usage_latency", _latency_keys(r), [("count", "1")], sign, lat_where),
              _upsert_row("usage_prompt_daily", _prompt_keys(r, _prompt_id(r)), _prompt_measures(r), sign)]
    if sign < 0:
        stmts += [_prune("usage_daily", _daily_keys(r), "requests"),
                  _prune("usage_latency", _latency_keys(r), "count"),
                  _prune("usage_prompt_daily", _prompt_keys(r, _prompt_id(r)), "requests")]
    return stmts


# Every column a rollup reads: an UPDATE of anything else (progress, updated_at, leases) fires nothing.
_WATCHED = ("created_at", "provider", "model", "endpoint", "mode", "quality", "resolution", "size", "status",
            "error_code", "currency", "simulated", "key_fingerprint", "n", "cost_actual", "cost_estimated",
            "latency_s", "prompt")
_ON = "(SELECT bulk FROM usage_config WHERE id = 1) = 0"


def _trigger(name: str, event: str, when: str, stmts: list[str]) -> str:
    body = "".join(f"    {s};\n" for s in stmts)
    return f"CREATE TRIGGER {name} AFTER {event} ON jobs FOR EACH ROW WHEN {when}\nBEGIN\n{body}END"


def rollup_merge_sql(where: str = "true") -> list[str]:
    """Add the jobs rows matching `where` (SQL over table `jobs`) to the rollups, one GROUP BY per table.

    Used by bulk loads (`jobs.rowid > ?`) and by a rebuild after an offset change; the migrations backfill with
    their own statements (a released migration never changes)."""
    return _usage_merge_sql(where) + billing_merge_sql(where)


def _merge(table: str, keys, measures, where: str, extra_from: str = "", extra_where: str = "") -> str:
    cols = [k for k, _ in keys] + [m for m, _ in measures]
    sel = [e for _, e in keys] + [f"SUM({e})" for _, e in measures]
    sets = ", ".join(f"{m} = {m} + excluded.{m}" for m, _ in measures)
    cond = f"({where})" + (f" AND {extra_where}" if extra_where else "")
    return (f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(sel)} FROM jobs{extra_from} "
            f"WHERE {cond} GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))} "
            f"ON CONFLICT ({', '.join(k for k, _ in keys)}) DO UPDATE SET {sets}")


def _usage_merge_sql(where: str = "true") -> list[str]:
    """The merges of migrations 2 and 4's tables (migration 2's backfill, frozen as released)."""
    def merge(table: str, keys, measures, extra_from: str = "", extra_where: str = "") -> str:
        return _merge(table, keys, measures, where, extra_from, extra_where)

    return [
        f"INSERT OR IGNORE INTO usage_prompts (prompt) SELECT DISTINCT prompt FROM jobs WHERE {where}",
        "INSERT OR IGNORE INTO usage_keys (provider, key_fingerprint, simulated) SELECT DISTINCT provider, "
        f"COALESCE(key_fingerprint, ''), simulated FROM jobs WHERE {where}",
        merge("usage_daily", _daily_keys("jobs"), _daily_measures("jobs")),
        merge("usage_latency", _latency_keys("jobs"), [("count", "1")],
              extra_where="jobs.latency_s IS NOT NULL AND jobs.status = 'completed'"),
        merge("usage_prompt_daily", _prompt_keys("jobs", "p.id"), _prompt_measures("jobs"),
              extra_from=" JOIN usage_prompts p ON p.prompt = jobs.prompt"),
    ]


def _bucket_rows() -> str:
    rows = ["(-1e300, 0)"]
    for i in range(1, BUCKETS_PER_DECADE * BUCKET_DECADES + 1):
        rows.append(f"({BUCKET_MIN_S * 10 ** ((i - 1) / BUCKETS_PER_DECADE)!r}, {i})")
    return ", ".join(rows)


_DAILY_KEY = ("day, provider, model, endpoint, mode, quality, resolution, status, error_code, currency, simulated, "
              "key_fingerprint")

MIGRATION_STATEMENTS: tuple[str, ...] = (
    f"""CREATE TABLE usage_config (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        day_offset_s INTEGER NOT NULL DEFAULT {DEFAULT_DAY_OFFSET_S},
        bulk INTEGER NOT NULL DEFAULT 0)""",
    "INSERT INTO usage_config (id) VALUES (1)",
    "CREATE TABLE usage_latency_buckets (lo REAL PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID",
    f"INSERT INTO usage_latency_buckets (lo, idx) VALUES {_bucket_rows()}",
    f"""CREATE TABLE usage_daily (
        day INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, endpoint TEXT NOT NULL,
        mode TEXT NOT NULL, quality TEXT NOT NULL, resolution TEXT NOT NULL, status TEXT NOT NULL,
        error_code TEXT NOT NULL, currency TEXT NOT NULL, simulated INTEGER NOT NULL, key_fingerprint TEXT NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0, images INTEGER NOT NULL DEFAULT 0, cost REAL NOT NULL DEFAULT 0,
        cost_actual REAL NOT NULL DEFAULT 0, cost_estimated REAL NOT NULL DEFAULT 0,
        unpriced INTEGER NOT NULL DEFAULT 0, latency_sum REAL NOT NULL DEFAULT 0,
        latency_n INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY ({_DAILY_KEY})) WITHOUT ROWID""",
    # The filter lists (providers, key fingerprints) read these without a scan of every day.
    "CREATE INDEX usage_daily_provider_key ON usage_daily (provider, key_fingerprint, day)",
    """CREATE TABLE usage_latency (
        day INTEGER NOT NULL, provider TEXT NOT NULL, quality TEXT NOT NULL, simulated INTEGER NOT NULL,
        key_fingerprint TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, provider, quality, simulated, key_fingerprint, bucket)) WITHOUT ROWID""",
    # Every (provider, key, demo) pair ever logged, for the filter lists; rows are never removed.
    """CREATE TABLE usage_keys (provider TEXT NOT NULL, key_fingerprint TEXT NOT NULL, simulated INTEGER NOT NULL,
        PRIMARY KEY (provider, key_fingerprint, simulated)) WITHOUT ROWID""",
    "CREATE TABLE usage_prompts (id INTEGER PRIMARY KEY, prompt TEXT NOT NULL UNIQUE)",
    """CREATE TABLE usage_prompt_daily (
        day INTEGER NOT NULL, prompt_id INTEGER NOT NULL, provider TEXT NOT NULL, key_fingerprint TEXT NOT NULL,
        simulated INTEGER NOT NULL, requests INTEGER NOT NULL DEFAULT 0, images INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, prompt_id, provider, key_fingerprint, simulated)) WITHOUT ROWID""",
    # QCode's quota gauge sums one key's requests since Beijing midnight.
    "CREATE INDEX jobs_key_created_at ON jobs (key_fingerprint, created_at)",
    _trigger("usage_jobs_insert", "INSERT", _ON, _row_statements("NEW", +1)),
    _trigger("usage_jobs_delete", "DELETE", _ON, _row_statements("OLD", -1)),
    _trigger("usage_jobs_update", f"UPDATE OF {', '.join(_WATCHED)}",
             f"{_ON} AND ({' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in _WATCHED)})",
             _row_statements("OLD", -1) + _row_statements("NEW", +1)),
    *_usage_merge_sql("true"),
)


# Migrations 2, 4 and 22 on PostgreSQL: the same tables, statements and backfills; only the triggers differ. A
# PostgreSQL trigger runs a trigger function (dialect.pg_trigger), and its WHEN may not read a table, so the
# `bulk` switch (_ON) is checked inside the function while the changed-columns test stays in WHEN.
def _changed(cols) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in cols)


def _pg_usage_triggers() -> tuple[str, ...]:
    return (*pg_trigger("usage_jobs_insert", "INSERT", "jobs", _row_statements("NEW", +1), guard=_ON),
            *pg_trigger("usage_jobs_delete", "DELETE", "jobs", _row_statements("OLD", -1), guard=_ON),
            *pg_trigger("usage_jobs_update", f"UPDATE OF {', '.join(_WATCHED)}", "jobs",
                        _row_statements("OLD", -1) + _row_statements("NEW", +1), when=_changed(_WATCHED), guard=_ON))


# A prompt may be longer than a PostgreSQL B-tree entry (~2.7 KB), so `usage_prompts.prompt` is unique through
# its md5 there, and looked up through a hash index (which holds any length).
_PG_PROMPTS = ("CREATE TABLE usage_prompts (id INTEGER PRIMARY KEY, prompt TEXT NOT NULL)",
               "CREATE UNIQUE INDEX usage_prompts_md5 ON usage_prompts (md5(prompt))",
               "CREATE INDEX usage_prompts_prompt ON usage_prompts USING hash (prompt)")
_NO_TRIGGERS = tuple(s for s in MIGRATION_STATEMENTS if not s.startswith("CREATE TRIGGER"))
PG_MIGRATION_STATEMENTS: tuple[str, ...] = (
    *(_PG_PROMPTS if s.startswith("CREATE TABLE usage_prompts ") else (s,) for s in _NO_TRIGGERS[:11]),
)
PG_MIGRATION_STATEMENTS = tuple(s for group in PG_MIGRATION_STATEMENTS for s in group) + _pg_usage_triggers() \
    + _NO_TRIGGERS[11:]


# Migration 4: the top-prompts list without a scan of every prompt in the range.
# With realistic logs nearly every prompt is unique, so `usage_prompt_daily` has about one row per request and
# summing a 30-day range per prompt read millions of rows. `usage_prompts.requests` is each prompt's all-time
# count, kept by triggers on `usage_prompt_daily` (so the per-row triggers, the bulk merges and the rebuilds all
# keep it without knowing of it). easel.usage.charts.top_prompts walks the prompts asked at least twice in
# descending all-time order (a partial index) and sums each one's range from `usage_prompt_daily` by
# (prompt_id, day); a prompt's range count can never exceed its all-time count, so the walk stops as soon as
# the next all-time count falls below the 20th best range count. Prompts asked once only fill a short list,
# newest first, read in day order with a LIMIT. The triggers are off while `usage_config.bulk = 1`, as the
# others are: a full rebuild (rebuild_sql) sums the counts once instead of once per row.
_PROMPT_COUNTS = ("UPDATE usage_prompts SET requests = t.requests FROM (SELECT prompt_id, SUM(requests) AS requests "
                  "FROM usage_prompt_daily GROUP BY prompt_id) AS t WHERE usage_prompts.id = t.prompt_id")


TOP_PROMPTS_MIGRATION: tuple[str, ...] = (
    "ALTER TABLE usage_prompts ADD COLUMN requests INTEGER NOT NULL DEFAULT 0",
    _PROMPT_COUNTS,
    "CREATE INDEX usage_prompts_repeated ON usage_prompts (requests DESC, id) WHERE requests >= 2",
    "CREATE INDEX usage_prompt_daily_prompt ON usage_prompt_daily (prompt_id, day)",
    f"""CREATE TRIGGER usage_prompt_daily_insert AFTER INSERT ON usage_prompt_daily FOR EACH ROW WHEN {_ON}
BEGIN
    UPDATE usage_prompts SET requests = requests + NEW.requests WHERE id = NEW.prompt_id;
END""",
    f"""CREATE TRIGGER usage_prompt_daily_update AFTER UPDATE OF requests, prompt_id ON usage_prompt_daily FOR EACH ROW
    WHEN {_ON}
BEGIN
    UPDATE usage_prompts SET requests = requests - OLD.requests WHERE id = OLD.prompt_id;
    UPDATE usage_prompts SET requests = requests + NEW.requests WHERE id = NEW.prompt_id;
END""",
    f"""CREATE TRIGGER usage_prompt_daily_delete AFTER DELETE ON usage_prompt_daily FOR EACH ROW WHEN {_ON}
BEGIN
    UPDATE usage_prompts SET requests = requests - OLD.requests WHERE id = OLD.prompt_id;
END""",
)

PG_TOP_PROMPTS_MIGRATION: tuple[str, ...] = (
    *TOP_PROMPTS_MIGRATION[:4],
    *pg_trigger("usage_prompt_daily_insert", "INSERT", "usage_prompt_daily",
                ["UPDATE usage_prompts SET requests = requests + NEW.requests WHERE id = NEW.prompt_id"], guard=_ON),
    *pg_trigger("usage_prompt_daily_update", "UPDATE OF requests, prompt_id", "usage_prompt_daily",
                ["UPDATE usage_prompts SET requests = requests - OLD.requests WHERE id = OLD.prompt_id",
                 "UPDATE usage_prompts SET requests = requests + NEW.requests WHERE id = NEW.prompt_id"], guard=_ON),
    *pg_trigger("usage_prompt_daily_delete", "DELETE", "usage_prompt_daily",
                ["UPDATE usage_prompts SET requests = requests - OLD.requests WHERE id = OLD.prompt_id"], guard=_ON),
)


def rebuild_sql() -> list[str]:
    """Every rollup recomputed from the log (rebuild, a new day offset, after removing the seeded rows), inside
    one write transaction. The per-row triggers are off meanwhile (`bulk = 1`): the prompt counts are summed
    once at the end instead of updated once per merged row (1M unique prompts: 20 s instead of 27 s)."""
    return ["UPDATE usage_config SET bulk = 1 WHERE id = 1",
            *(f"DELETE FROM {table}" for table in ROLLUP_TABLES),
            *rollup_merge_sql("true"),
            "UPDATE usage_prompts SET requests = 0 WHERE requests != 0",
            _PROMPT_COUNTS,
            "UPDATE usage_config SET bulk = 0 WHERE id = 1"]


# Migration 22: billing reconciliation (easel/usage/reconcile.py). Per usage day × provider × currency × Demo ×
# key: the three costs of each row (estimate, the provider's reported figure, the doc's formula) summed, with how
# many rows carry each, so a provider-day's totals read a few rollup rows at any log size. The estimate counts
# only rows that may be billed (failures and cancellations cost 0 by every doc), the same rule as `cost`.
# `billed_failed` counts failed or cancelled rows that still carry a cost > 0 (reported or actual) although their
# formula cost is 0. Requiring the formula's 0 leaves out a sync request cancelled while running whose images
# still arrived (kept because they were billed: formula > 0, reconciled like a completed row) and rows from
# before migration 22 (formula NULL: not recorded, so not judged).
BILLED_FAILED_STATUSES = ("failed", "cancelled")


def _billed_failed(r: str) -> str:
    return (f"({r}.status IN ({_q(BILLED_FAILED_STATUSES)}) AND {r}.cost_formula = 0 AND "
            f"(COALESCE({r}.cost_reported, 0) > 0 OR COALESCE({r}.cost_actual, 0) > 0))")


def _billing_keys(r: str) -> list[tuple[str, str]]:
    return [("day", _day(r)), ("provider", f"{r}.provider"), ("currency", f"COALESCE({r}.currency, '')"),
            ("simulated", f"{r}.simulated"), ("key_fingerprint", f"COALESCE({r}.key_fingerprint, '')")]


def _billing_measures(r: str) -> list[tuple[str, str]]:
    billable = f"{r}.status NOT IN ({_q(ZERO_COST_STATUSES)})"
    return [("requests", "1"),
            ("estimated", f"CASE WHEN {billable} THEN COALESCE({r}.cost_estimated, 0) ELSE 0 END"),
            ("estimated_n", f"CASE WHEN {billable} AND {r}.cost_estimated IS NOT NULL THEN 1 ELSE 0 END"),
            ("reported", f"COALESCE({r}.cost_reported, 0)"),
            ("reported_n", f"CASE WHEN {r}.cost_reported IS NULL THEN 0 ELSE 1 END"),
            ("formula", f"COALESCE({r}.cost_formula, 0)"),
            ("formula_n", f"CASE WHEN {r}.cost_formula IS NULL THEN 0 ELSE 1 END"),
            ("actual", f"COALESCE({r}.cost_actual, 0)"),
            ("billed_failed", f"CASE WHEN {_billed_failed(r)} THEN 1 ELSE 0 END")]


def _billing_row(r: str, sign: int) -> list[str]:
    stmts = [_upsert_row("usage_billing_daily", _billing_keys(r), _billing_measures(r), sign)]
    if sign < 0:
        stmts.append(_prune("usage_billing_daily", _billing_keys(r), "requests"))
    return stmts


def billing_merge_sql(where: str = "true") -> list[str]:
    return [_merge("usage_billing_daily", _billing_keys("jobs"), _billing_measures("jobs"), where)]


# Rows reconciliation may flag, whatever the tolerance: a failure carrying a cost, or a reported cost that is
# not exactly its reference (the formula; for gccai, which publishes no price list, the estimate from its past
# costs). A partial index over them keeps the flagged-row list an index read at 10M rows, because in a healthy
# log they are few. The text must stay identical in the index and in the query (SQLite matches it literally).
BILLING_SUSPECT = (
    f"({_billed_failed('jobs')} OR (jobs.cost_reported IS NOT NULL AND "
    "COALESCE(jobs.cost_formula, CASE WHEN jobs.provider = 'gccai' THEN jobs.cost_estimated END) IS NOT NULL AND "
    "jobs.cost_reported != COALESCE(jobs.cost_formula, CASE WHEN jobs.provider = 'gccai' THEN jobs.cost_estimated END)))"
).replace("jobs.", "")
_BILLING_WATCHED = ("created_at", "provider", "currency", "simulated", "key_fingerprint", "status",
                    "cost_estimated", "cost_actual", "cost_reported", "cost_formula")

BILLING_MIGRATION: tuple[str, ...] = (
    # Old rows keep NULL in both: before this migration cost_actual held either the provider's figure or Easel's
    # formula, and which one is not recorded, so guessing would invent discrepancies (or hide them). The
    # reconciliation view counts such rows as "not recorded".
    "ALTER TABLE jobs ADD COLUMN cost_reported REAL",
    "ALTER TABLE jobs ADD COLUMN cost_formula REAL",
    "ALTER TABLE tasks ADD COLUMN cost_reported REAL",      # each task's own figure, summed into the job's
    """CREATE TABLE usage_billing_daily (
        day INTEGER NOT NULL, provider TEXT NOT NULL, currency TEXT NOT NULL, simulated INTEGER NOT NULL,
        key_fingerprint TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0,
        estimated REAL NOT NULL DEFAULT 0, estimated_n INTEGER NOT NULL DEFAULT 0,
        reported REAL NOT NULL DEFAULT 0, reported_n INTEGER NOT NULL DEFAULT 0,
        formula REAL NOT NULL DEFAULT 0, formula_n INTEGER NOT NULL DEFAULT 0,
        actual REAL NOT NULL DEFAULT 0, billed_failed INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, provider, currency, simulated, key_fingerprint)) WITHOUT ROWID""",
    f"CREATE INDEX jobs_billing_suspect ON jobs (created_at) WHERE {BILLING_SUSPECT}",
    _trigger("usage_billing_insert", "INSERT", _ON, _billing_row("NEW", +1)),
    _trigger("usage_billing_delete", "DELETE", _ON, _billing_row("OLD", -1)),
    _trigger("usage_billing_update", f"UPDATE OF {', '.join(_BILLING_WATCHED)}",
             f"{_ON} AND ({' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in _BILLING_WATCHED)})",
             _billing_row("OLD", -1) + _billing_row("NEW", +1)),
    *billing_merge_sql("true"),
)

PG_BILLING_MIGRATION: tuple[str, ...] = (
    *BILLING_MIGRATION[:5],
    *pg_trigger("usage_billing_insert", "INSERT", "jobs", _billing_row("NEW", +1), guard=_ON),
    *pg_trigger("usage_billing_delete", "DELETE", "jobs", _billing_row("OLD", -1), guard=_ON),
    *pg_trigger("usage_billing_update", f"UPDATE OF {', '.join(_BILLING_WATCHED)}", "jobs",
                _billing_row("OLD", -1) + _billing_row("NEW", +1), when=_changed(_BILLING_WATCHED), guard=_ON),
    *billing_merge_sql("true"),
)


# The rollups as views of a set of `jobs` rows (easel.usage.scope: one person's usage): the same keys and measures
# the triggers and merges add up, as one SELECT per table over `jobs`, which the caller shadows with a CTE of the rows
# it wants. Prompt ids are the real `usage_prompts` ids, read through `prompts` (a schema-qualified name, because
# the caller shadows `usage_prompts` too: its `requests` becomes the all-time count within those rows). `by` adds
# columns of `jobs` as leading keys (the admin's table per person: `by=("owner",)`); `only` keeps just those keys
# (and `by`), for a caller that reads a few of them: fewer keys, a smaller GROUP BY.
def rollup_select_sql(prompts: str = "usage_prompts", by: tuple[str, ...] = (),
                      only: tuple[str, ...] | None = None) -> dict[str, str]:
    lead = [(c, f"jobs.{c}") for c in by]

    def select(keys, measures, extra_from: str = "", where: str = "") -> str:
        keys = lead + [(k, e) for k, e in keys if only is None or k in only]
        cols = [f"{e} AS {k}" for k, e in keys] + [f"SUM({e}) AS {m}" for m, e in measures]
        return (f"SELECT {', '.join(cols)} FROM jobs{extra_from}" + (f" WHERE {where}" if where else "")
                + f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}")

    return {
        "usage_daily": select(_daily_keys("jobs"), _daily_measures("jobs")),
        "usage_latency": select(_latency_keys("jobs"), [("count", "1")],
                                where="jobs.latency_s IS NOT NULL AND jobs.status = 'completed'"),
        "usage_prompt_daily": select(_prompt_keys("jobs", "p.id"), _prompt_measures("jobs"),
                                     extra_from=f" JOIN {prompts} p ON p.prompt = jobs.prompt"),
        "usage_billing_daily": select(_billing_keys("jobs"), _billing_measures("jobs")),
        "usage_keys": ("SELECT DISTINCT jobs.provider AS provider, COALESCE(jobs.key_fingerprint, '') AS "
                       "key_fingerprint, jobs.simulated AS simulated FROM jobs"),
        "usage_prompts": (f"SELECT p.id AS id, p.prompt AS prompt, COUNT(*) AS requests FROM jobs JOIN {prompts} p "
                          "ON p.prompt = jobs.prompt GROUP BY p.id, p.prompt"),
    }
