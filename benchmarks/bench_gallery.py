"""Gallery page at 500 and 10,000 stored images, on realistic data: script time against an empty gallery, and
the image bytes sent to the browser per page of 48 thumbnails.

    python benchmarks/bench_gallery.py                         # --images 500 10000 --runs 7
    python benchmarks/bench_gallery.py --images 500 --runs 5

Realistic data (issue 15): photo-like pictures (fractal colour noise, shapes, blur and sensor grain: a 384 px
JPEG of one is ~24 KB, like a detailed photograph's), in a mix of sizes (1024², 1536×1024, 1024×1536,
2048²); jobs from the realistic usage seed (every prompt unique, some Chinese and Korean; the providers,
statuses, edits and n of a real team's log); each completed job's n results in the gallery.

Seeding 10,000 distinct multi-megapixel PNGs would write ~20 GB, and a page never reads a full image, so the
store holds `--bases` distinct pictures (64: more than a page, so no thumbnail repeats within one) and each
image row points at one of them under its own content id, with its thumbnails (made once per picture by
`make_thumbnails`, as at job completion) hard-linked under that id. Every row is a real `images` row inserted
through SQL, so the gallery's triggers, counts and search index see 10,000 images.

Pages run under streamlit.testing.v1.AppTest two ways: pages/gallery.py alone (the issue's figure: the page's
own cost) and app.py switched to the Gallery (a user's whole script run). An AppTest per store (the empty
gallery and each seeded one, all kept on disk) reruns in turn, run by run, so the machine's load hits them
alike; times are medians of `--runs` reruns, and of `--rounds` rounds; the first run is printed apart (it pays
AppTest's set-up). Ratios are printed because this 2-core machine is shared and its absolute times move with
the load. A run's time is its script thread's (`ScriptClock`): AppTest's own wall time moves in ~1.1 ms steps
(it polls for the script's end every millisecond) and is printed beside it.

Bytes: every file Streamlit serves to the browser goes through `MediaFileManager.add`; the benchmark wraps it
for a run and sums the distinct files of MEDIA kind (download buttons with a callable add nothing until
clicked). Every image element AppTest sees must point at a recorded URL (or a data: URL, counted too).
The Gallery's grid is one Components v2 element (components/gallery_grid.py) whose data carries, as bytes,
the thumbnails this session has not been sent yet: a page's bytes are those of its first view, and a rerun of
the same page sends the tiles' captions alone (its element's size is printed).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import os
import time
from pathlib import Path

from _common import ROOT, finish, isolated_data_dir, median
from easel.media import thumbnails

TIME_TARGET = 1.2
BYTES_TARGET = 1.5 * 1024 * 1024
PAGE = ROOT / "pages" / "gallery.py"
SIZES = ((1024, 1024), (1536, 1024), (1024, 1536), (2048, 2048))


# --- seeding -----------------------------------------------------------------------------------------------
def photo_like(width: int, height: int, seed: int) -> bytes:
    """A PNG with the detail of a photograph: colour noise at four scales, shapes, a slight blur, grain."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(seed)
    acc = np.zeros((height, width, 3), dtype=np.float32)
    for k, amp in ((3, 70), (12, 40), (48, 22), (192, 12)):
        for c in range(3):
            field = Image.fromarray(rng.normal(0, 1, (k, k)).astype(np.float32), "F")
            acc[..., c] += amp * np.asarray(field.resize((width, height), Image.BICUBIC))
    acc += rng.uniform(60, 190, 3)
    img = Image.fromarray(np.clip(acc, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    side = min(width, height)
    for _ in range(int(rng.integers(8, 20))):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(side // 40, side // 6))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.line((x, y, int(rng.integers(0, width)), int(rng.integers(0, height))), fill=colour,
                      width=max(1, r // 6))
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    grain = rng.normal(0, 5, (height, width, 3)).astype(np.int16)
    img = Image.fromarray(np.clip(np.asarray(img, dtype=np.int16) + grain, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _bases(store, count: int, cache: Path) -> list[dict]:
    """`count` distinct photo-like pictures in the store's blobs, with their thumbnails made."""
    from easel.store.rows import ImageRow

    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        w, h = SIZES[i % len(SIZES)]
        f = cache / f"photo-{i}-{w}x{h}.png"
        if not f.exists():
            f.write_bytes(photo_like(w, h, 1000 + i))
        data = f.read_bytes()
        sha, rel = store.blobs.put("images", data, "image/png")
        row = ImageRow(id=0, job_id="", idx=0, sha256=sha, path=rel, created_at=0, width=w, height=h,
                       mime="image/png", bytes=len(data))
        for side in sorted(thumbnails.SIZES, reverse=True):
            thumbnails.thumbnail(store, row, side)
        out.append({"sha": sha, "path": rel, "w": w, "h": h, "bytes": len(data)})
    return out


def seed(store, count: int, *, bases: int = 64, cache: Path = Path("/tmp/easel-bench-photos")) -> dict:
    """`count` gallery images over jobs from the realistic usage seed (see the docstring)."""
    from easel.usage import seed as usage_seed

    pics = _bases(store, bases, cache)
    jobs = usage_seed.generate_rows(int(count * 1.25) + 50, days=90, seed=15, unique_prompts=True)
    usage_seed.bulk_insert(store, jobs)
    col = {c: i for i, c in enumerate(usage_seed.COLUMNS)}
    rows, k = [], 0
    for job in jobs:
        if job[col["status"]] != "completed":
            continue
        for idx in range(job[col["n"]]):
            if k == count:
                break
            pic = pics[k % len(pics)]
            sha = f"{pic['sha'][:48]}{k:016x}"
            rows.append((job[col["id"]], idx, sha, pic["path"], pic["w"], pic["h"], "image/png", pic["bytes"],
                         f"revised: {job[col['prompt']]}" if k % 5 == 0 else None, job[col["finished_at"]]))
            thumbs = store.root / "thumbs"
            for side in thumbnails.SIZES:
                os.link(thumbs / f"{pic['sha']}-{side}.jpg", thumbs / f"{sha}-{side}.jpg")
            k += 1
        if k == count:
            break
    with store._write() as conn:
        conn.executemany("INSERT INTO images (job_id, idx, sha256, path, width, height, mime, bytes, revised_prompt, "
                         "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return {"images": len(rows), "pictures": len(pics)}


# --- measuring ---------------------------------------------------------------------------------------------
class MediaMeter:
    """Counts what one script run hands to Streamlit's media file manager."""

    def __init__(self) -> None:
        from streamlit.runtime.media_file_manager import MediaFileManager

        self.cls = MediaFileManager
        self.original = MediaFileManager.add
        self.files: dict[str, tuple[int, bool]] = {}   # url → (bytes, for download)
        self.grid_bytes = 0                             # thumbnails in the grid component's data
        self.grid_payload = 0                           # the grid component's data, as sent

    def __enter__(self) -> "MediaMeter":
        meter = self

        def add(mgr, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
            url = meter.original(mgr, path_or_data, mimetype, coordinates, file_name, is_for_static_download)
            size = len(path_or_data) if isinstance(path_or_data, (bytes, bytearray)) else 0
            meter.files[url] = (size, is_for_static_download)
            return url

        self.cls.add = add
        return self

    def __exit__(self, *exc) -> None:
        self.cls.add = self.original

    def media_bytes(self) -> int:
        return sum(n for n, download in self.files.values() if not download)

    def download_bytes(self) -> int:
        return sum(n for n, download in self.files.values() if download)


def image_urls(at) -> list[str]:
    return [img.url for el in at.image for img in el.proto.imgs]


def grid_data(at) -> dict:
    """The Gallery grid component's data: {"tiles": [...], "thumbs": {key: (bytes, mime)}} (empty if none)."""
    grids = [el for el in at.get("bidi_component") if el.proto.component_name == "easel_gallery_grid"]
    if not grids:
        return {"tiles": [], "thumbs": {}}
    from components.gallery_grid import decode

    return decode(grids[0].proto.bytes)


def shown(at) -> int:
    """Thumbnails on the page: st.image elements and the grid component's tiles."""
    return len(image_urls(at)) + len(grid_data(at)["tiles"])


def _states_with_trigger(at, event: str, value):
    """The next run's widget states with the grid component's trigger `event` set, as the browser sends a click
    on a tile or on ‹ Prev / Next › (AppTest cannot click a component)."""
    import json

    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    [grid] = [el for el in at.get("bidi_component") if el.proto.component_name == "easel_gallery_grid"]
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(grid.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": event, "value": value}])
    return states


class ScriptClock:
    """The script thread's own time for each run (ScriptRunner._run_script: the page's code and Streamlit's work
    around it, on the thread a browser's rerun runs on). AppTest's run() waits for the end by polling every
    millisecond (`time.sleep(0.001)` in `require_widgets_deltas`), which rounds its wall time up to steps of
    about 1.1 ms: a page 0.3 ms slower could read 1.1 ms slower or not at all. Both are printed; the ratios
    use this clock."""

    last = 0.0
    _installed = False

    @classmethod
    def install(cls) -> None:
        if cls._installed:
            return
        from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

        original = ScriptRunner._run_script

        def _run_script(runner, rerun_data):
            t = time.perf_counter()
            try:
                return original(runner, rerun_data)
            finally:
                cls.last = time.perf_counter() - t

        ScriptRunner._run_script = _run_script
        cls._installed = True


def compile_once() -> None:
    """Keep each page's compiled code between runs, as a Streamlit server does (its Runtime's ScriptCache):
    AppTest makes a new ScriptCache for every run, so each of its runs parses, rewrites (magic) and compiles the
    script again, a cost the browser's reruns do not pay (about 2–3 ms here, on both sides of the ratio)."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    if getattr(ScriptCache, "_easel_shared", None) is not None:
        return
    shared: dict[tuple[str, float], object] = {}
    original = ScriptCache.get_bytecode

    def get_bytecode(cache, script_path):
        key = (os.path.abspath(script_path), os.stat(script_path).st_mtime)
        if key not in shared:
            shared[key] = original(cache, script_path)
        return shared[key]

    ScriptCache.get_bytecode = get_bytecode
    ScriptCache._easel_shared = shared


def timed_run(at, trigger: tuple[str, object] | None = None) -> tuple[float, MediaMeter]:
    """(the run's script time, its media meter, with `meter.wall` = AppTest's wall time for it)."""
    ScriptClock.install()
    with MediaMeter() as meter:
        t = time.perf_counter()
        if trigger is None:
            at.run(timeout=120)
        else:
            at._run(_states_with_trigger(at, *trigger), timeout=120)
        meter.wall = time.perf_counter() - t
        elapsed = ScriptClock.last
    if at.exception:
        raise RuntimeError(f"the Gallery page raised: {[e.value for e in at.exception]}")
    inline = 0
    for url in image_urls(at):
        if url.startswith("data:"):
            inline += len(base64.b64decode(url.split(",", 1)[1]))
        elif url not in meter.files:
            raise RuntimeError(f"an image reached the page without going through the media manager: {url[:60]}")
    grid = grid_data(at)
    meter.files["data:inline"] = (inline, False)
    meter.grid_bytes = sum(len(blob) for blob, _mime in grid["thumbs"].values())
    meter.grid_payload = sum(len(el.proto.bytes) for el in at.get("bidi_component"))
    return elapsed, meter


def _open(whole_app: bool):
    from streamlit.testing.v1 import AppTest

    if whole_app:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run(timeout=120)
        at.switch_page("pages/gallery.py")
        return at
    return AppTest.from_file(str(PAGE), default_timeout=120)


def measure(stores: dict, runs: int, *, whole_app: bool) -> dict:
    """One round: an AppTest per store (label → data dir), run in turn run by run, so a change in the machine's
    load hits the empty gallery and the full ones alike."""
    tests, out = {}, {}
    for label, data in stores.items():
        os.environ["EASEL_DATA_DIR"] = str(data)
        tests[label] = _open(whole_app)
        cold, first = timed_run(tests[label])
        out[label] = {"cold": cold, "first": first, "warm": [], "wall": []}
    for _ in range(runs):
        for label, at in tests.items():
            os.environ["EASEL_DATA_DIR"] = str(stores[label])
            elapsed, meter = timed_run(at)
            out[label]["warm"].append(elapsed)
            out[label]["wall"].append(meter.wall)
            out[label]["meter"] = meter
    result = {}
    for label, m in out.items():
        first, meter = m["first"], m["meter"]
        # A page's bytes: what its first view sends (media files, inline thumbnails); reruns send no more
        # thumbnails than the first view (the media files again, the grid's captions).
        result[label] = {"cold": m["cold"], "warm": median(m["warm"]), "wall": median(m["wall"]),
                         "images": shown(tests[label]),
                         "media": max(first.media_bytes(), meter.media_bytes()) + first.grid_bytes,
                         "rerun_payload": meter.grid_payload, "downloads": meter.download_bytes(), "at": tests[label]}
    return result


def interleaved(stores: dict, runs: int, rounds: int = 3) -> dict:
    """Page alone and whole app, alternated `rounds` times; per store and kind, the round of median time."""
    page, app = [], []
    for _ in range(rounds):
        page.append(measure(stores, runs, whole_app=False))
        app.append(measure(stores, runs, whole_app=True))

    def median_round(ms: list[dict], label: str) -> dict:
        return sorted((m[label] for m in ms), key=lambda m: m["warm"])[len(ms) // 2]

    return {label: {"page": median_round(page, label), "app": median_round(app, label)} for label in stores}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, nargs="+", default=[500, 10_000])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bases", type=int, default=64)
    ap.add_argument("--photos", type=Path, default=Path("/tmp/easel-bench-photos"),
                    help="where the photo-like pictures are cached between runs")
    ap.add_argument("--compile-once", action="store_true",
                    help="keep the page's compiled code between runs, as a server does (see compile_once)")
    a = ap.parse_args()
    if a.compile_once:
        compile_once()

    with contextlib.ExitStack() as stack:
        stores = {"empty": stack.enter_context(isolated_data_dir())}
        for count in a.images:
            stores[count] = stack.enter_context(isolated_data_dir())
            from components.services import get_store

            t = time.perf_counter()
            seeded = seed(get_store(), count, bases=a.bases, cache=a.photos)
            print(f"seeded {seeded['images']:,} images over {seeded['pictures']} photo-like pictures in "
                  f"{time.perf_counter() - t:.1f} s")
        measured = interleaved(stores, a.runs, a.rounds)
        empty = measured["empty"]
        print(f"empty gallery: page alone {empty['page']['warm'] * 1000:.1f} ms, app.py "
              f"{empty['app']['warm'] * 1000:.1f} ms (rerun, script time, median)")
        results, ok = {}, True
        for count in a.images:
            os.environ["EASEL_DATA_DIR"] = str(stores[count])
            full = measured[count]
            at = full["app"]["at"]
            page2_cold, meter2 = timed_run(at, trigger=("page", "next"))
            page2_warm, _ = timed_run(at)
            at.text_input(key="gallery.text").input("橘猫")
            search, _ = timed_run(at)
            found = shown(at)
            r = results[count] = {
                "page": full["page"]["warm"], "app": full["app"]["warm"], "thumbs": full["page"]["images"],
                "bytes": max(full["page"]["media"], meter2.media_bytes() + meter2.grid_bytes),
                "page2": page2_warm, "search": search}
            r["page_ratio"] = r["page"] / empty["page"]["warm"]
            r["app_ratio"] = r["app"] / empty["app"]["warm"]
            print(f"{count:,} images, page 1 ({r['thumbs']} thumbnails): page alone {r['page'] * 1000:.1f} ms "
                  f"(×{r['page_ratio']:.2f} empty), app.py {r['app'] * 1000:.1f} ms (×{r['app_ratio']:.2f} empty); "
                  f"first view {full['app']['cold'] * 1000:.0f} ms; page 2 rerun {page2_warm * 1000:.1f} ms; "
                  f"search '橘猫' {search * 1000:.1f} ms ({found} shown)")
            print(f"  AppTest wall time (1 ms polling steps): page alone {full['page']['wall'] * 1000:.1f} ms "
                  f"(×{full['page']['wall'] / empty['page']['wall']:.2f} empty {empty['page']['wall'] * 1000:.1f} ms), "
                  f"app.py ×{full['app']['wall'] / empty['app']['wall']:.2f}")
            print(f"  image bytes per page (first view): page 1 {full['page']['media'] / 1024:.0f} KB, page 2 "
                  f"{(meter2.media_bytes() + meter2.grid_bytes) / 1024:.0f} KB (target ≤ {BYTES_TARGET / 2**20:.1f} MB); "
                  f"page 2 first view {page2_cold * 1000:.1f} ms; a rerun's grid element "
                  f"{full['page']['rerun_payload'] / 1024:.1f} KB; eager download bytes {full['app']['downloads']}")
            ok = ok and r["thumbs"] >= 48 and r["bytes"] <= BYTES_TARGET
    big = max(results)
    if len(results) > 1:
        small = min(results)
        print(f"growth {small:,} → {big:,} images: page alone ×{results[big]['page'] / results[small]['page']:.2f}, "
              f"app.py ×{results[big]['app'] / results[small]['app']:.2f}")
    ratio = results[big]["page_ratio"]
    finish("bench_gallery", ok and ratio <= TIME_TARGET,
           f"page alone {big:,} images ÷ empty = {ratio:.2f} (target ≤ {TIME_TARGET}), "
           f"{results[big]['bytes'] / 1024:.0f} KB per page")


if __name__ == "__main__":
    main()
