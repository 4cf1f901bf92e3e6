"""Issue 7 §3 in a real browser: keys, result URLs, inert prompts, upload checks, and no server-side fetches.

The app runs as `streamlit run app.py` with distinctive keys: QCode's and icodeeasy's from the environment,
gccai's and openai-hk's typed into the sidebar. Every page is visited; afterwards no key is found in any page's
HTML, the server's stdout/stderr, the SQLite file and its WAL, the downloaded PNG's metadata, the ZIP, or an
error message. Result URLs (credentials for icodeeasy, expiring for gccai) never reach the page. Prompts that
look like HTML or markdown render as text, and the browser fetches nothing they name. Uploads are sniffed and
opened behind the pixel cap. A pasted reference URL travels to the provider untouched and Easel never fetches it.

This module starts its own app server (the shared `e2e_server` has fixed keys; these tests need sentinel ones)
and reuses the session's `browser`, `simulator` and `wait_idle` fixtures.
"""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from easel.simulator import render
from easel.store import Store, share_links
from easel.simulator.routes import prefix_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TAG = uuid.uuid4().hex[:12]
SENTINEL = "SECRETSENTINEL"
ENV_QCODE = f"sk_test_{SENTINEL}_envqcode_{TAG}"
ENV_ICODE = f"sk_test_{SENTINEL}_envicode_{TAG}"
TYPED_GCCAI = f"sk_test_{SENTINEL}_typedgccai_{TAG}"
TYPED_BAD = f"bad_test_{SENTINEL}_typedhk_{TAG}"          # the simulator answers 401 to keys starting "bad"
XSS = "<img src=x onerror=alert(1)>"
MD = "![x](http://example.com/t.png)"


@pytest.fixture(scope="module")
def secure_app(simulator, tmp_path_factory, start_app):
    env = {
        "EASEL_QCODE_BASE_URL": simulator.url + prefix_for("qcode"), "EASEL_QCODE_API_KEY": ENV_QCODE,
        "EASEL_ICODEEASY_BASE_URL": simulator.url + prefix_for("icodeeasy"), "EASEL_ICODEEASY_API_KEY": ENV_ICODE,
        "EASEL_GCCAI_BASE_URL": simulator.url + prefix_for("gccai"),
        "EASEL_OPENAI_HK_BASE_URL": simulator.url + prefix_for("openai-hk"),
    }
    with start_app(tmp_path_factory.mktemp("security"), simulator, env, debug=True) as server:
        yield server


class Watch:
    """Everything the browser fetched and every dialog it opened."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))


def _html(page) -> str:
    """The page's DOM, with the value of password inputs dropped (the key field shows its own key, masked)."""
    return page.evaluate("""() => {
        const doc = document.documentElement.cloneNode(true);
        const live = document.querySelectorAll('input');
        doc.querySelectorAll('input').forEach((el, i) => {
            if (el.type === 'password') { el.removeAttribute('value'); }
            else if (live[i]) { el.setAttribute('value', live[i].value); }
        });
        // Components v2 elements (the Gallery's grid) draw in shadow roots, which cloneNode leaves out.
        const shadows = [...document.querySelectorAll('*')].filter(el => el.shadowRoot)
            .map(el => el.shadowRoot.innerHTML);
        return doc.outerHTML + shadows.join('');
    }""")


def _pick_provider(page, label: str, wait_idle) -> None:
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name=label, exact=False).first.click()
    wait_idle(page)


def _type_key(page, key: str, wait_idle) -> None:
    field = page.locator("[data-testid='stSidebar'] input[type='password']")
    field.fill(key)
    field.press("Enter")
    wait_idle(page)


def _generate(page, prompt: str, wait_idle) -> None:
    box = page.get_by_label("Prompt", exact=True)
    box.fill(prompt)
    box.press("Control+Enter")
    wait_idle(page)
    page.locator("[data-testid='stBaseButton-primary']", has_text="Generate").click()
    wait_idle(page)


def _wait_for(predicate, timeout: float = 60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def _no_rendered_html(page) -> None:
    """Nothing from the prompts became an element: no <img src=x>, no image from example.com, no alert."""
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("img[src*='example.com']").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0


def test_keys_urls_prompts_uploads_and_fetches(secure_app, browser, simulator, wait_idle, go, tmp_path):
    sim = simulator
    sim.reset()
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    watch = Watch(page)
    pages_html: dict[str, str] = {}
    page.goto(secure_app.url)
    wait_idle(page)

    # --- QCode, key from the environment: the two hostile prompts --------------------------------------
    _pick_provider(page, "QCode", wait_idle)
    for prompt in (XSS, MD):
        _generate(page, prompt, wait_idle)
        page.locator("[data-testid='stText']", has_text=prompt).first.wait_for()
        wait_idle(page)
        _no_rendered_html(page)
    pages_html["generate/qcode"] = _html(page)
    # The prompt is shown as literal text (the XSS one was, before it; waited for above).
    assert any(t.startswith(MD + "\n") for t in page.locator("[data-testid='stText']").all_inner_texts())

    # --- icodeeasy, key from the environment: results arrive as URLs ------------------------------------
    _pick_provider(page, "icodeeasy", wait_idle)
    _generate(page, "an icodeeasy lighthouse", wait_idle)
    page.locator("[data-testid='stText']", has_text="an icodeeasy lighthouse").first.wait_for()
    wait_idle(page)
    pages_html["generate/icodeeasy"] = _html(page)

    # --- gccai, typed key: a pasted reference URL passes through, unfetched; a bad upload is refused -----
    _pick_provider(page, "gccai", wait_idle)
    _type_key(page, TYPED_GCCAI, wait_idle)
    assert page.locator("[data-testid='stSidebar'] input[type='password']").count() == 1
    canary = f"{sim.url}/canary/{TAG}/reference.png"
    page.get_by_text("Reference images").first.click()
    fake = tmp_path / "fake.png"
    fake.write_text("this is text, not a picture")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(fake))
    wait_idle(page)
    page.get_by_label("Prompt", exact=True).fill("a kite with a reference")
    page.get_by_label("Prompt", exact=True).press("Control+Enter")
    wait_idle(page)
    page.get_by_text("is not a PNG, JPEG or WebP").first.wait_for()         # sniffed from the bytes
    page.locator("[data-testid='stFileChipDeleteBtn'] button").first.click()
    wait_idle(page)
    urls = page.get_by_label("Or paste image URLs", exact=False)
    urls.fill(canary)
    urls.press("Control+Enter")
    wait_idle(page)
    page.locator("[data-testid='stBaseButton-primary']", has_text="Generate").click()
    wait_idle(page)
    [submit] = _wait_for(lambda: [r for r in sim.requests(prefix_for("gccai")) if r.endpoint == "submit"])
    assert submit.json["image_urls"] == [canary]
    pages_html["generate/gccai"] = _html(page)

    # --- openai-hk, a typed key the provider refuses: the error message carries no key ------------------
    _pick_provider(page, "openai-hk", wait_idle)
    _type_key(page, TYPED_BAD, wait_idle)
    _generate(page, "a refused request", wait_idle)
    page.get_by_text("HTTP 401").first.wait_for()
    wait_idle(page)
    # The code is in the error box or in the small caption under it (components/errors_view.show_error).
    errors = page.locator("[data-testid='stAlertContentError']").all_inner_texts()
    errors += page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").all_inner_texts()
    assert any("invalid_api_key" in e for e in errors) and not any(SENTINEL in e for e in errors)
    pages_html["generate/openai-hk"] = _html(page)

    # --- Edit: uploads are sniffed and kept under the pixel cap ----------------------------------------
    go(page, "Edit")
    uploader = page.locator("[data-testid='stFileUploaderDropzoneInput']").first
    uploader.set_input_files(str(fake))
    wait_idle(page)
    page.get_by_text("is not a PNG, JPEG or WebP image (checked from its bytes").first.wait_for()
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(render.bomb_png())
    page.locator("[data-testid='stFileChipDeleteBtn'] button").first.click()
    wait_idle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(bomb))
    wait_idle(page)
    page.get_by_text("over the safety cap").first.wait_for()
    _no_rendered_html(page)
    pages_html["edit"] = _html(page)

    # --- Tasks, Usage, Gallery (with downloads) ----------------------------------------------------------
    for title in ("Tasks", "Usage"):
        go(page, title)
        _no_rendered_html(page)
        pages_html[title.lower()] = _html(page)
    go(page, "Gallery")
    tiles = page.locator("[class*='st-key-gallery-grid-tiles'] button.open")
    tiles.first.locator("img").wait_for()
    _no_rendered_html(page)
    pages_html["gallery"] = _html(page)
    png_downloads = []
    dialog = page.locator("[data-testid='stDialog'] [role='dialog']")
    tile_ids = [int(tiles.nth(i).get_attribute("data-id")) for i in range(tiles.count())]
    for i in range(len(tile_ids)):                     # each image's lightbox has its PNG download
        tiles.nth(i).click()
        dialog.wait_for()
        wait_idle(page)
        _no_rendered_html(page)
        with page.expect_download() as info:
            dialog.locator("[data-testid='stDownloadButton'] button", has_text="PNG").first.click()
        png_downloads.append(Path(info.value.path()).read_bytes())
        dialog.get_by_role("button", name="Close").click()
        dialog.wait_for(state="detached")
        wait_idle(page)
    # The images the grid showed (an async gccai job may store one more meanwhile): each gave its PNG.
    stored = [r.id for r in Store(secure_app.data_dir / "easel.db").list_images(limit=100)]
    assert len(png_downloads) == len(tile_ids) > 0 and set(tile_ids) <= set(stored), \
        "every gallery image has its PNG download"
    page.get_by_role("button", name="Download all (ZIP)").click()     # a popover: it plans the parts when opened
    with page.expect_download() as info:
        page.locator("[data-testid='stDownloadButton'] button", has_text="Download ZIP").first.click()
    zip_data = Path(info.value.path()).read_bytes()

    # --- a second, fresh session sees no key at all, not even masked -----------------------------------
    other = browser.new_context(viewport={"width": 1440, "height": 1000})
    other_page = other.new_page()
    other_page.goto(secure_app.url)
    wait_idle(other_page)
    go(other_page, "Gallery")
    fresh_html = other_page.content()
    # A share link to every image, opened with no session: its page is checked like the others (issue 17).
    link_store = Store(secure_app.data_dir / "easel.db")
    token, _ = share_links.create_link(link_store, [r.id for r in link_store.list_images(limit=100)], 3600)
    other_page.goto(f"{secure_app.url}/?share={token}")
    wait_idle(other_page)
    other_page.locator("[data-testid='stImage'] img").first.wait_for()
    pages_html["shared"] = other_page.content()
    fingerprints = {j.key_fingerprint for j in link_store.list_jobs(limit=100) if j.key_fingerprint}
    assert fingerprints and not [f for f in fingerprints if f in pages_html["shared"]]
    other.close()
    context.close()

    # === the key is nowhere ==============================================================================

    store = Store(secure_app.data_dir / "easel.db")
    images = store.list_images(limit=100)
    source_urls = [r.source_url for r in images if r.source_url]
    assert source_urls, "icodeeasy results arrive as URLs"
    assert 3 <= len(png_downloads) <= len(images)          # XSS, MD, icodeeasy (+ gccai if it had finished)
    keys = (ENV_QCODE, ENV_ICODE, TYPED_GCCAI, TYPED_BAD)
    for name, html in {**pages_html, "fresh": fresh_html}.items():
        assert SENTINEL not in html, name
        assert not [u for u in source_urls if u in html], name            # result URLs hidden by default
        assert "/v1/images/files/" not in html and "/f/image/" not in html, name
    # Error messages (the usage log's copies too).
    for job in store.list_jobs(limit=100):
        assert SENTINEL not in (job.error_message or "") and SENTINEL not in job.params_json
    # Downloads: PNG metadata and the ZIP (its images and its manifest).
    for data in png_downloads:
        img = Image.open(io.BytesIO(data))
        assert img.format == "PNG" and set(img.text) == {"easel", "parameters", "Software"}
        assert not [v for v in img.text.values() if SENTINEL in v or "http://127.0.0.1" in v]
        assert SENTINEL.encode() not in data
    prompts = set()
    with zipfile.ZipFile(io.BytesIO(zip_data)) as zf:
        for info in zf.infolist():
            assert SENTINEL.encode() not in zf.read(info)
            assert b"http://127.0.0.1" not in zf.read(info) or info.filename == "manifest.json"
        manifest = zf.read("manifest.json").decode()
        assert sim.url not in manifest
        import json

        prompts = {m["prompt"] for m in json.loads(manifest)}
    assert {XSS, MD} <= prompts                                        # kept verbatim, as data
    store.close()
    # Server logs, the database file and its WAL, and every other file Easel wrote.
    secure_app.proc.terminate()
    secure_app.proc.wait(timeout=20)
    for log in (secure_app.log,):
        text = log.read_bytes()
        assert SENTINEL.encode() not in text, log.name
    written = [p for p in secure_app.data_dir.rglob("*") if p.is_file()]
    assert any(p.name == "easel.db" for p in written)
    for path in written:
        blob = path.read_bytes()
        assert not [k for k in keys if k.encode() in blob], path.name
    # The simulator saw the keys only in Authorization headers, which it records as "[secure]".
    for rec in sim.requests():
        assert SENTINEL.encode() not in rec.body and SENTINEL not in str(rec.headers)

    # === prompts are inert, and nothing was fetched that a user named =====================================
    assert watch.dialogs == []
    assert [u for u in watch.requests if "example.com" in u] == []
    assert [u for u in watch.requests if u.rstrip("/").endswith("/x")] == []
    # Easel never fetched the pasted reference URL (the simulator would have recorded the GET).
    assert [r.path for r in sim.requests() if "canary" in r.path] == []
    assert [r for r in sim.requests() if r.endpoint == "file" and r.had_auth] == []
