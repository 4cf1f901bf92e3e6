"""A PostgreSQL connection (psycopg 3) that the store uses exactly as it uses an sqlite3 connection.

`execute`, `executemany`, `in_transaction`, `close`, rows indexable by position and by column name with
`keys()`, and the store's SQLite-flavoured SQL translated on the way (easel/store/dialect.py). The connection is
in autocommit mode and the store opens its transactions itself with BEGIN, as it does on SQLite.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from easel.core.errors import ConfigError
from easel.core.i18n import _
from easel.store.dialect import pg_params, to_postgres
from easel.store.objects import redact_url   # one redaction for database and bucket URLs

__all__ = ["PgConnection", "connect", "is_postgres_url", "redact_url"]

_ROW_CLASSES: dict[tuple[str, ...], type] = {}


def is_postgres_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


def _row_class(names: tuple[str, ...]) -> type:
    """A tuple with sqlite3.Row's by-name access and keys(): one class per query shape."""
    cls = _ROW_CLASSES.get(names)
    if cls is None:
        index: dict[str, int] = {}
        for i, n in enumerate(names):
            index.setdefault(n, i)          # a name twice (a join): the first, as sqlite3.Row does
        get = tuple.__getitem__

        def __getitem__(self, key, _get=get, _index=index):
            return _get(self, _index[key]) if isinstance(key, str) else _get(self, key)

        cls = _ROW_CLASSES[names] = type("Row", (tuple,), {"__slots__": (), "__getitem__": __getitem__,
                                                           "keys": lambda self, _n=list(names): list(_n)})
    return cls


def _row_factory(cursor):
    desc = cursor.description
    if desc is None:
        return tuple
    cls = _row_class(tuple(d.name for d in desc))
    return cls


def _numbers_as_sqlite_does(conn) -> None:
    """SUM over a bigint is `numeric` in PostgreSQL, which psycopg reads as Decimal; SQLite gives an int (or a float
    for a fractional value), and callers add these to ints and floats."""
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        def load(self, data):
            d = Decimal(bytes(data).decode())
            return int(d) if d == d.to_integral_value() else float(d)

    conn.adapters.register_loader("numeric", NumericLoader)


class PgConnection:
    def __init__(self, conn):
        self._conn = conn

    def execute(self, sql: str, args=()):
        sql = to_postgres(sql)
        if args:
            return self._conn.execute(pg_params(sql), list(args))
        return self._conn.execute(sql)

    def executemany(self, sql: str, seq):
        cur = self._conn.cursor()
        cur.executemany(pg_params(to_postgres(sql)), [list(a) for a in seq])
        return cur

    def copy_rows(self, table: str, columns, rows) -> int:
        """Load many rows with COPY (a bulk load: ten times an executemany's speed). Returns how many."""
        n = 0
        with self._conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self._conn.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self._conn.close()


def connect(url: str) -> PgConnection:
    import psycopg

    try:
        conn = psycopg.connect(url, autocommit=True, row_factory=_row_factory)
    except psycopg.OperationalError as e:
        # One line naming the server, never the URL's password (psycopg's own message can quote the DSN).
        reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        password = urlsplit(url).password
        if password:
            reason = reason.replace(password, "***")
        raise ConfigError(_("The database {url} cannot be reached: {reason}").format(
            url=redact_url(url), reason=reason), code="database_unreachable") from None
    _numbers_as_sqlite_does(conn)
    return PgConnection(conn)
