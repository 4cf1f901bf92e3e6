"""Where image bytes live: a local directory (the default) or an S3-compatible bucket.

`EASEL_OBJECT_STORE=s3://bucket/prefix` picks S3; unset (or a plain path / file:// URL) keeps the data directory.
Keys are the same in both (`kind/ab/<sha256>.<ext>`, `thumbs/<sha256>-<side>.<ext>`): content addressed, so an
object is written once and never changed, and two replicas writing the same bytes write the same object.

The S3 endpoint and credentials come from `.streamlit/secrets.toml` [s3] (endpoint_url, access_key_id,
secret_access_key, region), else the AWS convention: EASEL_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION. The secret key is held by the client only; `url` (what logs and
`easel store check` print) never carries it.

A missing object raises FileNotFoundError in both back ends, so callers handle "the file is gone" once.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from easel.core import config
from easel.core.errors import ConfigError

__all__ = ["ObjectStore", "LocalObjects", "S3Objects", "ObjectStoreError", "open_objects", "redact_url",
           "CHUNK"]

CHUNK = 64 * 1024
CACHED_PREFIXES = ("thumbs/",)
SMALL_CACHE_BYTES = 64 * 2**20
_DEFAULT_ENDPOINT = "https://s3.amazonaws.com"
_MISSING = frozenset({"NoSuchKey", "NoSuchBucket", "NoSuchObject", "NotFound", "ResourceNotFound"})


class ObjectStoreError(Exception):
    """The object store could not be reached or refused a request. `code` is the S3 error code (AccessDenied,
    NoSuchBucket, …) or a short tag such as "unreachable"; the message never holds a secret."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class ObjectStore(Protocol):
    url: str        # where it is, safe to print

    def put(self, key: str, data: bytes) -> None: ...          # written once: an existing key is left as it is
    def get(self, key: str) -> bytes: ...
    def open(self, key: str) -> BinaryIO: ...                  # a stream read in pieces; close it (or use `with`)
    def first(self, prefix: str) -> str | None: ...            # the first key starting with prefix, sorted
    def check(self) -> None: ...                               # raises ObjectStoreError if it cannot be used


_SECRET_PARAMS = frozenset({"password", "sslpassword", "secret", "secret_key"})


def redact_url(url: str) -> str:
    """`url` with any password in it replaced by ***, e.g. postgresql://user:***@host/db."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable URL)"
    netloc = parts.netloc
    secret_query = any(p.partition("=")[0].lower() in _SECRET_PARAMS for p in parts.query.split("&"))
    if "@" not in netloc and not secret_query:
        return url          # nothing to hide; geturl() would also drop the empty host of sqlite:////path
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        name = user.split(":", 1)[0]
        netloc = f"{name}:***@{host}" if ":" in user else f"{name}@{host}"
    query = "&".join(f"{k}=***" if k.lower() in _SECRET_PARAMS else f"{k}={v}"
                     for k, _, v in (p.partition("=") for p in parts.query.split("&") if p))
    return parts._replace(netloc=netloc, query=query).geturl()


class LocalObjects:
    """Files under a directory; `key` is the path relative to it. The layout Easel always had."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.url = self.root.resolve().as_uri()

    def put(self, key: str, data: bytes) -> None:
        target = self.root / key
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside and rename, so a reader never sees half a file and two writers of the same bytes cannot
        # interleave.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def open(self, key: str) -> BinaryIO:
        return open(self.root / key, "rb")

    def first(self, prefix: str) -> str | None:
        folder, _, stem = prefix.rpartition("/")
        where = self.root / folder
        if not where.is_dir():
            return None
        for candidate in sorted(where.glob(f"{stem}*")):
            if candidate.is_file() and not candidate.name.startswith(".tmp-"):
                return f"{folder}/{candidate.name}" if folder else candidate.name
        return None

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-check-")
            os.close(fd)
            os.unlink(tmp)
        except OSError as e:
            raise ObjectStoreError(f"{self.root} is not writable: {e.strerror}", "not_writable") from None


class _S3Stream:
    """An object's body read in pieces (never whole); closing hands the connection back to the pool."""

    def __init__(self, response):
        self._response = response

    def read(self, n: int = -1) -> bytes:
        return self._response.read() if n is None or n < 0 else self._response.read(n)

    def close(self) -> None:
        self._response.close()
        self._response.release_conn()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class S3Objects:
    """Objects in `bucket` under `prefix/`, through the minio client (any S3-compatible server)."""

    def __init__(self, bucket: str, prefix: str, *, endpoint_url: str, access_key: str | None,
                 secret_key: str | None, region: str | None = None, timeout_s: float = 15.0):
        import urllib3
        from minio import Minio

        ep = urlsplit(endpoint_url if "://" in endpoint_url else f"https://{endpoint_url}")
        if ep.scheme not in ("http", "https") or not ep.hostname:
            raise ConfigError(f"The S3 endpoint must be an http:// or https:// URL; got {redact_url(endpoint_url)!r}.",
                              code="bad_s3_endpoint")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        host = ep.netloc.rsplit("@", 1)[-1]         # host[:port], IPv6 brackets kept; never a user:password
        self.endpoint = f"{ep.scheme}://{host}"
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        # Few retries and a bounded wait: a page or `easel store check` says the store is down within seconds
        # instead of minio's default back-off of about a minute.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(timeout_s, 5.0), read=timeout_s), maxsize=16,
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]))
        self._client = Minio(host, access_key=access_key,
                             secret_key=secret_key, region=region or None, secure=ep.scheme == "https",
                             http_client=http)
        self._bucket_ready = False
        # Thumbnails are small, immutable (content addressed) and read on every page rerun: kept here, so a
        # rerun that shows 50 of them makes no request to the store. Bounded; the oldest read goes first.
        self._small: OrderedDict[str, bytes] = OrderedDict()
        self._small_bytes = 0
        self._small_lock = threading.Lock()

    def __repr__(self) -> str:      # never the keys
        return f"S3Objects({self.url!r}, endpoint={self.endpoint!r})"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _errors(self, what: str):
        return _S3Errors(self, what)

    def put(self, key: str, data: bytes) -> None:
        import io

        name = self._key(key)
        with self._errors(f"storing {key}"):
            if self._exists(name):
                return
            if not self._bucket_ready:
                self._make_bucket()
            self._client.put_object(self.bucket, name, io.BytesIO(data), len(data))
        if key.startswith(CACHED_PREFIXES):
            self._remember(key, data)

    def _make_bucket(self) -> None:
        """Made on the first write, so a new team install needs no separate step; a bucket that exists (the usual
        case, made by whoever runs the storage) is only looked at once per process."""
        from minio.error import S3Error

        if not self._client.bucket_exists(self.bucket):
            try:
                self._client.make_bucket(self.bucket)
            except S3Error as e:
                # Another replica made it between the look and the make: that is the bucket wanted.
                if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self._bucket_ready = True

    def _exists(self, name: str) -> bool:
        from minio.error import S3Error

        try:
            self._client.stat_object(self.bucket, name)
            return True
        except S3Error as e:
            if e.code in _MISSING:
                return False
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            with self._errors(f"reading {key}"):
                return _S3Stream(self._client.get_object(self.bucket, self._key(key)))  # type: ignore[return-value]
        except ObjectStoreError as e:
            if e.code in _MISSING:
                raise FileNotFoundError(f"{key} is not in {self.url}") from None
            raise

    def get(self, key: str) -> bytes:
        cacheable = key.startswith(CACHED_PREFIXES)
        if cacheable:
            with self._small_lock:
                hit = self._small.get(key)
                if hit is not None:
                    self._small.move_to_end(key)
                    return hit
        with self.open(key) as stream:
            data = stream.read()
        if cacheable:
            self._remember(key, data)
        return data

    def _remember(self, key: str, data: bytes) -> None:
        with self._small_lock:
            if key in self._small:
                return
            self._small[key] = data
            self._small_bytes += len(data)
            while self._small_bytes > SMALL_CACHE_BYTES and len(self._small) > 1:
                _, old = self._small.popitem(last=False)
                self._small_bytes -= len(old)

    def first(self, prefix: str) -> str | None:
        with self._errors(f"listing {prefix}"):
            names = sorted(o.object_name for o in self._client.list_objects(self.bucket, prefix=self._key(prefix)))
        if not names:
            return None
        return names[0][len(self.prefix) + 1:] if self.prefix else names[0]

    def check(self) -> None:
        with self._errors("checking the bucket"):
            if not self._client.bucket_exists(self.bucket):
                raise ObjectStoreError(f"bucket {self.bucket!r} does not exist at {self.endpoint} (Easel makes it "
                                       "on the first image it stores)", "NoSuchBucket")
            # Listing proves the credentials may read the prefix, not just see the bucket.
            next(iter(self._client.list_objects(self.bucket, prefix=self._key(""))), None)


class _S3Errors:
    """Turns minio's and urllib3's exceptions into ObjectStoreError with the S3 code, naming no secret."""

    def __init__(self, store: S3Objects, what: str):
        self.store, self.what = store, what

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb) -> bool:
        if err is None or isinstance(err, ObjectStoreError):
            return False
        from minio.error import S3Error
        import urllib3.exceptions

        if isinstance(err, S3Error):
            raise ObjectStoreError(f"{self.what} in {self.store.url}: {err.code} ({err.message})", err.code) from None
        if isinstance(err, (urllib3.exceptions.HTTPError, OSError)):
            # urllib3 wraps the cause ("[Errno 111] Connection refused") a few levels deep: name that, not the
            # wrapper.
            cause = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(err))
            why = cause.group(1).strip() if cause else type(err).__name__
            raise ObjectStoreError(f"{self.what}: {self.store.endpoint} could not be reached ({why})",
                                   "unreachable") from None
        return False


def _setting(s3: dict, key: str, env: str) -> str | None:
    value = s3.get(key)
    return str(value) if value else (os.environ.get(env) or None)


def open_objects(root: Path, spec: str | None = None) -> ObjectStore:
    """The object store named by `spec` (default: EASEL_OBJECT_STORE): s3://bucket/prefix, or a directory
    (a path or file:// URL); nothing means `root`, the data directory."""
    spec = (spec if spec is not None else os.environ.get("EASEL_OBJECT_STORE") or "").strip()
    if not spec:
        return LocalObjects(root)
    parts = urlsplit(spec)
    if parts.scheme == "file":
        return LocalObjects(Path(parts.path))
    if parts.scheme != "s3":
        if "://" in spec:
            raise ConfigError(f"EASEL_OBJECT_STORE must be s3://bucket/prefix or a directory; got "
                              f"{redact_url(spec)!r}.", code="bad_object_store")
        return LocalObjects(Path(spec).expanduser())
    if not parts.hostname:
        raise ConfigError("EASEL_OBJECT_STORE=s3://… needs a bucket name, as in s3://easel-images/team.",
                          code="bad_object_store")
    s3 = config.load_secrets().get("s3", {})
    return S3Objects(parts.hostname, parts.path, endpoint_url=_setting(s3, "endpoint_url", "EASEL_S3_ENDPOINT_URL")
                     or _DEFAULT_ENDPOINT, access_key=_setting(s3, "access_key_id", "AWS_ACCESS_KEY_ID"),
                     secret_key=_setting(s3, "secret_access_key", "AWS_SECRET_ACCESS_KEY"),
                     region=_setting(s3, "region", "AWS_REGION"))
