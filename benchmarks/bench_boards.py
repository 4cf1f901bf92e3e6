"""The gallery's board and starred filters at 10,000 images: one page (48) and its count, filtered by a board, by
stars, and unfiltered, plus the Boards page's board list; medians of --runs, and ratios against the unfiltered
page (the figures to compare on this shared machine).

    python benchmarks/bench_boards.py                 # --images 10000 --boards 20 --per-board 60 --runs 25

Image rows are inserted through SQL (a page never reads an image file, so none are written); every row is a real
`images` row on a real job, so the gallery's triggers and indexes see them. Boards take images spread over the
whole gallery (every k-th), the worst case for a board filter walking the newest-first index.
"""

from __future__ import annotations

import argparse
import time

from _common import finish, isolated_data_dir, timed

# A filtered page + its count at 10,000 images: at most a quarter of the Gallery page's own rerun (37 ms at 10,000
# images, BENCHMARKS.md), so a filter never makes the page feel slower.
TARGET_MS = 10.0


def seed(store, images: int, n_boards: int, per_board: int, starred: int) -> list[str]:
    from easel.store import boards

    now = time.time() - images
    with store._write() as conn:
        conn.executemany(
            "INSERT INTO jobs (id, created_at, updated_at, provider, prompt, status, endpoint) "
            "VALUES (?, ?, ?, 'demo', ?, 'completed', 'generations')",
            [(f"job{i:06d}", now + i, now + i, f"prompt {i}") for i in range(images)])
        conn.executemany(
            "INSERT INTO images (job_id, idx, sha256, path, width, height, mime, bytes, created_at) "
            "VALUES (?, 0, ?, ?, 1024, 1024, 'image/png', 1000, ?)",
            [(f"job{i:06d}", f"{i:064x}", f"images/{i}.png", now + i) for i in range(images)])
    ids = [r[0] for r in store.query("SELECT id FROM images ORDER BY id")]
    board_ids = []
    step = max(1, len(ids) // (n_boards * per_board))
    for b in range(n_boards):
        board_id = boards.create_board(store, f"board {b}")
        boards.add_to_board(store, board_id, ids[b::step * n_boards][:per_board])
        board_ids.append(board_id)
    for image_id in ids[::max(1, len(ids) // starred)][:starred]:
        boards.set_starred(store, image_id, True)
    return board_ids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--boards", type=int, default=20)
    ap.add_argument("--per-board", type=int, default=60)
    ap.add_argument("--starred", type=int, default=300)
    ap.add_argument("--runs", type=int, default=25)
    args = ap.parse_args()
    with isolated_data_dir() as data:
        from easel.store import Store, boards

        store = Store(data / "easel.db")
        board_ids = seed(store, args.images, args.boards, args.per_board, args.starred)
        target = board_ids[len(board_ids) // 2]

        def page(**f):
            return lambda: (store.list_images(limit=49, **f), store.count_images(**f))

        base = timed(page(), args.runs)
        rows = {
            "unfiltered": base,
            "one board": timed(page(board_id=target), args.runs),
            "starred": timed(page(starred=True), args.runs),
            "board + starred": timed(page(board_id=target, starred=True), args.runs),
            "list_boards()": timed(lambda: boards.list_boards(store), args.runs),
        }
        print(f"{args.images:,} images, {args.boards} boards of {args.per_board}, {args.starred} starred; "
              f"median of {args.runs}")
        for name, ms in rows.items():
            print(f"  {name:<16} {ms:7.2f} ms   ×{ms / base:.2f} of unfiltered")
        worst = max(v for k, v in rows.items() if k != "unfiltered")
        store.close()
    finish(f"a filtered gallery page + count, and the board list, each within {TARGET_MS:g} ms", worst <= TARGET_MS,
           f"worst {worst:.2f} ms")


if __name__ == "__main__":
    main()
