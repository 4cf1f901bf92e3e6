"""A real PostgreSQL server for the tests and benchmarks: Debian's binaries, `initdb` in a temporary folder,
`pg_ctl start` on a free port, run as an unprivileged user, stopped at the end.

As root the server cannot run (postgres refuses), so its binaries run as the `postgres` user through `runuser`,
and the temporary folder is handed to that user. The binaries are found by a glob over Debian's versioned
folders (the newest wins), or on PATH.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

__all__ = ["PgServer", "PgServerError", "find_bin_dir"]

TEMPLATE_DB = "easel_template"


class PgServerError(RuntimeError):
    """The server could not be started (binaries missing, no unprivileged user, initdb or pg_ctl failing)."""


def find_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """`start()` → a running server on 127.0.0.1:`port` with trust authentication for the user `postgres`;
    `new_database()` → the URL of a fresh database (a copy of the migrated template once `make_template` ran)."""

    def __init__(self) -> None:
        self.bin = find_bin_dir()
        self.port = _free_port()
        self.dir: Path | None = None
        self.run_as: str | None = None
        self.has_template = False

    # --- running the binaries as an unprivileged user --------------------------------------------
    def _cmd(self, name: str, *args: str) -> list[str]:
        exe = str(self.bin / name)
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--", exe, *args]
        return [exe, *args]

    def _run(self, name: str, *args: str, timeout: float = 120) -> None:
        proc = subprocess.run(self._cmd(name, *args), capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise PgServerError(f"{name} failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()[-800:]}")

    def start(self) -> "PgServer":
        if self.bin is None:
            raise PgServerError("no PostgreSQL binaries (apt-get install postgresql)")
        self.dir = Path(tempfile.mkdtemp(prefix="easel-pg-"))
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise PgServerError("running as root and there is no 'postgres' user to run the server as") from None
            if shutil.which("runuser") is None:
                raise PgServerError("running as root and `runuser` is missing")
            self.run_as = "postgres"
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        data = self.dir / "data"
        self._run("initdb", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "-D", str(data))
        # Durability is not what the tests measure: fsync off makes CREATE DATABASE and commits fast.
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(data), "-l", str(self.dir / "server.log"), "-w", "-t", "60", "-o", opts, "start")
        return self

    def stop(self) -> None:
        if self.dir is None:
            return
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop", timeout=60)
        except (PgServerError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    # --- databases ---------------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def make_template(self, migrate) -> None:
        """A database every later one copies, with `migrate(url)` already run on it (migrations once per session)."""
        self._admin(f"CREATE DATABASE {TEMPLATE_DB}")
        migrate(self.url(TEMPLATE_DB))
        self.has_template = True

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:16]
        template = f" TEMPLATE {TEMPLATE_DB}" if self.has_template else ""
        for attempt in range(50):
            try:
                self._admin(f"CREATE DATABASE {name}{template}")
                break
            except Exception as exc:   # the template is busy for a moment after its last user left
                if "being accessed by other users" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.1)
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
