"""Store: the one SQLite file behind jobs, the usage log, tasks, attempts and the gallery — or, in team mode
(EASEL_DATABASE_URL), one PostgreSQL database, through the same queries (easel/store/pg.py, dialect.py).

WAL lets the Streamlit pages read while a worker writes. Each thread gets its own connection (sqlite3
connections are not shared across threads), and every write runs in BEGIN IMMEDIATE so a writer waits on
`busy_timeout` instead of failing with "database is locked" when a read snapshot goes stale.

Over 300 lines as one cohesive thing: the connection and locking rules above govern every query here, so the
queries stay beside them. Schema and migrations live in schema.py, row types in rows.py, files in blobs.py.
"""

from __future__ import annotations

import hashlib
import json
import copy
import os
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from easel.core import config
from easel.core.models import ImageOut
from easel.core import identity
from easel.core.identity import Person
from easel.store import pg
from easel.store.blobs import Blobs
from easel.store.gallery_schema import ORIGINS
from easel.store.prompt_search import prompt_search_sql
from easel.store.rows import TASK_OPEN_STATUSES, AttemptRow, ImageRow, JobRow, TaskRow, time_range
from easel.store.pg import is_postgres_url, redact_url
from easel.store.schema import migrate

__all__ = ["Store", "WHOSE"]

BUSY_TIMEOUT_MS = 30_000
DATABASE_URL_ENV = "EASEL_DATABASE_URL"
_JOB_COLUMNS = frozenset(JobRow.__dataclass_fields__)
_TASK_COLUMNS = frozenset(TaskRow.__dataclass_fields__) - {"key_fingerprint", "base_url"}
_JSON_COLUMNS = {"params_json", "task_ids_json", "inputs_json"}
_IMAGE_SELECT = ("SELECT images.*, jobs.provider, jobs.prompt, jobs.model, jobs.quality, jobs.size, jobs.resolution "
                 "FROM images JOIN jobs ON jobs.id = images.job_id")
# The gallery's "whose" filter for a named person (all they may read when None).
WHOSE = ("mine", "shared")
_IMAGE_SELECT_VERSIONED = _IMAGE_SELECT.replace(" FROM ", ", jobs.updated_at AS job_updated_at FROM ", 1)


class _ReadCache:
    """`Store.cached_query`'s rows by statement, each with the stamp it was read at; bounded, oldest out. Rows are
    sqlite3.Row tuples: immutable, so sessions can share them."""

    LIMIT = 256

    def __init__(self) -> None:
        self._rows: OrderedDict[tuple, tuple[tuple, list]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, stamp: tuple) -> list | None:
        with self._lock:
            hit = self._rows.get(key)
            if hit is None or hit[0] != stamp:
                return None
            self._rows.move_to_end(key)
            return hit[1]

    def put(self, key: tuple, stamp: tuple, rows: list) -> None:
        with self._lock:
            self._rows[key] = (stamp, rows)
            self._rows.move_to_end(key)
            while len(self._rows) > self.LIMIT:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


class Store:
    """`Store()` is the data directory's SQLite file, or the PostgreSQL database named by EASEL_DATABASE_URL when
    that is set (team mode). A `path` names the data directory's file; under EASEL_DATABASE_URL only its folder is
    used (for the image files). `database_url` (or a `postgresql://` path) picks a database explicitly."""

    def __init__(self, path: str | Path | None = None, *, database_url: str | None = None):
        if is_postgres_url(path):
            database_url, path = str(path), None
        database_url = database_url or os.environ.get(DATABASE_URL_ENV) or None
        if database_url is not None and not is_postgres_url(database_url):
            raise ValueError(f"{DATABASE_URL_ENV} must be a postgresql:// URL; got {redact_url(database_url)!r}")
        self.database_url = database_url
        self.engine = "postgres" if database_url else "sqlite"
        self.path = Path(path) if path is not None else config.data_dir() / "easel.db"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.root = self.path.parent
        self.blobs = Blobs(self.root)
        self._local = threading.local()
        self._all: list[list] = []          # [connection, its lock, the thread using it]
        self._lock = threading.Lock()
        self._read_cache = _ReadCache()       # shared by every view (for_viewer copies the reference)
        self.viewer: Person | None = None     # None: the process itself (poller, recovery) reads every row
        with self.reading() as conn:
            self.schema_version = migrate(conn, self.engine)

    def for_viewer(self, viewer: Person | None) -> "Store":
        """This store as `viewer` sees it (easel.core.identity.visible_sql): the same connections and files, but
        listings and lookups by id or hash answer only with rows that person may read."""
        view = copy.copy(self)
        view.viewer = viewer
        return view

    @property
    def scoped(self) -> bool:
        """Whether this view reads only some rows (a named person's): then the team-wide trigger-kept gallery
        counts do not apply and counts are made with a direct query."""
        return self.viewer is not None and not self.viewer.single

    def visible(self, table: str = "jobs") -> tuple[str, list]:
        """The viewer's visibility condition on `table` (owner, shared), as " AND (...)" and its args; ("", [])
        for the single user and the process."""
        clause, args = identity.visible_sql(self.viewer, table)
        return (f" AND {clause}", args) if clause else ("", [])

    def owned(self, table: str) -> tuple[str, list]:
        """Rows of `table` owned by the viewer or by the team (owner ''), for tables without a shared flag
        (batches, boards, share links); ("", []) when everything is visible."""
        if not self.scoped:
            return "", []
        return f" AND ({table}.owner = ? OR {table}.owner = '')", [self.viewer.id]

    def acting_id(self) -> str:
        """Who writes through this view: its viewer, else the current person (identity.current())."""
        return self.viewer.id if self.viewer is not None else identity.owner_id()

    @property
    def no_limit(self):
        """What `LIMIT ?` takes for "no limit": SQLite reads -1 so, PostgreSQL NULL (it refuses a negative)."""
        return None if self.engine == "postgres" else -1

    @property
    def location(self) -> str:
        """Where the rows live, for messages: the file, or the database URL without its password."""
        return redact_url(self.database_url) if self.database_url else str(self.path)

    # --- connections -------------------------------------------------------------------------------
    # One connection per thread at a time. close() may run on another thread while a worker is mid-query;
    # closing an sqlite3 connection under a running statement crashes the interpreter, so every use of a
    # connection holds its own lock, and close() takes each lock before closing. (Uncontended in normal use:
    # each connection belongs to one thread.) A worker that touches a closed connection gets a Python error.
    # Streamlit runs every rerun on a new thread: a thread's connection is handed on to a later thread once its
    # owner has ended, so the number of open connections follows the threads alive at once, not the reruns.
    def _pair(self) -> tuple[sqlite3.Connection, threading.RLock]:
        pair = getattr(self._local, "pair", None)
        if pair is None:
            pair = self._adopt() or self._open()
            self._local.pair = pair
        return pair

    def _adopt(self) -> tuple[sqlite3.Connection, threading.RLock] | None:
        """A connection whose thread has ended (and holds none of its locks), now this thread's."""
        me = threading.current_thread()
        with self._lock:
            for entry in self._all:
                owner = entry[2]
                if owner.is_alive() or entry[0].in_transaction or not entry[1].acquire(blocking=False):
                    continue
                try:
                    entry[2] = me
                finally:
                    entry[1].release()
                return entry[0], entry[1]
        return None

    def _open(self) -> tuple[sqlite3.Connection, threading.RLock]:
        if self.database_url:
            return self._register(pg.connect(self.database_url))
        # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE for writes).
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return self._register(conn)

    def _register(self, conn) -> tuple[sqlite3.Connection, threading.RLock]:
        guard = threading.RLock()   # re-entrant: a read inside a write block on the same thread
        with self._lock:
            self._all.append([conn, guard, threading.current_thread()])
        return conn, guard

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._all)

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, held for a streamed read (e.g. a large CSV export)."""
        conn, guard = self._pair()
        with guard:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn, guard = self._pair()
        with guard:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(self, sql: str, args: tuple | list = ()) -> list[sqlite3.Row]:
        conn, guard = self._pair()
        with guard:
            cur = conn.execute(sql, args)
            # A statement without rows (an UPDATE) reads as [] on both engines; psycopg would raise on fetchall.
            return cur.fetchall() if cur.description is not None else []

    def cached_query(self, sql: str, args: tuple | list = ()) -> list:
        """`query`, answered from memory when the database has not changed since the same statement last ran on
        this thread's connection. A page's rerun reads its rows again although nothing changed; this costs one
        PRAGMA instead. SQLite says when something changed: `PRAGMA data_version` moves when any other connection
        (another thread, process or replica) commits, and the connection's own `total_changes` moves when it
        writes. PostgreSQL has no such stamp, so there every call is a query."""
        if self.database_url:
            return self.query(sql, args)
        conn, guard = self._pair()
        with guard:
            stamp = (id(conn), conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
            key = (sql, tuple(args))
            hit = self._read_cache.get(key, stamp)
            if hit is not None:
                return hit
            rows = conn.execute(sql, args).fetchall()
            self._read_cache.put(key, stamp, rows)
            return rows

    def journal_mode(self) -> str:
        return self.query("PRAGMA journal_mode")[0][0]

    def close(self) -> None:
        with self._lock:
            pairs, self._all = self._all, []
            self._local = threading.local()
        self._read_cache.clear()          # a new connection could take a closed one's id
        for conn, guard, _owner in pairs:
            with guard:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001 - closing what may already be broken
                    pass

    # --- jobs (the usage log) ----------------------------------------------------------------------
    def create_job(self, *, provider: str, status: str = "queued", mode: str = "sync", model: str | None = None,
                   endpoint: str | None = None, prompt: str = "", params: dict | None = None,
                   size: str | None = None, resolution: str | None = None, quality: str | None = None,
                   n: int = 1, ref_count: int = 0, has_mask: bool = False, cost_estimated: float | None = None,
                   currency: str | None = None, key_fingerprint: str = "", simulated: bool = False,
                   session_id: str | None = None, base_url: str | None = None, inputs: dict | None = None,
                   owner_pid: int | None = None, job_id: str | None = None, created_at: float | None = None,
                   comparison_id: str | None = None, batch_id: str | None = None, owner: str | None = None) -> str:
        """Write one job row and return its id. Callers do this before any network call. `owner`: whose job it
        is; by default the current person's (easel.core.identity.current(); "" for the single user)."""
        now = time.time() if created_at is None else created_at
        job_id = job_id or uuid.uuid4().hex
        row = dict(id=job_id, created_at=now, updated_at=now, provider=provider, status=status, mode=mode,
                   model=model, endpoint=endpoint, prompt=prompt, params_json=json.dumps(params or {}),
                   size=size, resolution=resolution, quality=quality, n=n, ref_count=ref_count,
                   has_mask=int(bool(has_mask)), cost_estimated=cost_estimated, currency=currency,
                   key_fingerprint=key_fingerprint, simulated=int(bool(simulated)), session_id=session_id,
                   base_url=base_url, inputs_json=json.dumps(inputs or {}),
                   owner_pid=os.getpid() if owner_pid is None else owner_pid,
                   owner=identity.owner_id() if owner is None else owner)
        if comparison_id is not None:
            row["comparison_id"] = comparison_id
        if batch_id is not None:
            row["batch_id"] = batch_id
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self._write() as conn:
            conn.execute(f"INSERT INTO jobs ({cols}) VALUES ({marks})", tuple(row.values()))
        return job_id

    def update_job(self, job_id: str, *, where_status: tuple[str, ...] | None = None, **fields) -> bool:
        """Set columns on a job. With `where_status`, only if the job is in one of those statuses (a guarded
        transition, so a worker cannot overwrite a cancel). Returns whether the row changed."""
        if not fields:
            return False
        unknown = set(fields) - _JOB_COLUMNS
        if unknown:
            raise ValueError(f"unknown job columns: {sorted(unknown)}")
        fields.setdefault("updated_at", time.time())
        values = [json.dumps(v) if k in _JSON_COLUMNS and not isinstance(v, str) else v for k, v in fields.items()]
        sql = f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?"
        args = [*values, job_id]
        if where_status:
            sql += f" AND status IN ({', '.join('?' for _ in where_status)})"
            args += list(where_status)
        with self._write() as conn:
            return conn.execute(sql, args).rowcount == 1

    def get_job(self, job_id: str) -> JobRow | None:
        """The job, or None when there is none or the viewer may not read it (the same answer: not found)."""
        seen, seen_args = self.visible()
        rows = self.query(f"SELECT * FROM jobs WHERE id = ?{seen}", (job_id, *seen_args))
        return JobRow.from_row(rows[0]) if rows else None

    def get_jobs(self, job_ids) -> dict[str, JobRow]:
        """Several jobs by id in one query (a gallery page's jobs), keyed by id; unknown ids are left out."""
        ids = list(dict.fromkeys(job_ids))
        out: dict[str, JobRow] = {}
        # SQLite caps bound parameters (32766 by default, 999 on old builds): chunk so any list works.
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            seen, seen_args = self.visible()
            rows = self.query(f"SELECT * FROM jobs WHERE id IN ({', '.join('?' for _ in chunk)}){seen}",
                              [*chunk, *seen_args])
            out.update((r["id"], JobRow.from_row(r)) for r in rows)
        return out

    def _job_filter(self, status, provider, session_id, followed, since, until) -> tuple[str, list]:
        where, args = [], []
        if status:
            statuses = (status,) if isinstance(status, str) else tuple(status)
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            args += statuses
        for col, val in (("provider", provider), ("session_id", session_id)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        if followed is not None:
            where.append("followed = ?")
            args.append(int(followed))
        clauses, bounds = time_range("created_at", since, until)
        where += clauses
        args += bounds
        seen, seen_args = identity.visible_sql(self.viewer, "jobs")
        if seen:
            where.append(seen)
            args += seen_args
        return (" WHERE " + " AND ".join(where)) if where else "", args

    def list_jobs(self, *, status: str | tuple[str, ...] | None = None, provider: str | None = None,
                  session_id: str | None = None, followed: bool | None = None, since: float | None = None,
                  until: float | None = None, limit: int = 100, offset: int = 0) -> list[JobRow]:
        """Newest first."""
        where, args = self._job_filter(status, provider, session_id, followed, since, until)
        rows = self.query(f"SELECT * FROM jobs{where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
                          [*args, limit, offset])
        return JobRow.from_rows(rows)

    def count_jobs(self, *, status: str | tuple[str, ...] | None = None, provider: str | None = None,
                   session_id: str | None = None, followed: bool | None = None, since: float | None = None,
                   until: float | None = None) -> int:
        where, args = self._job_filter(status, provider, session_id, followed, since, until)
        return self.query(f"SELECT COUNT(*) FROM jobs{where}", args)[0][0]

    # --- images ------------------------------------------------------------------------------------
    def add_image(self, job_id: str, idx: int, image: ImageOut) -> ImageRow:
        """Store one result. Idempotent on (job_id, idx): a second call returns the row already there."""
        existing = self._image_at(job_id, idx)
        if existing is not None:
            return existing
        sha, rel = self.blobs.put("images", image.data, image.mime)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO images (job_id, idx, sha256, path, width, height, mime, bytes, revised_prompt, "
                "source_url, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, idx) DO NOTHING",
                (job_id, idx, sha, rel, image.width, image.height, image.mime, len(image.data),
                 image.revised_prompt, image.source_url, time.time()))
        row = self._image_at(job_id, idx)
        assert row is not None
        return row

    def _image_at(self, job_id: str, idx: int) -> ImageRow | None:
        rows = self.query(f"{_IMAGE_SELECT} WHERE images.job_id = ? AND images.idx = ?", (job_id, idx))
        return ImageRow.from_row(rows[0]) if rows else None

    def _image_filter(self, provider, text, since, until, job_id, include_deleted, origin=None, days=None,
                      before=None, comparison_id=None, tag=None, batch_id=None, board_id=None,
                      starred=False, whose=None) -> tuple[str, list]:
        where, args = [], []
        if whose in WHOSE and self.scoped:
            # Within what the viewer may read: their own ('mine'), or the team's and what others shared ('shared').
            where.append("jobs.owner = ?" if whose == "mine" else "jobs.owner <> ?")
            args.append(self.viewer.id)
        if batch_id is not None:
            where.append("jobs.batch_id = ?")
            args.append(batch_id)
        if board_id is not None:
            where.append("images.id IN (SELECT image_id FROM board_images WHERE board_id = ?)")
            args.append(board_id)
        if starred:
            where.append("images.id IN (SELECT image_id FROM image_tags WHERE tag = 'starred')")
        if comparison_id is not None:
            where.append("jobs.comparison_id = ?")
            args.append(comparison_id)
        if tag is not None:
            where.append("images.id IN (SELECT image_id FROM image_tags WHERE tag = ?)")
            args.append(tag)
        if not include_deleted:
            where.append("images.deleted = 0")
        if provider is not None:
            where.append("jobs.provider = ?")
            args.append(provider)
        if origin is not None:
            where.append("jobs.endpoint = 'edits'" if origin == "edit" else "jobs.endpoint IS NOT 'edits'")
        if job_id is not None:
            where.append("images.job_id = ?")
            args.append(job_id)
        if text and text.strip():
            search, search_args = prompt_search_sql(text, self.engine)
            where.append(f"images.id IN ({search})")
            args += search_args
        if days is not None:
            since, until = self._day_bounds(days, since, until)
        if before is not None and (until is None or before[0] < until):
            # Keyset: the page after the last (created_at, id) shown, in the page's newest-first order. The
            # cursor replaces the upper bound: SQLite walks an index between one lower and one upper bound.
            clauses, bounds = time_range("images.created_at", since, None)
            clauses.append("images.created_at <= ?")
            bounds.append(float(before[0]))
        else:
            clauses, bounds = time_range("images.created_at", since, until)
        where += clauses
        args += bounds
        if before is not None:
            where.append("(images.created_at, images.id) < (?, ?)")
            args += [float(before[0]), int(before[1])]
        seen, seen_args = identity.visible_sql(self.viewer, "jobs")     # an image is visible with its job
        if seen:
            where.append(seen)
            args += seen_args
        return (" WHERE " + " AND ".join(where)) if where else "", args

    def _day_offset(self) -> int:
        return int(self.query("SELECT day_offset_s FROM usage_config WHERE id = 1")[0][0])

    def _day_bounds(self, days, since, until) -> tuple[float | None, float | None]:
        """Usage days (first, last), inclusive, as a created_at range; tighter of it and since/until."""
        first, last = days
        offset = self._day_offset()
        lo = None if first is None else int(first) * 86400 - offset
        hi = None if last is None else (int(last) + 1) * 86400 - offset
        since = lo if since is None else (since if lo is None else max(since, lo))
        until = hi if until is None else (until if hi is None else min(until, hi))
        return since, until

    def list_images(self, *, provider: str | None = None, text: str | None = None, since: float | None = None,
                    until: float | None = None, job_id: str | None = None, include_deleted: bool = False,
                    limit: int = 100, offset: int = 0, origin: str | None = None,
                    days: tuple[int | None, int | None] | None = None,
                    before: tuple[float, int] | None = None, comparison_id: str | None = None,
                    tag: str | None = None, batch_id: str | None = None, board_id: str | None = None,
                    starred: bool = False, whose: str | None = None) -> list[ImageRow]:
        """Newest first; within a job, in result order. `before` = the (created_at, id) of the last image of
        the previous page (keyset paging: the cost of a page does not grow with its number); `days` = usage
        days (first, last), inclusive; `origin` = 'generate' | 'edit'; `comparison_id` = one comparison's columns;
        `tag` = images carrying that tag ('winner': picked in a comparison); `batch_id` = one batch's rows;
        `board_id` = one board's images; `starred` = only starred images (easel/store/boards.py); `whose` = for a
        named viewer, 'mine' or 'shared' (the team's and others' shared ones), None = all they may read."""
        rows = self._image_rows(_IMAGE_SELECT, provider=provider, text=text, since=since, until=until, job_id=job_id,
                                include_deleted=include_deleted, limit=limit, offset=offset, origin=origin, days=days,
                                before=before, comparison_id=comparison_id, tag=tag, batch_id=batch_id,
                                board_id=board_id, starred=starred, whose=whose)
        return ImageRow.from_rows(rows)

    def list_images_versioned(self, **filters) -> tuple[list[ImageRow], dict[str, float]]:
        """`list_images(**filters)` and, from the same query, their jobs' `updated_at` (job id → it): the Gallery
        keeps its captions by job version and reads a job only when it changed, so a rerun of a page is this one
        query instead of the page's rows and then their jobs. A page's rerun with nothing changed reads it from
        memory (`cached_query`); other listings (the poller's, a job's results) always query."""
        rows = self._image_rows(_IMAGE_SELECT_VERSIONED, cached=True, **filters)
        return ImageRow.from_rows(rows), {r["job_id"]: r["job_updated_at"] for r in rows}

    def _image_rows(self, select: str, *, cached: bool = False, provider=None, text=None, since=None, until=None,
                    job_id=None, include_deleted=False, limit=100, offset=0, origin=None, days=None, before=None,
                    comparison_id=None, tag=None, batch_id=None, board_id=None, starred=False, whose=None) -> list:
        where, args = self._image_filter(provider, text, since, until, job_id, include_deleted, origin, days, before,
                                         comparison_id, tag, batch_id, board_id, starred, whose)
        order = "images.idx" if job_id is not None else "images.created_at DESC, images.id DESC"
        read = self.cached_query if cached else self.query
        return read(f"{select}{where} ORDER BY {order} LIMIT ? OFFSET ?", [*args, limit, offset])

    def count_images(self, *, provider: str | None = None, text: str | None = None, since: float | None = None,
                     until: float | None = None, job_id: str | None = None, include_deleted: bool = False,
                     origin: str | None = None, days: tuple[int | None, int | None] | None = None,
                     comparison_id: str | None = None, tag: str | None = None, batch_id: str | None = None,
                     board_id: str | None = None, starred: bool = False, whose: str | None = None) -> int:
        """How many images match. Without a text search, a time range or a job, this sums the trigger-kept
        `gallery_counts` (a few rows per day), so the gallery's count does not grow with the gallery."""
        if not self.scoped and not (text and text.strip()) and since is None and until is None and job_id is None \
                and not include_deleted and comparison_id is None and tag is None and batch_id is None and board_id is None and not starred:
            where, args = ["true"], []
            for col, val in (("provider", provider), ("origin", origin)):
                if val is not None:
                    where.append(f"{col} = ?")
                    args.append(val)
            first, last = days or (None, None)
            if first is not None:
                where.append("day >= ?")
                args.append(int(first))
            if last is not None:
                where.append("day <= ?")
                args.append(int(last))
            return int(self.cached_query(f"SELECT COALESCE(SUM(n), 0) FROM gallery_counts WHERE {' AND '.join(where)}",
                                         args)[0][0])
        where, args = self._image_filter(provider, text, since, until, job_id, include_deleted, origin, days,
                                         comparison_id=comparison_id, tag=tag, batch_id=batch_id,
                                         board_id=board_id, starred=starred, whose=whose)
        return self.query(f"SELECT COUNT(*) FROM images JOIN jobs ON jobs.id = images.job_id{where}", args)[0][0]

    def _first_visible_image(self, extra: str = "", extra_args=(), *, newest: bool = True):
        """The created_at of the viewer's newest (or oldest) visible image matching `extra`, or None. The team-wide
        `gallery_counts` cannot say what one person sees; walking the newest-first index to the first image they
        may read stops early, where a DISTINCT or MIN/MAX over the join would read every image."""
        seen, seen_args = identity.visible_sql(self.viewer, "jobs")
        order = "DESC" if newest else "ASC"
        rows = self.query(f"SELECT images.created_at FROM images JOIN jobs ON jobs.id = images.job_id "
                          f"WHERE images.deleted = 0 AND {seen}{extra} "
                          f"ORDER BY images.created_at {order}, images.id {order} LIMIT 1", [*seen_args, *extra_args])
        return rows[0][0] if rows else None

    def image_providers(self) -> list[str]:
        """The providers that have at least one image in the gallery (for its filter), sorted."""
        team = [r[0] for r in self.cached_query("SELECT DISTINCT provider FROM gallery_counts WHERE n > 0 "
                                                "ORDER BY provider")]
        if self.scoped:
            return [p for p in team if self._first_visible_image(" AND jobs.provider = ?", (p,)) is not None]
        return team

    def image_origins(self) -> list[str]:
        """The pages of origin ('generate', 'edit') that have at least one image in the gallery."""
        have = {r[0] for r in self.query("SELECT DISTINCT origin FROM gallery_counts WHERE n > 0")}
        if self.scoped:
            have = {o for o in have if self._first_visible_image(
                " AND jobs.endpoint = 'edits'" if o == "edit" else " AND jobs.endpoint IS NOT 'edits'") is not None}
        return [o for o in ORIGINS if o in have]

    def image_days(self) -> tuple[int, int] | None:
        """The first and last usage day with an image in the gallery (for the date filter's bounds)."""
        if self.scoped:
            last = self._first_visible_image()
            if last is None:
                return None
            first = self._first_visible_image(newest=False)
            # The usage day, as gallery_counts keeps it (easel/store/gallery_schema.py).
            offset = self._day_offset()
            return int((first + offset) // 86400), int((last + offset) // 86400)
        row = self.cached_query("SELECT MIN(day), MAX(day) FROM gallery_counts WHERE n > 0")[0]
        return None if row[0] is None else (int(row[0]), int(row[1]))

    def get_image(self, image_id: int) -> ImageRow | None:
        """The image, or None when there is none or the viewer may not read its job (the same answer)."""
        seen, seen_args = self.visible()
        rows = self.query(f"{_IMAGE_SELECT} WHERE images.id = ?{seen}", (image_id, *seen_args))
        return ImageRow.from_row(rows[0]) if rows else None

    def find_image(self, sha256: str) -> ImageRow | None:
        """The newest visible image with these bytes (a hash from a URL or a widget), or None."""
        seen, seen_args = self.visible()
        rows = self.query(f"{_IMAGE_SELECT} WHERE images.sha256 = ? AND images.deleted = 0{seen} "
                          "ORDER BY images.created_at DESC, images.id DESC LIMIT 1", (sha256, *seen_args))
        return ImageRow.from_row(rows[0]) if rows else None

    def image_bytes(self, row: ImageRow) -> bytes:
        return self.blobs.read(row.path)

    def delete_image(self, image_id: int) -> bool:
        """Hide an image from the gallery. The file stays: the same bytes may belong to another result."""
        # Another person's image (private: refused as a missing one is; shared: theirs to delete, not the team's).
        seen, seen_args = self.owned("jobs")
        guard = f" AND job_id IN (SELECT jobs.id FROM jobs WHERE true{seen})" if seen else ""
        with self._write() as conn:
            return conn.execute(f"UPDATE images SET deleted = 1 WHERE id = ? AND deleted = 0{guard}",
                                (image_id, *seen_args)).rowcount == 1

    def set_shared(self, job_id: str, shared: bool) -> bool:
        """Share a job (its results) with the team, or take it back. Only its owner may; returns whether it
        changed (False for another person's job or a missing one, alike)."""
        with self._write() as conn:
            return conn.execute("UPDATE jobs SET shared = ? WHERE id = ? AND owner = ?",
                                (int(bool(shared)), job_id, self.acting_id())).rowcount == 1

    # --- inputs (so a job can be retried with its original images) ---------------------------------
    def save_input(self, data: bytes) -> str:
        sha, _ = self.blobs.put("inputs", data)
        return sha

    def load_input(self, sha: str) -> bytes:
        rel = self.blobs.find("inputs", sha)
        if rel is None:
            raise FileNotFoundError(f"input {sha[:12]}… is no longer in the object store")
        return self.blobs.read(rel)

    # --- tasks -------------------------------------------------------------------------------------
    def add_tasks(self, job_id: str, provider: str, task_ids: list[str], *, first_poll_at: float,
                  deadline_at: float | None) -> None:
        now = time.time()
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO tasks (task_id, job_id, provider, idx, status, next_poll_at, created_at, deadline_at, "
                "updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT (job_id, task_id) DO NOTHING",
                [(tid, job_id, provider, i, first_poll_at, now, deadline_at, now) for i, tid in enumerate(task_ids)])

    def list_tasks(self, job_id: str) -> list[TaskRow]:
        rows = self.query("SELECT tasks.*, jobs.key_fingerprint, jobs.base_url FROM tasks JOIN jobs "
                          "ON jobs.id = tasks.job_id WHERE tasks.job_id = ? ORDER BY tasks.idx", (job_id,))
        return TaskRow.from_rows(rows)

    def pending_tasks(self, *, due_before: float | None = None) -> list[TaskRow]:
        """Open tasks of followed jobs, oldest first; with `due_before`, only those due to be polled."""
        sql = ("SELECT tasks.*, jobs.key_fingerprint, jobs.base_url FROM tasks JOIN jobs ON jobs.id = tasks.job_id "
               f"WHERE tasks.status IN ({', '.join('?' for _ in TASK_OPEN_STATUSES)}) AND jobs.followed = 1 "
               "AND jobs.status IN ('pending', 'waiting_for_key')")
        args: list = list(TASK_OPEN_STATUSES)
        if due_before is not None:
            sql += " AND tasks.next_poll_at <= ?"
            args.append(due_before)
        rows = self.query(sql + " ORDER BY tasks.created_at, tasks.idx", args)
        return TaskRow.from_rows(rows)

    def update_task(self, job_id: str, task_id: str, **fields) -> bool:
        unknown = set(fields) - _TASK_COLUMNS
        if unknown:
            raise ValueError(f"unknown task columns: {sorted(unknown)}")
        fields.setdefault("updated_at", time.time())
        sql = f"UPDATE tasks SET {', '.join(f'{k} = ?' for k in fields)} WHERE job_id = ? AND task_id = ?"
        with self._write() as conn:
            return conn.execute(sql, [*fields.values(), job_id, task_id]).rowcount == 1

    def claim_task(self, job_id: str, task_id: str, lease_s: float, owner: str) -> bool:
        """Take the right to download a task's results for `lease_s` seconds. Only one owner at a time, across
        threads and processes; a lease left by a dead process expires and may be taken over."""
        now = time.time()
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE tasks SET lease_owner = ?, lease_until = ?, updated_at = ? WHERE job_id = ? AND task_id = ? "
                "AND status NOT IN ('completed', 'failed') "
                "AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)",
                (owner, now + lease_s, now, job_id, task_id, now, owner))
            return cur.rowcount == 1

    def release_task(self, job_id: str, task_id: str, owner: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE tasks SET lease_owner = NULL, lease_until = NULL WHERE job_id = ? AND task_id = ? "
                         "AND lease_owner = ?", (job_id, task_id, owner))

    def lease_tasks(self, keys, owner: str, lease_s: float, *, due_before: float,
                    limit: int | None = None) -> set[tuple[str, str]]:
        """Take the poll lease on those (job id, task id) `keys` that are still open, due by `due_before` (or past
        their deadline) and not leased by another owner; returns the keys taken. Several replicas' pollers see the
        same due tasks, and each task goes to exactly one of them for one poll: the due test is made here, on the
        row as it is now, so a task another replica has just polled (its next poll moved on) is not taken again.
        On PostgreSQL the candidate rows are locked FOR UPDATE SKIP LOCKED, so a replica skips the rows another is
        taking instead of waiting on them; on SQLite the write transaction already takes one writer at a time.
        With `limit`, at most that many are taken, the earliest due first (a replica's fair share of a key's due
        tasks, so the others find the rest: Poller._poll_leased)."""
        keys = list(dict.fromkeys(keys))
        now = time.time()
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.engine == "postgres" else ""
        taken: set[tuple[str, str]] = set()
        for start in range(0, len(keys), 400):
            room = None if limit is None else limit - len(taken)
            if room is not None and room <= 0:
                break
            chunk = keys[start:start + 400]
            values = ", ".join("(?, ?)" for _ in chunk)
            sql = ("UPDATE tasks SET lease_owner = ?, lease_until = ? WHERE (job_id, task_id) IN ("
                   f"SELECT job_id, task_id FROM tasks WHERE (job_id, task_id) IN (VALUES {values}) "
                   "AND status IN ('pending', 'running') AND (next_poll_at <= ? OR deadline_at <= ?) "
                   "AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)"
                   f"{'' if room is None else ' ORDER BY next_poll_at, created_at, idx LIMIT ?'}{skip_locked}) "
                   "RETURNING job_id, task_id")
            args = [owner, now + lease_s, *(v for k in chunk for v in k), due_before, now, now, owner,
                    *(() if room is None else (room,))]
            with self._write() as conn:
                taken.update((r[0], r[1]) for r in conn.execute(sql, args).fetchall())
        return taken

    def renew_leases(self, keys, owner: str, lease_s: float) -> int:
        """Extend the leases `owner` still holds on these tasks (a long run of downloads after one poll); a lease
        that expired and was taken by another replica stays theirs. Returns how many were extended."""
        keys = list(dict.fromkeys(keys))
        renewed = 0
        for start in range(0, len(keys), 400):
            chunk = keys[start:start + 400]
            with self._write() as conn:
                renewed += conn.execute(
                    "UPDATE tasks SET lease_until = ? WHERE lease_owner = ? AND "
                    f"(job_id, task_id) IN (VALUES {', '.join('(?, ?)' for _ in chunk)})",
                    [time.time() + lease_s, owner, *(v for k in chunk for v in k)]).rowcount
        return renewed

    def release_tasks(self, keys, owner: str) -> None:
        """Give back the leases `owner` still holds on these tasks (after a poll and what followed from it)."""
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), 400):
            chunk = keys[start:start + 400]
            with self._write() as conn:
                conn.execute("UPDATE tasks SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND "
                             f"(job_id, task_id) IN (VALUES {', '.join('(?, ?)' for _ in chunk)})",
                             [owner, *(v for k in chunk for v in k)])

    def open_jobs_with_closed_tasks(self, *, quiet_s: float) -> list[str]:
        """Followed async jobs still pending whose tasks have all ended (completed or failed), none changed in the
        last `quiet_s` seconds: a poller, in a replica killed meanwhile, stored a task's end but not its job's."""
        rows = self.query(
            "SELECT jobs.id FROM jobs WHERE jobs.status IN ('pending', 'waiting_for_key') AND jobs.followed = 1 "
            "AND EXISTS (SELECT 1 FROM tasks WHERE tasks.job_id = jobs.id) AND NOT EXISTS (SELECT 1 FROM tasks "
            "WHERE tasks.job_id = jobs.id AND (tasks.status NOT IN ('completed', 'failed') OR tasks.updated_at > ?))",
            (time.time() - quiet_s,))
        return [r[0] for r in rows]

    # A key's pollers, across replicas: each poller that can poll a key holds a PostgreSQL advisory lock of its
    # own (two int4 keys: the group's hash, a random member number) for as long as its session lives, so counting
    # the group's granted locks in pg_locks counts the replicas sharing that key's tasks, and a replica killed
    # with -9 drops out when the server sees its connection go. SQLite serves one process: always 1 there.
    def join_pollers(self, group: str) -> int:
        """Count this thread's session among the pollers of `group` (once; again if its connection was replaced)
        and return how many pollers the group has now, this one included."""
        if self.engine != "postgres":
            return 1
        group_id = self._group_id(group)
        mine, count = self.query(
            "SELECT count(*) FILTER (WHERE pid = pg_backend_pid()), count(*) FROM pg_locks WHERE locktype = "
            "'advisory' AND granted AND objsubid = 2 AND classid = CAST(? AS oid) AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())", (group_id,))[0]
        while not mine:
            # A member number another session holds is refused: draw again.
            mine = self.query("SELECT pg_try_advisory_lock(CAST(? AS int4), CAST(? AS int4))",
                              (group_id, uuid.uuid4().int % (2**31 - 1) + 1))[0][0]
            count += 1 if mine else 0
        return max(int(count), 1)

    @staticmethod
    def _group_id(name: str) -> int:
        """A poller group's name as the first int4 of a two-key advisory lock, non-negative so pg_locks' classid
        (an oid) reads the same number. A collision only makes two keys' pollers count each other."""
        return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big") >> 1

    def leave_pollers(self, group: str) -> None:
        """Stop counting this thread's session among the pollers of `group` (a poller that stops)."""
        if self.engine == "postgres":
            self.query("SELECT pg_advisory_unlock(CAST(? AS int4), CAST(CAST(objid AS bigint) AS int4)) "
                       "FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND granted "
                       "AND objsubid = 2 AND classid = CAST(? AS oid)", (self._group_id(group), self._group_id(group)))

    # --- cross-replica locks (PostgreSQL) ------------------------------------------------------------
    # Session advisory locks on this thread's connection: held until unlocked or until the connection ends, so a
    # replica killed with -9 gives its locks back when the server sees its connections drop.
    def try_advisory_lock(self, name: str) -> bool:
        """Take the lock `name` if no other session holds it. SQLite has no sessions: always True there."""
        if self.engine != "postgres":
            return True
        return bool(self.query("SELECT pg_try_advisory_lock(?)", (_lock_id(name),))[0][0])

    def advisory_unlock(self, name: str) -> None:
        if self.engine == "postgres":
            self.query("SELECT pg_advisory_unlock(?)", (_lock_id(name),))

    # --- attempts ----------------------------------------------------------------------------------
    def add_attempt(self, job_id: str, attempt: int, *, status_code: int | None = None, error_code: str | None = None,
                    latency_s: float | None = None, at: float | None = None) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO attempts (job_id, attempt, status_code, error_code, latency_s, at) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         (job_id, attempt, status_code, error_code, latency_s, time.time() if at is None else at))

    def list_attempts(self, job_id: str) -> list[AttemptRow]:
        rows = self.query("SELECT * FROM attempts WHERE job_id = ? ORDER BY id", (job_id,))
        return AttemptRow.from_rows(rows)

    # --- settings ----------------------------------------------------------------------------------
    def get_setting(self, key: str, default: object = None) -> object:
        rows = self.query("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set_setting(self, key: str, value: object) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, json.dumps(value)))

    # --- money history ------------------------------------------------------------------------------
    def cost_history(self, provider: str, *, limit: int = 500) -> list[tuple[str, str, float]]:
        """(quality, resolution, cost per image) of recent completed jobs: gccai's only price source."""
        rows = self.query(
            "SELECT quality, resolution, cost_actual * 1.0 / n FROM jobs WHERE provider = ? AND status = 'completed' "
            "AND cost_actual IS NOT NULL AND n > 0 ORDER BY created_at DESC LIMIT ?", (provider, limit))
        return [(r[0], r[1], r[2]) for r in rows]

    # --- a job from what a user typed (the CLI's `tasks show|wait ID`) -----------------------------
    def find_jobs(self, ref: str, *, limit: int = 20) -> list[JobRow]:
        """The jobs `ref` may mean, newest first: the job with that id, else the jobs holding the provider task
        `ref`, else the jobs whose id starts with it. The first kind that matches wins."""
        for where, args in (("id = ?", (ref,)),
                            ("id IN (SELECT job_id FROM tasks WHERE task_id = ?)", (ref,)),
                            ("id >= ? AND id < ?", (ref, ref + "\uffff"))):     # a prefix, through the primary key
            seen, seen_args = self.visible()
            rows = self.query(f"SELECT * FROM jobs WHERE {where}{seen} ORDER BY created_at DESC, rowid DESC LIMIT ?",
                              (*args, *seen_args, limit))
            if rows:
                return JobRow.from_rows(rows)
        return []


def _lock_id(name: str) -> int:
    """A lock name as PostgreSQL's 64-bit advisory lock key (a collision would only make two locks one)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
