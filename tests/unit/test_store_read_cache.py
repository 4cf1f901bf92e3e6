"""Store.cached_query: a page's rerun reads unchanged rows from memory, and any commit (the same connection's,
another thread's, another process's) makes the next call read the database again."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading

import pytest

from easel.store import Store

SQL = "SELECT id, prompt FROM jobs ORDER BY id"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "easel.db")
    yield s
    s.close()


def _statements(store) -> list[str]:
    """Every statement this thread's connection runs from now on."""
    seen: list[str] = []
    conn, _guard = store._pair()
    conn.set_trace_callback(seen.append)
    return seen


def _selects(seen: list[str]) -> int:
    return sum(1 for s in seen if s.startswith("SELECT id, prompt"))


def test_an_unchanged_database_is_answered_from_memory(store):
    store.create_job(provider="demo", prompt="a", job_id="j1")
    seen = _statements(store)
    first = [tuple(r) for r in store.cached_query(SQL)]
    again = [tuple(r) for r in store.cached_query(SQL)]
    assert first == again == [("j1", "a")]
    assert _selects(seen) == 1                       # the second call ran only the PRAGMA
    assert sum(1 for s in seen if s == "PRAGMA data_version") == 2


def test_a_write_on_the_same_connection_is_seen(store):
    store.create_job(provider="demo", prompt="a", job_id="j1")
    store.cached_query(SQL)
    store.update_job("j1", prompt="b")
    assert [tuple(r) for r in store.cached_query(SQL)] == [("j1", "b")]
    # A write through a plain statement, not through _write(), is counted too (total_changes).
    store.query("UPDATE jobs SET prompt = 'c' WHERE id = 'j1'")
    assert [tuple(r) for r in store.cached_query(SQL)] == [("j1", "c")]


def test_a_commit_from_another_thread_is_seen(store):
    store.create_job(provider="demo", prompt="a", job_id="j1")
    assert [tuple(r) for r in store.cached_query(SQL)] == [("j1", "a")]
    worker = threading.Thread(target=lambda: store.create_job(provider="demo", prompt="b", job_id="j2"))
    worker.start()
    worker.join()
    assert [tuple(r) for r in store.cached_query(SQL)] == [("j1", "a"), ("j2", "b")]


def test_a_commit_from_another_process_is_seen(store):
    store.create_job(provider="demo", prompt="a", job_id="j1")
    assert [tuple(r) for r in store.cached_query(SQL)] == [("j1", "a")]
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute(\"UPDATE jobs SET prompt = 'from elsewhere' WHERE id = 'j1'\"); c.commit()")
    subprocess.run([sys.executable, "-c", code, str(store.path)], check=True, timeout=60)
    assert [tuple(r) for r in store.cached_query(SQL)] == [("j1", "from elsewhere")]


def test_each_statement_and_its_arguments_are_kept_apart(store):
    store.create_job(provider="demo", prompt="a", job_id="j1")
    store.create_job(provider="demo", prompt="b", job_id="j2")
    one = "SELECT prompt FROM jobs WHERE id = ?"
    assert store.cached_query(one, ["j1"])[0][0] == "a"
    assert store.cached_query(one, ["j2"])[0][0] == "b"
    assert store.cached_query(one, ["j1"])[0][0] == "a"


def test_the_gallery_reads_go_through_it_and_see_a_new_image(store, tmp_path):
    """The gallery's page, count, providers and days: a second read of an unchanged gallery runs none of their
    SELECTs, and an image added by another connection shows at once."""
    store.create_job(provider="demo", prompt="fox", job_id="j1", status="completed")
    store.create_job(provider="qcode", prompt="owl", job_id="j2", status="completed")

    def add_image(conn, job_id: str, sha: str, at: float) -> None:
        conn.execute("INSERT INTO images (job_id, idx, sha256, path, width, height, mime, bytes, created_at) "
                     "VALUES (?, 0, ?, 'x.png', 8, 8, 'image/png', 10, ?)", (job_id, sha, at))

    with store._write() as conn:
        add_image(conn, "j1", "a" * 64, 1000.0)

    def read():
        return ([r.id for r in store.list_images_versioned(limit=49)[0]], store.count_images(),
                store.image_providers(), store.image_days())

    first = read()
    seen = _statements(store)
    assert read() == first
    assert not [s for s in seen if s.startswith("SELECT")], seen
    other = sqlite3.connect(store.path)
    add_image(other, "j2", "b" * 64, 2000.0)
    other.commit()
    other.close()
    ids, count, providers, _days = read()
    assert (len(ids), count, providers) == (2, 2, ["demo", "qcode"])
