"""The SQLite store: schema versions, WAL, concurrent writers, content addressing and the task lease."""

from __future__ import annotations

import io
import sqlite3
import threading
import time

import pytest
from PIL import Image

from easel.core.models import ImageOut
from easel.store import Store
from easel.store.schema import MIGRATIONS
from easel.media import thumbnails

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")


def png(color=(200, 30, 30), size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def image_out(data: bytes, **kw) -> ImageOut:
    with Image.open(io.BytesIO(data)) as img:
        w, h = img.size
    return ImageOut(data=data, width=w, height=h, mime="image/png", **kw)


@pytest.fixture
def store(easel_data_dir):
    s = Store()
    yield s
    s.close()


def job(store: Store, **kw) -> str:
    fields = dict(provider="demo", prompt="a red fox", quality="low", size="1024x1024", n=1)
    fields.update(kw)
    return store.create_job(**fields)


@pytest.mark.sqlite_only
def test_default_file_lives_in_the_data_dir(store, easel_data_dir):
    assert store.path == easel_data_dir / "easel.db"
    assert store.path.is_file()


def test_migrations_are_recorded_once_and_reopening_changes_nothing(easel_data_dir):
    first = Store()
    job_id = job(first)
    first.close()
    for _ in range(2):
        again = Store()
        assert again.schema_version == MIGRATIONS[-1][0]
        assert again.get_job(job_id).prompt == "a red fox"
        versions = [r[0] for r in again.query("SELECT version FROM schema_migrations ORDER BY version")]
        again.close()
        assert versions == [m[0] for m in MIGRATIONS]


@pytest.mark.sqlite_only
def test_the_file_is_in_wal_mode_for_every_reader(store):
    assert store.journal_mode() == "wal"
    # WAL is a property of the file, so a plain connection (another process) sees it too.
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


@pytest.mark.sqlite_only
def test_dashboard_indexes_exist(store):
    conn = sqlite3.connect(store.path)
    indexes = {r[0]: r[1] for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    conn.close()
    sqls = " ".join(indexes.values())
    assert "jobs(created_at)" in sqls
    assert "jobs(provider, created_at)" in sqls
    assert "jobs(status)" in sqls


def test_eight_threads_writing_at_once_never_hit_database_is_locked(easel_data_dir):
    # Two Store objects on one file stand in for two processes; four threads each.
    stores = [Store(), Store()]
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(s: Store, n: int) -> None:
        try:
            start.wait()
            for i in range(40):
                job_id = job(s, prompt=f"thread {n} job {i}")
                s.add_attempt(job_id, 1, status_code=200, latency_s=0.1)
                s.update_job(job_id, status="completed", cost_actual=0.01)
                s.list_jobs(limit=5)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(stores[n % 2], n)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stores[0].count_jobs() == 320
    assert stores[1].count_jobs(status="completed") == 320
    for s in stores:
        s.close()


def test_a_result_is_stored_once_per_job_and_index(store):
    job_id = job(store)
    first = store.add_image(job_id, 0, image_out(png()))
    again = store.add_image(job_id, 0, image_out(png((0, 0, 255))))
    assert again.id == first.id
    assert store.count_images(job_id=job_id) == 1
    assert store.image_bytes(again) == png()


def test_identical_bytes_share_one_content_addressed_file(store, easel_data_dir):
    data = png()
    a = store.add_image(job(store), 0, image_out(data))
    b = store.add_image(job(store), 0, image_out(data))
    assert a.id != b.id and a.sha256 == b.sha256
    files = [p for p in (easel_data_dir / "images").rglob("*") if p.is_file()]
    assert len(files) == 1
    assert files[0] == easel_data_dir / "images" / a.sha256[:2] / f"{a.sha256}.png"
    assert (a.width, a.height, a.bytes) == (64, 48, len(data))


def test_gallery_filters_and_soft_delete(store):
    fox = job(store, provider="qcode", prompt="100% red fox_cub")
    owl = job(store, provider="gccai", prompt="an owl")
    img_fox = store.add_image(fox, 0, image_out(png((1, 2, 3)), revised_prompt="a fox at dusk"))
    store.add_image(owl, 0, image_out(png((4, 5, 6))))
    assert [i.id for i in store.list_images(provider="qcode")] == [img_fox.id]
    assert [i.id for i in store.list_images(text="100% red")] == [img_fox.id]
    assert store.list_images(text="0%_r") == []           # LIKE wildcards in the search are literal
    assert [i.id for i in store.list_images(text="dusk")] == [img_fox.id]
    assert store.count_images(since=time.time() + 60) == 0
    assert store.list_images(provider="qcode")[0].prompt == "100% red fox_cub"
    assert store.delete_image(img_fox.id) is True
    assert store.count_images() == 1
    assert store.list_images(provider="qcode") == []
    assert store.get_image(img_fox.id).deleted == 1


def test_source_url_is_kept_but_not_shown_in_repr(store):
    row = store.add_image(job(store), 0, image_out(png(), source_url="https://files.example/secret-token.png"))
    assert store.get_image(row.id).source_url == "https://files.example/secret-token.png"
    assert "secret-token" not in repr(row)


def test_thumbnails_are_small_and_cached_on_disk(store, easel_data_dir):
    row = store.add_image(job(store), 0, image_out(png(size=(800, 400))))
    thumb = thumbnails.thumbnail_bytes(store, row)
    with Image.open(io.BytesIO(thumb)) as img:
        assert max(img.size) == 384 and img.format in ("JPEG", "PNG")   # kinds st.image sends untouched
    cached = list((easel_data_dir / "thumbs").iterdir())
    assert len(cached) == 1
    assert thumbnails.thumbnail_bytes(store, row) == thumb


def test_an_old_webp_thumbnail_is_ignored_and_made_again(store, easel_data_dir):
    row = store.add_image(job(store), 0, image_out(png(size=(800, 400))))
    old = easel_data_dir / "thumbs" / f"{row.sha256}-384.webp"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(b"RIFF\0\0\0\0WEBPVP8 stale")
    assert thumbnails.thumbnail_bytes(store, row)[:3] == b"\xff\xd8\xff"          # a JPEG, made again
    assert thumbnails.thumbnail(store, row).mime == "image/jpeg"


def test_make_thumbnails_caches_every_image_of_a_job(store, easel_data_dir):
    jid = job(store)
    rows = [store.add_image(jid, i, image_out(png(color, size=(600, 300)))) for i, color in
            enumerate([(1, 2, 3), (200, 100, 50)])]
    assert thumbnails.make_thumbnails(store, jid) == 2
    made = sorted(p.name for p in (easel_data_dir / "thumbs").iterdir())
    # The grid's 384 px, the Gallery tile's 288 px and the request table's 64 px, all made at completion,
    # not on a page's first view.
    assert made == sorted(f"{r.sha256}-{side}.jpg" for r in rows for side in (384, 288, 64))
    assert Image.open(easel_data_dir / "thumbs" / f"{rows[0].sha256}-64.jpg").size == (64, 32)


def test_image_providers_lists_only_providers_with_live_images(store):
    row = store.add_image(job(store, provider="qcode"), 0, image_out(png()))
    job(store, provider="gccai")                                      # a job without images
    store.add_image(job(store, provider="demo"), 0, image_out(png((4, 5, 6))))
    assert store.image_providers() == ["demo", "qcode"]
    store.delete_image(row.id)
    assert store.image_providers() == ["demo"]


def test_get_jobs_fetches_several_in_one_call(store):
    ids = [job(store, prompt=f"p{i}") for i in range(3)]
    got = store.get_jobs([*ids, ids[0], "missing"])
    assert sorted(got) == sorted(ids) and got[ids[1]].prompt == "p1"


def test_inputs_round_trip_by_content_hash(store):
    data = png((9, 9, 9))
    sha = store.save_input(data)
    assert store.save_input(data) == sha
    assert store.load_input(sha) == data
    with pytest.raises(FileNotFoundError):
        store.load_input("0" * 64)


def test_job_rows_decode_their_json_and_guarded_updates(store):
    job_id = job(store, params={"prompt": "a red fox", "n": 2}, inputs={"images": [{"sha": "ab"}]})
    row = store.get_job(job_id)
    assert row.params["n"] == 2 and row.inputs["images"][0]["sha"] == "ab" and row.task_ids == []
    assert store.update_job(job_id, where_status=("running",), status="completed") is False
    assert store.update_job(job_id, where_status=("queued",), status="cancelled") is True
    assert store.get_job(job_id).status == "cancelled"
    store.update_job(job_id, task_ids_json=["t1", "t2"])
    assert store.get_job(job_id).task_ids == ["t1", "t2"]
    with pytest.raises(ValueError):
        store.update_job(job_id, api_key="x")


def test_list_jobs_filters_newest_first(store):
    a = job(store, session_id="s1", created_at=100.0)
    b = job(store, session_id="s1", provider="qcode", created_at=200.0)
    job(store, session_id="s2", created_at=300.0)
    assert [j.id for j in store.list_jobs(session_id="s1")] == [b, a]
    assert [j.id for j in store.list_jobs(provider="qcode")] == [b]
    assert store.count_jobs(session_id="s1", since=150.0) == 1
    assert [j.id for j in store.list_jobs(session_id="s1", limit=1, offset=1)] == [a]


def test_the_task_lease_lets_one_owner_download(store):
    job_id = job(store, provider="gccai", mode="async", status="pending")
    store.add_tasks(job_id, "gccai", ["task-1"], first_poll_at=0.0, deadline_at=time.time() + 60)
    assert store.claim_task(job_id, "task-1", 60, "poller-a") is True
    assert store.claim_task(job_id, "task-1", 60, "poller-b") is False
    assert store.claim_task(job_id, "task-1", 60, "poller-a") is True     # the holder may renew
    # A lease left by a process that died runs out, and another poller takes over.
    store.update_task(job_id, "task-1", lease_until=time.time() - 1)
    assert store.claim_task(job_id, "task-1", 60, "poller-b") is True
    store.update_task(job_id, "task-1", status="completed")
    assert store.claim_task(job_id, "task-1", 60, "poller-c") is False


def test_pending_tasks_skip_unfollowed_and_finished_jobs(store):
    live = job(store, provider="gccai", mode="async", status="pending", key_fingerprint="fp-test")
    hidden = job(store, provider="gccai", mode="async", status="pending")
    done = job(store, provider="gccai", mode="async", status="completed")
    for j in (live, hidden, done):
        store.add_tasks(j, "gccai", [f"task-{j}"], first_poll_at=0.0, deadline_at=None)
    store.update_job(hidden, followed=0)
    pending = store.pending_tasks()
    assert [(t.job_id, t.key_fingerprint) for t in pending] == [(live, "fp-test")]
    assert store.pending_tasks(due_before=-1.0) == []


def test_same_task_id_in_two_jobs_is_two_tasks(store):
    # A restarted simulator may hand out an id an older job already holds.
    a = job(store, provider="gccai", mode="async", status="pending")
    b = job(store, provider="gccai", mode="async", status="pending")
    store.add_tasks(a, "gccai", ["task-1"], first_poll_at=0.0, deadline_at=None)
    store.add_tasks(b, "gccai", ["task-1"], first_poll_at=0.0, deadline_at=None)
    assert len(store.pending_tasks()) == 2


def test_settings_persist(store):
    assert store.get_setting("budget", 5) == 5
    store.set_setting("budget", {"USD": 2.5})
    store.set_setting("budget", {"USD": 3.0})
    assert Store().get_setting("budget") == {"USD": 3.0}


def test_attempts_are_listed_in_order(store):
    job_id = job(store)
    store.add_attempt(job_id, 1, status_code=429, error_code="rate_limit_error", latency_s=0.2)
    store.add_attempt(job_id, 2, status_code=200, latency_s=1.5)
    assert [(a.attempt, a.status_code, a.error_code) for a in store.list_attempts(job_id)] == [
        (1, 429, "rate_limit_error"), (2, 200, None)]


def test_connections_follow_the_threads_alive_not_the_reruns(tmp_path):
    """Streamlit runs each rerun on a new thread: a store used by 200 short-lived threads in turn keeps one
    connection (handed from each ended thread to the next), where one per thread ran out of file handles."""
    import os
    import threading

    store = Store(tmp_path / "easel.db")
    fds = len(os.listdir("/proc/self/fd"))

    def rerun():
        assert store.query("SELECT COUNT(*) FROM jobs")[0][0] == 0

    for _ in range(200):
        t = threading.Thread(target=rerun)
        t.start()
        t.join()
    assert store.open_connections <= 2            # the opening thread's and the reruns' one
    assert len(os.listdir("/proc/self/fd")) - fds <= 4
    # Two threads at once still get a connection each (a connection is never shared by live threads).
    started, release = threading.Barrier(3), threading.Event()

    def held():
        with store.reading():
            started.wait()
            release.wait()

    workers = [threading.Thread(target=held) for _ in range(2)]
    for w in workers:
        w.start()
    started.wait()
    assert store.open_connections == 3
    release.set()
    for w in workers:
        w.join()
    store.close()


def test_a_prompt_longer_than_an_index_entry_is_logged_and_searchable(store):
    # PostgreSQL refuses B-tree entries over ~2.7 KB: the prompt rollup is unique through md5 there.
    long_prompt = "a lighthouse " + "在暴风雨中 " * 2000
    job_id = job(store, prompt=long_prompt, status="completed")
    job(store, prompt=long_prompt, status="completed")
    store.add_image(job_id, 0, image_out(png()))
    assert store.query("SELECT requests FROM usage_prompts WHERE prompt = ?", (long_prompt,))[0][0] == 2
    assert [r.job_id for r in store.list_images(text="lighthouse 在暴风雨中")] == [job_id]
    assert [r.job_id for r in store.list_images(text="LIGHTHOUSE")] == [job_id]     # case does not matter
