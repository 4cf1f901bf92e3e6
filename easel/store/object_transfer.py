"""Copy a store's objects (images, inputs, thumbnails) into another object store, and check each image by its hash.

The keys are content hashes (`images/ab/<sha>.png`), so an object already in the destination is the same bytes and
is skipped: a re-run copies nothing twice. Objects are streamed one at a time, so memory stays flat however large
the gallery. Every image row of the store is then read back from the destination and hashed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ObjectReport", "copy_objects", "KINDS"]

KINDS = ("images", "inputs", "thumbs")      # the folders a local store keeps its objects in


@dataclass
class ObjectReport:
    copied: int = 0                 # objects written by this run
    present: int = 0                # objects the destination had already
    bad_hashes: list[str] = field(default_factory=list)     # image keys whose bytes there are missing or differ

    @property
    def verified(self) -> bool:
        return not self.bad_hashes


def _local_keys(root: Path):
    for kind in KINDS:
        base = root / kind
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.name.startswith(".tmp-"):
                    yield path.relative_to(root).as_posix(), path


def _exists(objects, key: str) -> bool:
    try:
        objects.open(key).close()
        return True
    except FileNotFoundError:
        return False


def copy_objects(source_root: Path, store, target_objects) -> ObjectReport:
    """Copy every object under `source_root` (a local store's data directory) into `target_objects`, then check
    that each image row of `store` has its exact bytes there."""
    report = ObjectReport()
    for key, path in _local_keys(Path(source_root)):
        if _exists(target_objects, key):
            report.present += 1
            continue
        target_objects.put(key, path.read_bytes())
        report.copied += 1
    for key, sha in store.query("SELECT path, sha256 FROM images ORDER BY id"):
        digest = hashlib.sha256()
        try:
            with target_objects.open(key) as stream:
                for chunk in iter(lambda: stream.read(1 << 16), b""):
                    digest.update(chunk)
        except FileNotFoundError:
            report.bad_hashes.append(key)
            continue
        if digest.hexdigest() != sha:
            report.bad_hashes.append(key)
    return report
