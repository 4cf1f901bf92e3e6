"""In a real browser at 1366×768: the Boards page over seeded boards, a share link made from a board's Share…
popover, opened in a second browser context with no session: the board's images and their settings, no sidebar, and
no key fingerprint, base URL or source URL anywhere in the page's HTML. Revoked on the Boards page, the same link
in the second context says "revoked" and has no <img> at all. Saves the README's boards.png and shared.png."""

from __future__ import annotations

import json
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from pictures import gradient_disc_png

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FINGERPRINT = "fp-sharesentinel"
BASE_URL = "http://base-url-sentinel.invalid/v1"
SOURCE_URL = "https://cdn.invalid/result.png?token=source-url-sentinel"
SUBJECTS = ("a lighthouse at dusk", "a fox under a brass lamp", "a paper boat on a pond", "an owl in the snow",
            "a harbour in the rain", "a kite over the dunes", "a tram in the fog")


def _seed(data_dir: Path) -> tuple[str, str, list[str]]:
    """Seven images and two boards; returns the shared board's name and id and its prompts."""
    from easel.core.models import ImageOut
    from easel.media import thumbnails
    from easel.store import Store, boards

    store = Store(data_dir / "easel.db")
    tag = uuid.uuid4().hex[:6]
    now = time.time()
    ids, prompts = [], []
    try:
        for i, subject in enumerate(SUBJECTS):
            prompt = f"{subject.capitalize()}, gouache ({tag})"
            job = store.create_job(provider="demo", status="completed", model="gpt-image-2", endpoint="generations",
                                   prompt=prompt, params={"size": "1024x1024", "quality": "medium", "n": 1},
                                   size="1024x1024", quality="medium", n=1, key_fingerprint=FINGERPRINT,
                                   base_url=BASE_URL, simulated=True, created_at=now - 10 + i)
            store.update_job(job, finished_at=now - 9 + i, latency_s=1.2)
            ids.append(store.add_image(job, 0, ImageOut(data=gradient_disc_png(1024, 1024, i), width=1024, height=1024, mime="image/png",
                                                        source_url=SOURCE_URL)).id)
            thumbnails.make_thumbnails(store, job)
            prompts.append(prompt)
        name = f"Client X, round 2 ({tag})"
        shared = boards.create_board(store, name)
        boards.add_to_board(store, shared, ids[:4])
        other = boards.create_board(store, f"Moodboard ({tag})")
        boards.add_to_board(store, other, ids[3:])
        boards.set_starred(store, ids[0], True)
    finally:
        store.close()
    return name, shared, prompts[:4]


def _loaded(page, scope: str = "") -> None:
    page.wait_for_function(f"() => [...document.querySelectorAll(\"{scope} [data-testid='stImage'] img\")]"
                           ".every(i => i.complete && i.naturalWidth > 0)")


def test_share_a_board_open_it_without_a_session_then_revoke(browser, e2e_server, wait_idle, go):
    name, board_id, prompts = _seed(e2e_server.data_dir)
    owner = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    visitor = browser.new_context(viewport={"width": 1366, "height": 768})
    page = owner.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(e2e_server.url)
        wait_idle(page)
        go(page, "Boards")
        card = page.locator(f"[class*='st-key-easel-board-{board_id}']")
        card.get_by_text("4 images").wait_for()
        card.get_by_role("button", name="Open").click()
        wait_idle(page)
        # The open board's grid is one Components v2 element (components/gallery_grid.py), as the Gallery's.
        page.locator("[class*='st-key-boards-grid-tiles'] button.open img").nth(3).wait_for()
        page.wait_for_function("""() => {
            const host = document.querySelector("[class*='st-key-boards-grid-tiles']");
            const imgs = [...host.querySelectorAll('*')].flatMap(e => e.shadowRoot ?
                [...e.shadowRoot.querySelectorAll('img')] : []);
            return imgs.length === 4 && imgs.every(i => i.complete && i.naturalWidth > 0);
        }""")
        _loaded(page)
        assert page.locator("[data-testid='stException']").count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "boards.png"), full_page=False)

        # --- ZIP: the board's four images and a manifest naming the board ------------------------------------
        with page.expect_download() as got:
            card.get_by_role("button", name="ZIP").click()
        with zipfile.ZipFile(got.value.path()) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            assert len([n for n in zf.namelist() if n.endswith(".png")]) == 4
        assert manifest["board"] == name and sorted(m["prompt"] for m in manifest["images"]) == sorted(prompts)
        assert all(m["job_id"] and m["file"] in zf.namelist() for m in manifest["images"])
        assert FINGERPRINT not in json.dumps(manifest) and "source-url-sentinel" not in json.dumps(manifest)

        # --- Share…: pick an expiry, make the link, read it from the popover ----------------------------------
        card.get_by_role("button", name="Share…").click()
        popover = page.locator("[data-testid='stPopoverBody']").filter(visible=True)
        popover.get_by_role("button", name="Create link").click()
        wait_idle(page)
        code = popover.locator("[data-testid='stCode'] code")
        code.wait_for()
        url = code.inner_text().strip()
        assert url.startswith(f"{e2e_server.url}/?share=") and len(url.split("?share=")[1]) == 43, url
        page.keyboard.press("Escape")

        # --- a second browser context: no session, no key ---------------------------------------------------
        shared = visitor.new_page()
        shared.set_default_timeout(60_000)
        shared.goto(url)
        wait_idle(shared)
        shared.locator("h1", has_text=name).wait_for()
        images = shared.locator("[data-testid='stImage'] img")
        assert images.count() == 4
        _loaded(shared)
        texts = shared.locator("[data-testid='stText']").all_inner_texts()
        assert sorted(t for t in texts if t in prompts) == sorted(prompts)
        assert texts.count("1024x1024 · medium · gpt-image-2 · Demo (offline simulator)") == 4
        assert shared.locator("[data-testid='stSidebar']").count() == 0
        assert shared.locator("[data-testid='stSidebarNav']").count() == 0
        assert shared.locator("[data-testid='stDownloadButton']").count() == 4
        html = shared.content()
        for secret in (FINGERPRINT, "base-url-sentinel", "source-url-sentinel", "cdn.invalid"):
            assert secret not in html, secret
        shared.screenshot(path=str(SHOTS / "shared.png"), full_page=False)

        # --- revoke on the Boards page; the visitor's reload says so and shows no image -----------------------
        wait_idle(page)
        links = page.locator("[class*='st-key-links-']")
        links.get_by_text(name, exact=False).wait_for()
        links.get_by_role("button", name="Revoke").click()
        wait_idle(page)
        page.get_by_text("No live share links.").wait_for()
        shared.reload()
        wait_idle(shared)
        shared.get_by_text("This link was revoked").wait_for()
        assert shared.locator("img").count() == 0
        assert shared.locator("[data-testid='stDownloadButton']").count() == 0
    finally:
        owner.close()
        visitor.close()


def test_a_fresh_servers_first_request_can_be_a_share_link(simulator, tmp_path_factory, start_app, browser,
                                                           wait_idle):
    """The visitor may be the first to reach a just-restarted server: the link still opens the shared page alone,
    not Streamlit's list of pages/ files (components/router.py says why it would)."""
    from easel.store import Store, boards, share_links

    with start_app(tmp_path_factory.mktemp("share-first"), simulator, {}) as server:
        name, board_id, prompts = _seed(server.data_dir)
        store = Store(server.data_dir / "easel.db")
        try:
            token, _ = share_links.create_link(store, boards.board_image_ids(store, board_id)[:2], 3600, title=name)
        finally:
            store.close()
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            page.goto(f"{server.url}/?share={token}")
            wait_idle(page)
            page.locator("h1", has_text=name).wait_for()
            # Under load the title can be drawn while the run that draws the images is still going (the router's
            # rerun on a fresh server): wait for the second image and the run's end, then count them exactly.
            page.locator("[data-testid='stImage'] img").nth(1).wait_for()
            wait_idle(page)
            assert page.locator("[data-testid='stImage'] img").count() == 2
            assert page.locator("[data-testid='stSidebar']").count() == 0
            assert page.locator("[data-testid='stException']").count() == 0
        finally:
            context.close()
