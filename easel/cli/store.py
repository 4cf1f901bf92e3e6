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
from easel.core.i18n import _
from easel.store.objects import ObjectStoreError, open_objects, redact_url

_ONE_LINE = 300


@main.group(help=_("The store behind the app: its database and its object store."))
def store():
    pass


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


@store.command(help=_("Whether the database and the object store can be reached, and the schema version. Exit 1 "
                       "if either can't."))
@click.option("--json", "as_json", is_flag=True, help='{"database": {ok, url, schema_version}, "objects": {ok, url}}')
def check(as_json):
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
            click.echo(_("Error: {message}").format(message=f"{what}: {error}"), err=True)
    raise SystemExit(0 if database["ok"] and objects["ok"] else 1)


@store.command(help=_("Copy the local store (jobs, usage log, everything the pages keep, and the images) into team "
                       "mode. Re-runnable: what is there already is skipped; rows and image hashes are verified."))
@click.option("--to", "to_url", required=True, metavar="postgresql://…",
              help=_("The team database to copy this machine's store into."))
@click.option("--object-store", "object_url", default=None, metavar="s3://bucket/prefix",
              help=_("Also copy the images here (default: EASEL_OBJECT_STORE; without either, images stay in the "
                     "data directory)."))
@click.option("--json", "as_json", is_flag=True,
              help='{"tables": {name: {source, target, copied}}, "objects": {url, copied, present, bad_hashes}, '
                   '"verified"}')
def migrate(to_url, object_url, as_json):
    from easel.store import Store
    from easel.store.db import DATABASE_URL_ENV
    from easel.store.object_transfer import copy_objects
    from easel.store.transfer import copy_rows

    # The source is this machine's own store, whatever team settings the shell carries.
    saved = {k: os.environ.pop(k, None) for k in (DATABASE_URL_ENV, "EASEL_OBJECT_STORE")}
    try:
        source = Store()
    finally:
        os.environ.update({k: v for k, v in saved.items() if v is not None})
    target = Store(source.path, database_url=to_url)
    rows = copy_rows(source, target)
    spec = object_url if object_url is not None else saved.get("EASEL_OBJECT_STORE")
    objects = open_objects(source.root, spec) if spec else source.blobs.objects
    moved = copy_objects(source.root, source, objects)
    verified = rows.verified and moved.verified
    out = {"tables": {t: {"source": rows.source[t], "target": rows.target[t], "copied": rows.copied.get(t, 0)}
                      for t in rows.source},
           "objects": {"url": redact_url(str(objects.url)), "copied": moved.copied, "present": moved.present,
                       "bad_hashes": moved.bad_hashes},
           "verified": verified}
    if as_json:
        click.echo(json.dumps(out))
    else:
        for table, n in out["tables"].items():
            click.echo(_("{table}: {copied} copied, {target} there of {source}").format(table=f"{table:<20}", **n))
        click.echo(_("objects → {url}: {copied} copied, {present} already there").format(**out["objects"]))
        click.echo(_("Verified: every row and every image's hash is in the team store.") if verified else
                   _("Not verified: rows missing {missing}; images missing or different {images}.").format(
                       missing=rows.missing() or "-", images=len(moved.bad_hashes) + rows.hash_mismatches))
    source.close()
    target.close()
    raise SystemExit(0 if verified else 1)
