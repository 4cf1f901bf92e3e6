"""An export written to disk instead of memory, handed back as an open file with no name left on disk."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, BinaryIO, Callable

__all__ = ["written_to_temp_file"]


def written_to_temp_file(write: Callable[[IO], object], *, prefix: str, suffix: str, text: bool = False) -> BinaryIO:
    """Run `write(f)` on a new temporary file (UTF-8 text with `text=True`), then return the file opened for
    binary reading at its start. The name is unlinked once it is open (POSIX), so the bytes go when the handle
    is closed or collected, and a failed write leaves nothing behind."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix)
    try:
        with (os.fdopen(fd, "w", encoding="utf-8", newline="") if text else os.fdopen(fd, "wb")) as f:
            write(f)
        handle = open(name, "rb")
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    try:
        os.unlink(name)
    except OSError:     # Windows cannot unlink an open file: it stays in the temp dir, which the OS cleans
        pass
    return handle
