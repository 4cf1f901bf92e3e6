"""One person's usage (or a few people's), read by the same functions that read the team's.

The usage rollups (easel/store/rollup_schema.py) are team-wide: they have no owner column, and changing them would
slow every write. So a person's view does not read them. `OwnerScope(store, owners)` is a reader with the store's
API whose `query()` puts common table expressions in front of each statement, named like the tables it reads
(`jobs`, `usage_daily`, `usage_latency`, `usage_prompt_daily`, `usage_keys`, `usage_billing_daily`,
`usage_prompts`): `jobs` is the owners' rows, and each rollup is that table's SELECT over them
(rollup_schema.rollup_select_sql, the same keys and measures its triggers add up). A CTE named like a table hides
the table in SQLite and in PostgreSQL, so kpis, charts, filters, the request table, reconciliation and the CSV export
run unchanged on those rows alone. The CTEs read the real tables through schema-qualified names (`main.jobs`;
PostgreSQL's current schema), which no CTE hides.

`since` (unix seconds) also leaves out rows created before it: a view that reads only recent days (a budget
check reads today) then reads those days' rows through the jobs(owner, created_at) index, not the owners' whole
history. `usage_prompts.requests` is then the count since `since`, still at least any range's count within it,
which is all the top-prompts walk needs of it.

The single user, and an admin's Team view, read the store itself: the rollup path, as fast as ever.

Speed: each statement over a CTE'd rollup re-reads and re-groups the owners' rows (at 50,000 rows of one person
~0.4 s a statement, and the page runs about ten). So, with `mirror=True` (the page's reader), the first statement
that reads a rollup copies the owners' rows in the window, with only the columns the rollups read, into a private
in-memory SQLite database once, builds the rollups there with the store's own rebuild statements
(rollup_schema.rebuild_sql, the same merges a bulk load runs), and answers every later rollup statement from it
in milliseconds. Statements that read `jobs` itself (the request table, the CSV, reconciliation's flagged rows)
keep going to the store through the CTE, by index. The mirror lives as long as the reader: one page run.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from contextlib import contextmanager
from typing import Iterator

from easel.store import rollup_schema as rs

__all__ = ["OwnerScope", "SHADOWED"]

SHADOWED = ("jobs", "usage_daily", "usage_latency", "usage_prompt_daily", "usage_keys", "usage_billing_daily",
            "usage_prompts")
_NAMES = re.compile(r"\b(" + "|".join(SHADOWED) + r")\b")
# A planner hint names an index of the real table; a CTE has none (reconcile's flagged rows use one).
_HINT = re.compile(r"\bjobs INDEXED BY \w+")
_WITH = re.compile(r"^\s*WITH\s+(RECURSIVE\s+)?", re.IGNORECASE)


class OwnerScope:
    """The store as seen through the rows of `owners` (person ids; '' is the single user's rows; None: everyone's,
    e.g. for a window or `by`), created in [since, until). Reads only: everything but `query()` and `reading()` is
    the store's own (settings, images, the engine). `by=("owner",)` gives each rollup view a leading owner key;
    `only` keeps just those of its keys (a caller that groups by a few)."""

    def __init__(self, store, owners, *, since: float | None = None, until: float | None = None,
                 by: tuple[str, ...] = (), only: tuple[str, ...] | None = None, mirror: bool = False):
        self._store = store
        self._mirror_on = mirror and not by
        self._mirror: sqlite3.Connection | None = None
        self._mirror_lock = threading.Lock()
        self.owners = None if owners is None else tuple(dict.fromkeys(owners))
        if self.owners is not None and not self.owners:
            raise ValueError("an owner scope needs at least one owner")
        self.since, self.until, self.by, self.only = since, until, tuple(by), only
        self._ctes: dict[str, str] | None = None

    def __getattr__(self, name):
        return getattr(self._store, name)

    @property
    def store(self):
        """The store underneath (team-wide reads, writes)."""
        return self._store

    def _schema(self) -> str:
        if self._store.engine == "postgres":
            return '"' + str(self._store.query("SELECT current_schema()")[0][0]).replace('"', '""') + '".'
        return "main."

    def _definitions(self) -> dict[str, str]:
        if self._ctes is None:
            schema = self._schema()
            rowid = "" if self._store.engine == "postgres" else "rowid AS rowid, "   # PostgreSQL's is a real column
            conds = []
            if self.owners is not None:
                conds.append(f"owner IN ({', '.join('?' for _owner in self.owners)})")
            if self.since is not None:
                conds.append("created_at >= ?")
            if self.until is not None:
                conds.append("created_at < ?")
            jobs = f"SELECT {rowid}* FROM {schema}jobs" + (" WHERE " + " AND ".join(conds) if conds else "")
            self._ctes = {"jobs": jobs, **rs.rollup_select_sql(prompts=f"{schema}usage_prompts", by=self.by, only=self.only)}
        return self._ctes

    def _args(self) -> list:
        return [*(self.owners or ()), *(v for v in (self.since, self.until) if v is not None)]

    def scoped(self, sql: str, args=()) -> tuple[str, list]:
        """`sql` with the CTEs it needs in front, and its args after theirs."""
        used = set(_NAMES.findall(sql))
        if not used:
            return sql, list(args)
        defs = self._definitions()
        names = ["jobs"] + [n for n in SHADOWED[1:] if n in used]       # every rollup view reads `jobs`
        ctes = ", ".join(f"{n} AS ({defs[n]})" for n in names)
        sql = _HINT.sub("jobs", sql)
        m = _WITH.match(sql)
        if m:       # the statement has CTEs of its own: ours go first, in the same WITH
            sql = f"WITH {m.group(1) or ''}{ctes}, {sql[m.end():]}"
        else:
            sql = f"WITH {ctes} {sql}"
        # Only `jobs` takes arguments, and it comes first.
        return sql, [*self._args(), *args]

    def query(self, sql: str, args=()):
        if self._mirror_on:
            used = set(_NAMES.findall(sql))
            if used and "jobs" not in used:
                with self._mirror_lock:
                    return self._mirrored().execute(sql, list(args)).fetchall()
        return self._store.query(*self.scoped(sql, args))

    def share_mirror(self, other: "OwnerScope") -> None:
        """Read rollups from `other`'s mirror (built, or to be built once for both)."""
        self._mirror_on = other._mirror_on
        self._mirror_lock = other._mirror_lock
        self._mirror = other._mirrored() if other._mirror_on else None

    def _mirrored(self) -> sqlite3.Connection:
        if self._mirror is None:
            db = sqlite3.connect(":memory:", check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute(f"CREATE TABLE jobs (rowid INTEGER PRIMARY KEY, {', '.join(_MIRROR_COLUMNS)})")
            for stmt in _MIRROR_SCHEMA:
                db.execute(stmt)
            offset = self._store.query("SELECT day_offset_s FROM usage_config WHERE id = 1")[0][0]
            db.execute("UPDATE usage_config SET day_offset_s = ? WHERE id = 1", (int(offset),))
            # Straight from the table by the jobs(owner, created_at) index (the CTE's rows, without its `SELECT *`).
            where = self._definitions()["jobs"].partition(" WHERE ")[2]
            rows = sorted(self._store.query(f"SELECT rowid, {', '.join(_MIRROR_COLUMNS)} FROM jobs"
                                            + (f" WHERE {where}" if where else ""), self._args()), key=lambda r: r[0])
            db.executemany(f"INSERT INTO jobs VALUES ({', '.join('?' for _c in range(len(_MIRROR_COLUMNS) + 1))})",
                           [tuple(r) for r in rows])
            # Prompt ids in the order the prompts first appear, as a store holding only these rows numbers them; then
            # the rebuild's merges, but for its own prompt insert (done here, in order).
            db.execute("INSERT OR IGNORE INTO usage_prompts (prompt) SELECT prompt FROM jobs ORDER BY rowid")
            for stmt in rs.rebuild_sql():
                if not stmt.startswith("INSERT OR IGNORE INTO usage_prompts "):
                    db.execute(stmt)
            self._mirror = db
        return self._mirror

    @contextmanager
    def reading(self) -> Iterator["_ScopedConnection"]:
        with self._store.reading() as conn:
            yield _ScopedConnection(conn, self)


# Every column of `jobs` a rollup reads, and the rollup tables as the store's migrations make them (no triggers:
# the mirror is built once, by the rebuild's merges).
_MIRROR_COLUMNS = ("created_at", "provider", "model", "endpoint", "mode", "quality", "resolution", "size", "status",
                   "error_code", "currency", "simulated", "key_fingerprint", "n", "cost_actual", "cost_estimated",
                   "latency_s", "prompt", "cost_reported", "cost_formula")
_MIRROR_SCHEMA = tuple(
    s for s in (*rs.MIGRATION_STATEMENTS, *rs.TOP_PROMPTS_MIGRATION, *rs.BILLING_MIGRATION)
    if s.startswith(("CREATE TABLE usage", "INSERT INTO usage_config", "INSERT INTO usage_latency_buckets",
                     "CREATE INDEX usage_", "ALTER TABLE usage_prompts")))


class _ScopedConnection:
    """A connection whose `execute` reads through the scope (a streamed read: the CSV export)."""

    def __init__(self, conn, scope: OwnerScope):
        self._conn, self._scope = conn, scope

    def execute(self, sql: str, args=()):
        return self._conn.execute(*self._scope.scoped(sql, args))

    def __getattr__(self, name):
        return getattr(self._conn, name)
