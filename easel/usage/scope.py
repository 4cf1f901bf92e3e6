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
"""

from __future__ import annotations

import re
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
    the store's own (settings, images, the engine). `by=("owner",)` gives each rollup view a leading owner key."""

    def __init__(self, store, owners, *, since: float | None = None, until: float | None = None,
                 by: tuple[str, ...] = ()):
        self._store = store
        self.owners = None if owners is None else tuple(dict.fromkeys(owners))
        if self.owners is not None and not self.owners:
            raise ValueError("an owner scope needs at least one owner")
        self.since, self.until, self.by = since, until, tuple(by)
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
            self._ctes = {"jobs": jobs, **rs.rollup_select_sql(prompts=f"{schema}usage_prompts", by=self.by)}
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
        return self._store.query(*self.scoped(sql, args))

    @contextmanager
    def reading(self) -> Iterator["_ScopedConnection"]:
        with self._store.reading() as conn:
            yield _ScopedConnection(conn, self)


class _ScopedConnection:
    """A connection whose `execute` reads through the scope (a streamed read: the CSV export)."""

    def __init__(self, conn, scope: OwnerScope):
        self._conn, self._scope = conn, scope

    def execute(self, sql: str, args=()):
        return self._conn.execute(*self._scope.scoped(sql, args))

    def __getattr__(self, name):
        return getattr(self._conn, name)
