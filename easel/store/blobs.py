"""Content-addressed objects: <kind>/ab/<sha256>.<ext> in the object store (the data directory by default, or
S3: easel/store/objects.py). Identical bytes are written once."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from easel.core.mime import sniff_mime
from easel.store.objects import ObjectStore, open_objects

__all__ = ["Blobs", "EXTENSIONS"]

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class Blobs:
    def __init__(self, root: Path, objects: ObjectStore | None = None):
        self.root = Path(root)
        self.objects = objects if objects is not None else open_objects(self.root)

    @property
    def url(self) -> str:
        return self.objects.url

    def put(self, kind: str, data: bytes, mime: str | None = None) -> tuple[str, str]:
        """Write `data` once under `kind`; return (sha256, key)."""
        sha = hashlib.sha256(data).hexdigest()
        ext = EXTENSIONS.get(mime or sniff_mime(data) or "", "bin")
        rel = f"{kind}/{sha[:2]}/{sha}.{ext}"
        self.objects.put(rel, data)
        return sha, rel

    def read(self, rel: str) -> bytes:
        return self.objects.get(rel)

    def open(self, rel: str) -> BinaryIO:
        """The object as a stream read in pieces, so a ZIP of many images never holds one whole."""
        return self.objects.open(rel)

    def find(self, kind: str, sha: str) -> str | None:
        """The key of the object with this hash under `kind`, whatever its extension."""
        return self.objects.first(f"{kind}/{sha[:2]}/{sha}.")

    def location(self, rel: str) -> str:
        """Where the object is, for a person reading the CLI's output: a local path, or s3://bucket/prefix/key."""
        if isinstance(self.objects.url, str) and self.objects.url.startswith("s3://"):
            return f"{self.objects.url}/{rel}"
        return str(Path(getattr(self.objects, "root", self.root)).resolve() / rel)
