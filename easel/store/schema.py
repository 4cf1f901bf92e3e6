"""The store's schema as an append-only list of migrations.

A migration, once released, is never edited: a later change is a new entry. `schema_migrations` records
which versions a file has, so opening an old file brings it forward and opening a current one does nothing.
"""

from __future__ import annotations

import sqlite3
import time

from easel.store.boards import MIGRATION_STATEMENTS as BOARDS_MIGRATION
from easel.store.gallery_schema import MIGRATION_STATEMENTS as GALLERY_MIGRATION
from easel.store.rollup_schema import MIGRATION_STATEMENTS as USAGE_MIGRATION
from easel.store.rollup_schema import TOP_PROMPTS_MIGRATION
from easel.store.scorecard_schema import MIGRATION_SQL as SCORECARD_MIGRATION
from easel.store.rollup_schema import BILLING_MIGRATION
from easel.store import gallery_schema, rollup_schema
from easel.store.dialect import PG_PRELUDE

__all__ = ["MIGRATIONS", "PG_VARIANTS", "migrate", "current_version"]

MIGRATIONS: list[tuple[int, str, str | tuple[str, ...]]] = [
    (1, "initial", """
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    finished_at     REAL,
    provider        TEXT NOT NULL,
    model           TEXT,
    endpoint        TEXT,
    mode            TEXT NOT NULL DEFAULT 'sync',
    prompt          TEXT NOT NULL DEFAULT '',
    params_json     TEXT NOT NULL DEFAULT '{}',
    size            TEXT,
    resolution      TEXT,
    quality         TEXT,
    n               INTEGER NOT NULL DEFAULT 1,
    ref_count       INTEGER NOT NULL DEFAULT 0,
    has_mask        INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL,
    progress        INTEGER,
    error_code      TEXT,
    error_message   TEXT,
    latency_s       REAL,
    cost_estimated  REAL,
    cost_actual     REAL,
    currency        TEXT,
    task_ids_json   TEXT NOT NULL DEFAULT '[]',
    key_fingerprint TEXT NOT NULL DEFAULT '',
    simulated       INTEGER NOT NULL DEFAULT 0,
    session_id      TEXT,
    base_url        TEXT,
    followed        INTEGER NOT NULL DEFAULT 1,
    owner_pid       INTEGER,
    inputs_json     TEXT NOT NULL DEFAULT '{}'
);
-- The usage dashboard filters by time, by provider over time, and counts by status.
CREATE INDEX jobs_created_at ON jobs(created_at);
CREATE INDEX jobs_provider_created_at ON jobs(provider, created_at);
CREATE INDEX jobs_status ON jobs(status);
CREATE INDEX jobs_session ON jobs(session_id, created_at);

CREATE TABLE images (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          TEXT NOT NULL REFERENCES jobs(id),
    idx             INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    path            TEXT NOT NULL,          -- relative to the data directory, so the directory can move
    width           INTEGER,
    height          INTEGER,
    mime            TEXT,
    bytes           INTEGER,
    revised_prompt  TEXT,
    source_url      TEXT,                   -- a credential (icodeeasy) or an expiring link (gccai)
    created_at      REAL NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (job_id, idx)                    -- a result is stored once, however many pollers see it
);
CREATE INDEX images_created_at ON images(deleted, created_at);
CREATE INDEX images_sha ON images(sha256);

-- Keyed by (job_id, task_id), not task_id alone: a restarted simulator may reuse an id an older job holds.
CREATE TABLE tasks (
    task_id         TEXT NOT NULL,
    job_id          TEXT NOT NULL REFERENCES jobs(id),
    provider        TEXT NOT NULL,
    idx             INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'pending',
    progress        INTEGER,
    next_poll_at    REAL NOT NULL DEFAULT 0,
    polls           INTEGER NOT NULL DEFAULT 0,
    poll_errors     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    cost            REAL,                   -- what this task cost, summed into the job when all are done
    created_at      REAL NOT NULL,
    deadline_at     REAL,
    lease_owner     TEXT,
    lease_until     REAL,
    updated_at      REAL NOT NULL,
    PRIMARY KEY (job_id, task_id)
);
CREATE INDEX tasks_status_next ON tasks(status, next_poll_at);

CREATE TABLE attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          TEXT NOT NULL,
    attempt         INTEGER NOT NULL,
    status_code     INTEGER,
    error_code      TEXT,
    latency_s       REAL,
    at              REAL NOT NULL
);
CREATE INDEX attempts_job ON attempts(job_id, id);

CREATE TABLE settings (
    key             TEXT PRIMARY KEY,
    value           TEXT NOT NULL
);
"""),
    # Usage rollups kept by triggers (easel/store/rollup_schema.py); statements are listed because trigger bodies hold ";".
    (2, "usage rollups", USAGE_MIGRATION),
    # Gallery counts, filter values and prompt search kept by triggers (easel/store/gallery_schema.py).
    (3, "gallery counts and prompt search", GALLERY_MIGRATION),
    # Each prompt's all-time count, so the top-prompts list need not sum every prompt of a range.
    (4, "top prompts by all-time count", TOP_PROMPTS_MIGRATION),
    # Streaming previews (easel/store/partials.py): each partial image as it arrives, apart from the results,
    # so a completed job's gallery holds only its final images.
    (20, "partial images", """
CREATE TABLE partial_images (
    job_id          TEXT NOT NULL REFERENCES jobs(id),
    image_index     INTEGER NOT NULL DEFAULT 0,    -- which result it previews (Easel streams n = 1: always 0)
    partial_index   INTEGER NOT NULL,              -- the provider's partial_image_index
    sha256          TEXT NOT NULL,
    path            TEXT NOT NULL,
    width           INTEGER,
    height          INTEGER,
    mime            TEXT,
    bytes           INTEGER,
    created_at      REAL NOT NULL,
    PRIMARY KEY (job_id, image_index, partial_index)
);
"""),
    # Compare (easel/compare/): one prompt sent to several providers at once. Each column is an ordinary job
    # that carries the comparison's id; `comparison_columns` says which job a column shows now (a rerun
    # replaces it) and `image_tags` holds the winner's tag, which the gallery filters by.
    (21, "comparisons", """
ALTER TABLE jobs ADD COLUMN comparison_id TEXT;
CREATE INDEX jobs_comparison ON jobs(comparison_id) WHERE comparison_id IS NOT NULL;
CREATE TABLE comparisons (
    id              TEXT PRIMARY KEY,
    created_at      REAL NOT NULL,
    prompt          TEXT NOT NULL DEFAULT '',
    settings_json   TEXT NOT NULL DEFAULT '{}',
    session_id      TEXT,
    winner_image_id INTEGER
);
CREATE TABLE comparison_columns (
    comparison_id   TEXT NOT NULL REFERENCES comparisons(id),
    idx             INTEGER NOT NULL,
    target          TEXT NOT NULL,                 -- as chosen: 'qcode', 'demo:gccai', 'custom-my-gateway'
    label           TEXT NOT NULL DEFAULT '',
    plan_json       TEXT NOT NULL DEFAULT '{}',    -- what was sent and the change notes
    job_id          TEXT,                          -- the job shown now, NULL when the column could not be sent
    error_code      TEXT,
    error_message   TEXT,
    PRIMARY KEY (comparison_id, idx)
);
CREATE TABLE image_tags (
    image_id        INTEGER NOT NULL REFERENCES images(id),
    tag             TEXT NOT NULL,
    created_at      REAL NOT NULL,
    PRIMARY KEY (image_id, tag)
);
CREATE INDEX image_tags_tag ON image_tags(tag, image_id);
"""),
    # Billing reconciliation: each row's reported and formula costs beside the estimate, their per provider-day
    # sums, and an index of the rows that may be flagged (easel/store/rollup_schema.py, BILLING_MIGRATION).
    (22, "reported and formula costs", BILLING_MIGRATION),
    # Conformance scorecard runs and their checks (easel/store/scorecard_schema.py, easel/store/scorecards.py).
    (23, "scorecard runs", SCORECARD_MIGRATION),
    (24, "prompt library", """
CREATE TABLE saved_prompts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    title           TEXT NOT NULL UNIQUE,
    prompt          TEXT NOT NULL,
    tags_json       TEXT NOT NULL DEFAULT '[]',
    settings_json   TEXT NOT NULL DEFAULT '{}',    -- optional defaults: size, quality, provider
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL
);
"""),
    (25, "batches", """
-- A batch (issue 17): many prompts, one row each; a sent row is an ordinary job carrying jobs.batch_id.
ALTER TABLE jobs ADD COLUMN batch_id TEXT;
CREATE INDEX jobs_batch ON jobs(batch_id) WHERE batch_id IS NOT NULL;
CREATE TABLE batches (
    id              TEXT PRIMARY KEY,
    created_at      REAL NOT NULL,
    name            TEXT NOT NULL DEFAULT '',       -- the file it came from, or 'pasted prompts'
    settings_json   TEXT NOT NULL DEFAULT '{}',     -- the defaults every row started from
    session_id      TEXT
);
CREATE TABLE batch_rows (
    batch_id        TEXT NOT NULL REFERENCES batches(id),
    row_no          INTEGER NOT NULL,               -- 1-based, as the preview and batch.csv number it
    prompt          TEXT NOT NULL DEFAULT '',
    target          TEXT NOT NULL DEFAULT '',       -- as given: 'qcode', 'demo', 'demo:qcode'
    provider        TEXT NOT NULL DEFAULT '',       -- the profile id the job runs on
    key_fingerprint TEXT NOT NULL DEFAULT '',
    request_json    TEXT NOT NULL DEFAULT '{}',     -- the validated request, as ImageRequest.describe()
    status          TEXT NOT NULL,                  -- invalid | waiting | sent | not_sent
    job_id          TEXT,                           -- the row's latest job (a retry replaces it)
    attempts        INTEGER NOT NULL DEFAULT 0,
    error_code      TEXT,                           -- invalid / not_sent: the rule or the provider's code
    error_message   TEXT,
    wait_until      REAL,                           -- waiting for a daily quota: when it resets
    wait_message    TEXT,
    cost_estimated  REAL,
    currency        TEXT,
    updated_at      REAL NOT NULL,
    PRIMARY KEY (batch_id, row_no)
);
CREATE INDEX batch_rows_waiting ON batch_rows(status) WHERE status = 'waiting';
CREATE INDEX batch_rows_job ON batch_rows(job_id);
"""),
    # Boards, stars (the tag 'starred' in image_tags) and share links: easel/store/boards.py, share_links.py.
    (26, "boards and share links", BOARDS_MIGRATION),
    # Workspaces (easel/core/identity.py): each row says whose it is ('' = the single user's, the team's) and
    # whether its owner shared it with the team. A board's name is unique per person, not across the team.
    (27, "workspaces", """
ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_owner ON jobs(owner, created_at);
ALTER TABLE comparisons ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE comparisons ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE boards ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE share_links ADD COLUMN owner TEXT NOT NULL DEFAULT '';
DROP INDEX boards_name;
CREATE UNIQUE INDEX boards_owner_name ON boards(owner, name COLLATE NOCASE);
"""),
]


# PostgreSQL runs the same migrations through easel/store/dialect.py, except where the engines truly differ; those
# numbers have a PostgreSQL variant here, written beside their SQLite text in their own module:
# - 1: first the prelude (SQLite's CAST, instr and NOCASE as PostgreSQL functions and a collation; pg_trgm),
#   then the same tables, then `jobs.rowid`, which SQLite has built in and keyset paging and bulk merges read.
# - 2, 4, 22: triggers are trigger functions; 3: the same, and pg_trgm in place of the FTS5 prompt index.
PG_VARIANTS: dict[int, tuple[str, ...]] = {
    1: (*PG_PRELUDE, "__MIGRATION_1__",
        "ALTER TABLE jobs ADD COLUMN rowid BIGINT GENERATED BY DEFAULT AS IDENTITY",
        "CREATE UNIQUE INDEX jobs_rowid ON jobs (rowid)"),
    2: rollup_schema.PG_MIGRATION_STATEMENTS,
    3: gallery_schema.PG_MIGRATION_STATEMENTS,
    4: rollup_schema.PG_TOP_PROMPTS_MIGRATION,
    22: rollup_schema.PG_BILLING_MIGRATION,
}
# Two processes opening one PostgreSQL database at once: the first migrates, the other waits on this lock.
_PG_MIGRATION_LOCK = 0x6561_7365_6C00      # "easel" in hex


def _migration_statements(version: int, sql, engine: str) -> list[str]:
    plain = list(sql) if isinstance(sql, tuple) else _statements(sql)
    variant = PG_VARIANTS.get(version) if engine == "postgres" else None
    if variant is None:
        return plain
    return [s for v in variant for s in (plain if v == "__MIGRATION_1__" else [v])]


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                 "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)")
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(conn: sqlite3.Connection, engine: str = "sqlite") -> int:
    """Apply the missing migrations in one write transaction; safe when two processes open the file at once."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if engine == "postgres":
            conn.execute(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
        have = current_version(conn)
        for version, name, sql in MIGRATIONS:
            if version <= have:
                continue
            for statement in _migration_statements(version, sql, engine):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                         (version, name, time.time()))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current_version(conn)


def _statements(sql: str) -> list[str]:
    # executescript() would commit our IMMEDIATE transaction, so statements run one by one inside it.
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
