"""Boards and stars over a real SQLite file (migration 26): deleting a board never deletes images, nor takes them
off other boards; the gallery filters by board and by star; a board downloads as one ZIP whose manifest names the
board and each image's file, job, prompt, settings, provider, size and time."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from PIL import Image

from easel.core.models import ImageOut
from easel.store import Store, boards, zip_export
from easel.store.boards import BoardError

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")


def _png(shade: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 40, 200)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def store(easel_data_dir):
    s = Store()
    yield s
    s.close()


def _images(store: Store, count: int, provider: str = "demo") -> list[int]:
    """`count` one-image jobs, oldest first; returns their image ids."""
    ids = []
    for i in range(count):
        job = store.create_job(provider=provider, prompt=f"tile {i}", status="completed", size="64x48",
                               model="gpt-image-2", quality="low",
                               params={"prompt": f"tile {i}", "size": "64x48", "quality": "low"},
                               created_at=1000.0 + i)
        ids.append(store.add_image(job, 0, ImageOut(data=_png(i * 20), width=64, height=48, mime="image/png")).id)
    return ids


def test_deleting_a_board_keeps_its_images_in_the_gallery_and_on_other_boards(store):
    a, b, c = _images(store, 3)
    round1 = boards.create_board(store, "client X, round 1")
    round2 = boards.create_board(store, "client X, round 2")
    assert boards.add_to_board(store, round1, [a, b]) == 2
    assert boards.add_to_board(store, round2, [b, c]) == 2
    assert boards.add_to_board(store, round2, [c]) == 0                   # already on it

    assert boards.delete_board(store, round2) is True
    assert boards.get_board(store, round2) is None
    assert [r.id for r in store.list_images()] == [c, b, a]               # every image still in the gallery
    assert store.count_images() == 3
    assert boards.board_image_ids(store, round1) == [b, a]                # b is still on the other board
    assert boards.boards_of_image(store, b) == [round1]
    assert boards.boards_of_image(store, c) == []
    assert [x.name for x in boards.list_boards(store)] == ["client X, round 1"]


def test_the_gallery_filters_by_board_and_by_star_and_counts_the_same(store):
    a, b, c, d = _images(store, 4)
    board = boards.create_board(store, "moodboard")
    boards.add_to_board(store, board, [a, c])
    boards.set_starred(store, c, True)
    boards.set_starred(store, d, True)
    boards.set_starred(store, d, False)
    boards.set_starred(store, b, True)

    assert [r.id for r in store.list_images(board_id=board)] == [c, a]
    assert store.count_images(board_id=board) == 2
    assert [r.id for r in store.list_images(starred=True)] == [c, b]
    assert store.count_images(starred=True) == 2
    assert [r.id for r in store.list_images(board_id=board, starred=True)] == [c]
    assert store.count_images(board_id=board, starred=True) == 1
    assert boards.is_starred(store, c) and not boards.is_starred(store, d)
    # A deleted image leaves the board's count and cover, but not the board.
    store.delete_image(c)
    [row] = boards.list_boards(store)
    assert (row.count, row.cover_image_id) == (1, a)
    assert store.count_images(board_id=board) == 1


def test_board_names_are_checked_and_renaming_keeps_the_images(store):
    [a] = _images(store, 1)
    board = boards.create_board(store, "  client   X  ")
    boards.add_to_board(store, board, [a])
    assert boards.get_board(store, board).name == "client X"
    with pytest.raises(BoardError) as taken:
        boards.create_board(store, "CLIENT x")
    assert taken.value.code == "board_name_taken"
    with pytest.raises(BoardError) as empty:
        boards.create_board(store, "   ")
    assert empty.value.code == "board_name_empty"
    with pytest.raises(BoardError) as long:
        boards.create_board(store, "x" * 81)
    assert long.value.code == "board_name_too_long" and "81" in long.value.message
    assert boards.rename_board(store, board, "client X, round 2") == "client X, round 2"
    assert boards.rename_board(store, board, "Client x, round 2") == "Client x, round 2"   # its own name, recased
    assert boards.board_image_ids(store, board) == [a]


def test_a_board_zip_has_its_images_and_a_manifest_naming_the_board(store):
    a, b, c = _images(store, 3)
    board = boards.create_board(store, "client X, round 2")
    boards.add_to_board(store, board, [a, c])
    out = io.BytesIO()
    summary = zip_export.write_zip(store, out, header={"board": "client X, round 2"}, board_id=board)
    assert (summary.images, summary.missing) == (2, 0)
    with zipfile.ZipFile(out) as zf:
        rows = {r.id: r for r in store.list_images()}
        names = [f"easel-{rows[i].job_id[:8]}-1.png" for i in (c, a)]
        assert zf.namelist() == [*names, "manifest.json"]
        # The stored bytes, with Easel's and A1111's text chunks added at export (pixels untouched).
        shipped = zf.read(names[0])
        assert Image.open(io.BytesIO(shipped)).tobytes() == Image.open(io.BytesIO(store.image_bytes(rows[c]))).tobytes()
        assert Image.open(io.BytesIO(shipped)).text["parameters"].startswith("tile ")
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["board"] == "client X, round 2"
    first = manifest["images"][0]
    assert first["file"] == names[0] and first["job_id"] == rows[c].job_id
    assert (first["prompt"], first["provider"], first["model"], first["size"], first["quality"]) == \
        ("tile 2", "demo", "gpt-image-2", "64x48", "low")
    assert json.loads(first["parameters"]) == {"prompt": "tile 2", "size": "64x48", "quality": "low"}
    assert first["created"].endswith("+00:00")
    assert [m["job_id"] for m in manifest["images"]] == [rows[c].job_id, rows[a].job_id]
    assert "source_url" not in json.dumps(manifest)
