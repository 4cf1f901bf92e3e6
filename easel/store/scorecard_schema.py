"""Migration 23: conformance scorecard runs and their check results (easel/store/scorecards.py reads them)."""

MIGRATION_SQL = """
CREATE TABLE scorecard_runs (
    id              TEXT PRIMARY KEY,
    provider        TEXT NOT NULL,
    started_at      REAL NOT NULL,
    finished_at     REAL,
    simulated       INTEGER NOT NULL DEFAULT 0,
    checks_json     TEXT NOT NULL DEFAULT '[]',    -- the check names this run was asked for, in suite order
    cost_estimated  REAL,                          -- the suite's total before it ran (0 on the Demo)
    currency        TEXT
);
CREATE INDEX scorecard_runs_provider ON scorecard_runs(provider, started_at);

CREATE TABLE scorecard_checks (
    run_id          TEXT NOT NULL REFERENCES scorecard_runs(id),
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,                 -- 'pass' | 'fail' | 'n/a'
    expected        TEXT NOT NULL DEFAULT '',
    got             TEXT NOT NULL DEFAULT '',
    why             TEXT NOT NULL DEFAULT '',      -- why n/a, or how it was measured
    job_ids_json    TEXT NOT NULL DEFAULT '[]',    -- the probe jobs (usage log rows) behind it
    PRIMARY KEY (run_id, name)
);
"""
