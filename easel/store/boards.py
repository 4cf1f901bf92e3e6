"""Boards and stars in the store (migration 26): named boards of images ("client X, round 2") and a star on any
image.

A board holds references to images, never the images: deleting a board deletes its `board_images` rows only, so
the images stay in the gallery and on every other board. A star is the tag 'starred' in `image_tags`
(migration 21), the table the gallery's tag filter already reads. Migration 26 also creates the share links'
table (easel/store/share_links.py), so the feature's schema is one migration.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from easel.core import identity
from easel.core.errors import EaselError
from easel.core.i18n import N_
from easel.store.share_links import MIGRATION_STATEMENTS as SHARE_LINK_STATEMENTS

__all__ = ["BoardRow", "STARRED_TAG", "MIGRATION_STATEMENTS", "NAME_MAX", "create_board", "rename_board",
           "delete_board", "get_board", "list_boards", "add_to_board", "remove_from_board", "boards_of_image",
           "board_image_ids", "set_starred", "is_starred", "BoardError"]

STARRED_TAG = "starred"
NAME_MAX = 80

MIGRATION_STATEMENTS: tuple[str, ...] = (
    """CREATE TABLE boards (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
)""",
    "CREATE UNIQUE INDEX boards_name ON boards(name COLLATE NOCASE)",
    """CREATE TABLE board_images (
    board_id    TEXT NOT NULL REFERENCES boards(id),
    image_id    INTEGER NOT NULL REFERENCES images(id),
    added_at    REAL NOT NULL,
    PRIMARY KEY (board_id, image_id)
)""",
    # The gallery's board filter reads image ids by board (the primary key); a star or board list per image reads
    # boards by image.
    "CREATE INDEX board_images_image ON board_images(image_id, board_id)",
    *SHARE_LINK_STATEMENTS,
)


class BoardError(EaselError):
    """A board name that breaks a rule (empty, too long, already taken) or a board that is gone."""


@dataclass(frozen=True)
class BoardRow:
    id: str
    name: str
    created_at: float
    updated_at: float
    count: int = 0                      # images on it that are still in the gallery
    cover_image_id: int | None = None   # the newest of them
    bytes: int = 0                      # their stored size, which says whether its ZIP must come in parts


def _clean_name(store, name: str, *, board_id: str | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise BoardError(N_("A board needs a name."), code="board_name_empty")
    if len(name) > NAME_MAX:
        raise BoardError(N_("A board name is at most {max} characters; this one has {count}."),
                         dict(max=NAME_MAX, count=len(name)),
                         code="board_name_too_long")
    # Unique per person (migration 27): ana and ben may each have a board "Client X".
    clash = store.query("SELECT id FROM boards WHERE name = ? COLLATE NOCASE AND id IS NOT ? AND owner = ?",
                        (name, board_id, _owner_of(store, board_id)))
    if clash:
        raise BoardError(N_("A board named “{name}” already exists."), dict(name=name), code="board_name_taken")
    return name


def _owner_of(store, board_id: str | None) -> str:
    """A board's owner; for a new board, the person making it."""
    if board_id is not None:
        rows = store.query("SELECT owner FROM boards WHERE id = ?", (board_id,))
        if rows:
            return rows[0][0]
    return store.acting_id()


def _gone() -> BoardError:
    # Another person's board reads as a deleted one: the same words, never "it is someone else's".
    return BoardError(N_("That board was deleted."), code="board_gone")


def _mine(store, board_id: str) -> bool:
    """Whether the viewer may read and change this board (their own or the team's, owner '')."""
    mine, args = store.owned("boards")
    return bool(store.query(f"SELECT 1 FROM boards WHERE id = ?{mine}", (board_id, *args)))


def create_board(store, name: str, *, now: float | None = None) -> str:
    name = _clean_name(store, name)
    board_id = uuid.uuid4().hex[:12]
    at = time.time() if now is None else now
    with store._write() as conn:
        conn.execute("INSERT INTO boards (id, name, created_at, updated_at, owner) VALUES (?, ?, ?, ?, ?)",
                     (board_id, name, at, at, store.acting_id()))
    return board_id


def rename_board(store, board_id: str, name: str) -> str:
    if get_board(store, board_id) is None:
        raise _gone()
    name = _clean_name(store, name, board_id=board_id)
    with store._write() as conn:
        conn.execute("UPDATE boards SET name = ?, updated_at = ? WHERE id = ?", (name, time.time(), board_id))
    return name


def delete_board(store, board_id: str) -> bool:
    """Remove the board and its list of images; every image stays in the gallery and on its other boards. Share
    links made from the board keep their own list of images, so revoking them is a separate, explicit act."""
    if not _mine(store, board_id):
        return False
    with store._write() as conn:
        conn.execute("DELETE FROM board_images WHERE board_id = ?", (board_id,))
        return conn.execute("DELETE FROM boards WHERE id = ?", (board_id,)).rowcount == 1


# CROSS JOIN keeps SQLite walking the board's own rows and looking each image up by id; left to itself it walks
# every visible image and probes the board (98 ms for 20 boards at 10,000 images; benchmarks/bench_boards.py).
_BOARD_SELECT = """
SELECT boards.*,
       (SELECT COUNT(*) FROM board_images bi CROSS JOIN images i ON i.id = bi.image_id
         WHERE bi.board_id = boards.id AND i.deleted = 0) AS count,
       (SELECT COALESCE(SUM(i.bytes), 0) FROM board_images bi CROSS JOIN images i ON i.id = bi.image_id
         WHERE bi.board_id = boards.id AND i.deleted = 0) AS bytes,
       (SELECT i.id FROM board_images bi CROSS JOIN images i ON i.id = bi.image_id
         WHERE bi.board_id = boards.id AND i.deleted = 0 ORDER BY i.created_at DESC, i.id DESC LIMIT 1) AS cover
FROM boards"""


def _board_select(store) -> str:
    """_BOARD_SELECT, counting for a named viewer only the images they may read (a board may hold an image that
    was shared and later taken back)."""
    clause, _args = identity.visible_sql(store.viewer, "j")
    if not clause:
        return _BOARD_SELECT
    return _BOARD_SELECT.replace("WHERE bi.board_id = boards.id AND i.deleted = 0",
                                 "JOIN jobs j ON j.id = i.job_id WHERE bi.board_id = boards.id AND i.deleted = 0 "
                                 f"AND {clause}")


def _board_args(store, args: tuple) -> tuple:
    """The select's own arguments (the viewer's id once per counting subquery) before `args`."""
    _clause, seen = identity.visible_sql(store.viewer, "j")
    return (*seen * _BOARD_SELECT.count("WHERE bi.board_id = boards.id AND i.deleted = 0"), *args)


def _board(r) -> BoardRow:
    return BoardRow(r["id"], r["name"], r["created_at"], r["updated_at"], int(r["count"]), r["cover"],
                    int(r["bytes"]))


def get_board(store, board_id: str) -> BoardRow | None:
    """The board, or None when there is none or it is another person's (the same answer)."""
    mine, args = store.owned("boards")
    rows = store.query(f"{_board_select(store)} WHERE boards.id = ?{mine}", _board_args(store, (board_id, *args)))
    return _board(rows[0]) if rows else None


def list_boards(store) -> list[BoardRow]:
    """Every board the viewer may see (their own and the team's), most recently changed first, with its image
    count and cover (its newest image)."""
    mine, args = store.owned("boards")
    return [_board(r) for r in store.query(f"{_board_select(store)} WHERE true{mine} "
                                           "ORDER BY boards.updated_at DESC, boards.name", _board_args(store, args))]


def add_to_board(store, board_id: str, image_ids) -> int:
    """Put images on a board (those already on it stay as they are); returns how many were added. An image the
    viewer may not read is refused as a missing one would be (ImageGone)."""
    now = time.time()
    if not _mine(store, board_id):
        raise _gone()
    image_ids = [int(i) for i in image_ids]
    if store.scoped and any(store.get_image(i) is None for i in image_ids):
        raise BoardError(N_("That image is no longer in the gallery."), code="image_gone")
    with store._write() as conn:
        if conn.execute("SELECT 1 FROM boards WHERE id = ?", (board_id,)).fetchone() is None:
            raise _gone()
        added = 0
        for image_id in image_ids:
            added += conn.execute("INSERT INTO board_images (board_id, image_id, added_at) VALUES (?, ?, ?) "
                                  "ON CONFLICT (board_id, image_id) DO NOTHING",
                                  (board_id, int(image_id), now)).rowcount
        conn.execute("UPDATE boards SET updated_at = ? WHERE id = ?", (now, board_id))
    return added


def remove_from_board(store, board_id: str, image_id: int) -> bool:
    if not _mine(store, board_id):
        return False
    with store._write() as conn:
        return conn.execute("DELETE FROM board_images WHERE board_id = ? AND image_id = ?",
                            (board_id, int(image_id))).rowcount == 1


def boards_of_image(store, image_id: int) -> list[str]:
    """The ids of the boards holding this image (of those the viewer may see)."""
    mine, args = store.owned("boards")
    return [r[0] for r in store.query("SELECT board_id FROM board_images JOIN boards ON boards.id = board_id "
                                      f"WHERE image_id = ?{mine} ORDER BY added_at", (int(image_id), *args))]


def board_image_ids(store, board_id: str) -> list[int]:
    """The board's images still in the gallery (and readable by the viewer), newest first."""
    if not _mine(store, board_id):
        return []
    clause, seen = identity.visible_sql(store.viewer, "j")
    join, cond = (" JOIN jobs j ON j.id = i.job_id", f" AND {clause}") if clause else ("", "")
    return [r[0] for r in store.query(
        f"SELECT i.id FROM board_images bi CROSS JOIN images i ON i.id = bi.image_id{join} "
        f"WHERE bi.board_id = ? AND i.deleted = 0{cond} ORDER BY i.created_at DESC, i.id DESC", (board_id, *seen))]


def set_starred(store, image_id: int, starred: bool) -> bool:
    """Star or unstar an image; False (nothing changed) for an image the viewer may not read."""
    if store.scoped and store.get_image(int(image_id)) is None:
        return False
    with store._write() as conn:
        if starred:
            conn.execute("INSERT INTO image_tags (image_id, tag, created_at) VALUES (?, ?, ?) "
                         "ON CONFLICT (image_id, tag) DO NOTHING", (int(image_id), STARRED_TAG, time.time()))
        else:
            conn.execute("DELETE FROM image_tags WHERE image_id = ? AND tag = ?", (int(image_id), STARRED_TAG))
    return True


def is_starred(store, image_id: int) -> bool:
    return bool(store.query("SELECT 1 FROM image_tags WHERE image_id = ? AND tag = ?", (int(image_id), STARRED_TAG)))
