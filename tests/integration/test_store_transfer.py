"""A local SQLite store copied into PostgreSQL (easel/store/transfer.py): every table's rows, the rollups rebuilt
there, counts and image hashes verified, and a re-run that adds nothing. Real PostgreSQL, real SQLite file."""

from __future__ import annotations

import io

from PIL import Image

from easel.core.models import ImageOut
from easel.store import Store, boards, prompt_library, share_links
from easel.store.transfer import COPIED_TABLES, copy_rows
from easel.usage import seed as usage_seed


def _png(seed: int) -> ImageOut:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (seed, 40, 90)).save(buf, "PNG")
    return ImageOut(data=buf.getvalue(), width=8, height=8, mime="image/png")


def _rollups(store) -> list:
    return sorted(tuple(r) for r in store.query(
        "SELECT day, provider, status, SUM(requests), SUM(images), ROUND(CAST(SUM(cost) AS NUMERIC), 6) FROM usage_daily "
        "GROUP BY day, provider, status"))


def test_a_local_store_moves_to_postgresql_verified_and_a_rerun_adds_nothing(tmp_path, pg_url):
    local = Store(tmp_path / "easel.db")
    usage_seed.bulk_insert(local, usage_seed.generate_rows(300, days=5, seed=4))
    jobs = [local.create_job(provider="demo", prompt=f"a lighthouse {i}", status="completed", n=1) for i in range(4)]
    images = [local.add_image(j, 0, _png(i)) for i, j in enumerate(jobs)]
    local.delete_image(images[3].id)
    local.add_tasks(jobs[0], "demo", ["t1"], first_poll_at=0, deadline_at=None)
    local.add_attempt(jobs[0], 1, status_code=200)
    local.set_setting("theme", {"dark": True})
    board = boards.create_board(local, "Client X")
    boards.add_to_board(local, board, [images[0].id, images[1].id])
    boards.set_starred(local, images[2].id, True)
    prompt_library.save_prompt(local, title="Fox", prompt="a fox", tags=["animals"])
    share_links.create_link(local, [images[0].id], 3600)

    team = Store(tmp_path / "easel.db", database_url=pg_url)
    report = copy_rows(local, team)
    assert report.verified and report.hash_mismatches == 0
    assert report.copied == report.source and report.source["jobs"] == 304 and report.source["images"] == 4
    # The trigger-kept tables were rebuilt from the copied rows: the same usage, gallery and search.
    assert _rollups(team) == _rollups(local)
    assert team.count_images() == local.count_images() == 3
    assert [r.id for r in team.list_images(text="lighthouse")] == [r.id for r in local.list_images(text="lighthouse")]
    assert [b.count for b in boards.list_boards(team)] == [2]
    assert team.list_images(starred=True)[0].id == images[2].id
    assert team.get_setting("theme") == {"dark": True}
    # New rows after the move get ids past the copied ones.
    assert prompt_library.save_prompt(team, title="Owl", prompt="an owl").id > prompt_library.get_by_title(team, "Fox").id
    new_job = team.create_job(provider="demo", prompt="after the move", status="completed")
    assert team.add_image(new_job, 0, _png(9)).id > max(i.id for i in images)

    again = copy_rows(local, team)
    assert again.verified and set(again.copied.values()) == {0}          # nothing twice
    assert again.target["jobs"] == 305 and again.target["images"] == 5
    assert {t for t, _ in COPIED_TABLES} == set(report.source)
    local.close(), team.close()
