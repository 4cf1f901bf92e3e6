"""A Generate result downloads as PNG, JPEG or WebP in one click, in a real browser: the bytes' magic and the
pixel size of each file are checked (the conversion happens locally, from the stored image)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

PROMPT = "A paper lantern drifting over a river at dusk, e2e downloads"
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".webp": b"RIFF"}


def test_a_result_downloads_in_every_format_with_one_click(page, wait_idle):
    page.set_viewport_size({"width": 1366, "height": 768})
    wait_idle(page)
    prompt = page.get_by_label("Prompt")
    prompt.fill(PROMPT)
    prompt.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Generate", exact=False).and_(
        page.locator("[data-testid='stBaseButton-primary']")).click()
    caption = page.locator("[data-testid='stText']", has_text=PROMPT).first
    caption.wait_for(timeout=60_000)
    wait_idle(page)
    cell = caption.locator("xpath=ancestor::div[@data-testid='stColumn'][1]")
    for label, ext in (("PNG", ".png"), ("JPEG", ".jpg"), ("WebP", ".webp")):
        button = cell.locator("[data-testid='stDownloadButton'] button", has_text=label).first
        box = button.bounding_box()
        assert box and box["y"] + box["height"] <= 768, (label, box)        # in the first screen
        with page.expect_download() as info:
            button.click()
        download = info.value
        assert download.suggested_filename.endswith(ext)
        data = Path(download.path()).read_bytes()
        assert data.startswith(MAGIC[ext]), label
        assert Image.open(io.BytesIO(data)).size == (1024, 1024), label
