"""`easel store check`: can this install reach its database and its object store, and at which schema version.

`--json` prints exactly {"database": {"ok", "url", "schema_version"}, "objects": {"ok", "url"}}; each URL has its
password replaced by *** and the S3 secret key is never printed. Exit 0 when both parts are ok, else 1, with
one line on stderr per failing part saying why (the S3 error code, the database's own message).
"""

from __future__ import annotations

import json
import os

import click

from easel.cli.main import main
from easel.core import config
from easel.store.objects import ObjectStoreError, open_objects, redact_url

_ONE_LINE = 300


@main.group()
def store():
    """The store behind the app: its database and its object store."""


def _reason(err: BaseException, *secrets: str | None) -> str:
    text = " ".join(str(getattr(err, "message", None) or err).split())[:_ONE_LINE] or type(err).__name__
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _database_url() -> str:
    return os.environ.get("EASEL_DATABASE_URL") or f"sqlite:///{config.data_dir() / 'easel.db'}"


def _password(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password
    except ValueError:
        return None


def check_database() -> tuple[dict, str | None]:
    from easel.store import Store

    url = _database_url()
    part = {"ok": False, "url": redact_url(url), "schema_version": None}
    try:
        db = Store()
    except Exception as e:  # noqa: BLE001 - any failure to open is the answer, said in one line
        return part, f"{type(e).__name__}: {_reason(e, _password(url))}"
    try:
        with db.reading() as conn:
            engine = type(conn).__module__.split(".")[0]
        if url.startswith(("postgresql:", "postgres:")) and engine == "sqlite3":
            return part, (f"EASEL_DATABASE_URL names PostgreSQL, but this install's store opened SQLite at {db.path}: "
                          "it does not read EASEL_DATABASE_URL")
        db.query("SELECT 1")
        part.update(ok=True, schema_version=getattr(db, "schema_version", None))
        return part, None
    except Exception as e:  # noqa: BLE001
        return part, f"{type(e).__name__}: {_reason(e, _password(url))}"
    finally:
        db.close()


def check_objects() -> tuple[dict, str | None]:
    spec = os.environ.get("EASEL_OBJECT_STORE") or ""
    part = {"ok": False, "url": redact_url(spec) if spec else config.data_dir().resolve().as_uri()}
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    try:
        objects = open_objects(config.data_dir())
        part["url"] = redact_url(objects.url)
        objects.check()
    except ObjectStoreError as e:
        return part, f"{e.code}: {_reason(e, secret)}"
    except Exception as e:  # noqa: BLE001 - a bad setting (ConfigError) or anything else, in one line
        return part, f"{getattr(e, 'code', type(e).__name__)}: {_reason(e, secret)}"
    part["ok"] = True
    return part, None


@store.command()
@click.option("--json", "as_json", is_flag=True, help='{"database": {ok, url, schema_version}, "objects": {ok, url}}')
def check(as_json):
    """Whether the database and the object store can be reached, and the schema version. Exit 1 if either can't."""
    database, db_error = check_database()
    objects, obj_error = check_objects()
    if as_json:
        click.echo(json.dumps({"database": database, "objects": objects}))
    else:
        version = f" · schema {database['schema_version']}" if database["schema_version"] is not None else ""
        click.echo(f"database  {'ok' if database['ok'] else 'FAILED'}  {database['url']}{version}")
        click.echo(f"objects   {'ok' if objects['ok'] else 'FAILED'}  {objects['url']}")
    for what, error in (("database", db_error), ("objects", obj_error)):
        if error:
            click.echo(f"Error: {what}: {error}", err=True)
    raise SystemExit(0 if database["ok"] and objects["ok"] else 1)
