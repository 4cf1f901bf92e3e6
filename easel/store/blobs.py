"""Content-addressed files: <root>/<kind>/ab/<sha256>.<ext>. Identical bytes are written once."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from easel.core.mime import sniff_mime

__all__ = ["Blobs", "EXTENSIONS"]

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class Blobs:
    def __init__(self, root: Path):
        self.root = Path(root)

    def put(self, kind: str, data: bytes, mime: str | None = None) -> tuple[str, str]:
        """Write `data` once under `kind`; return (sha256, path relative to root)."""
        sha = hashlib.sha256(data).hexdigest()
        ext = EXTENSIONS.get(mime or sniff_mime(data) or "", "bin")
        rel = f"{kind}/{sha[:2]}/{sha}.{ext}"
        target = self.root / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write beside and rename, so a reader never sees half a file and two writers of the same
            # bytes cannot interleave.
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return sha, rel

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()

    def find(self, kind: str, sha: str) -> Path | None:
        folder = self.root / kind / sha[:2]
        for candidate in sorted(folder.glob(f"{sha}.*")) if folder.is_dir() else ():
            return candidate
        return None

    def path(self, rel: str) -> Path:
        return self.root / rel
