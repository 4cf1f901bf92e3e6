"""In a real browser: submit a gccai task (async by the provider's nature), reload the page, which starts a new
Streamlit session, and find the job on the Tasks page, live, until it completes with its image. Then ten jobs
in every state on a 1366×768 screen: all ten rows fit it, a Demo job carries the "simulated" badge, and a failure
is one line with its code and Retry. That screen is the README's screenshot."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PROMPT = "A paper crane folding itself on a windowsill at dawn"
ROW = "[class*='st-key-easel-task-row-']"


def _row_of(locator):
    """A job's row: the keyed container around its prompt."""
    return locator.locator("xpath=ancestor::div[contains(@class, 'st-key-easel-task-row-')]")


def test_an_async_job_survives_a_reload_and_completes_on_the_tasks_page(page, e2e_server, wait_idle, go):
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="gccai", exact=False).first.click()
    wait_idle(page)
    assert sidebar.get_by_text("Ready · ").count() == 1
    # Demo's remembered size (1024x1024) is not a gccai choice: the box must show gccai's default ratio,
    # not Demo's stale label.
    assert page.get_by_role("combobox", name="Aspect ratio").input_value() == "1:1"

    prompt = page.get_by_label("Prompt")
    prompt.fill(PROMPT)
    prompt.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Generate", exact=False).and_(
        page.locator("[data-testid='stBaseButton-primary']")).click()
    wait_idle(page)
    submitted = e2e_server.sim.requests("/gccai/v1/images/generations")
    assert any(r.json and r.json.get("prompt") == PROMPT for r in submitted)

    # A reload is a new browser session: nothing of the old one's state survives but the store.
    page.reload()
    wait_idle(page)
    go(page, "Tasks")
    prompt_text = page.locator("[data-testid='stText']", has_text=PROMPT).first
    prompt_text.wait_for()
    card = _row_of(prompt_text)
    if card.get_by_text("Completed").count() == 0:
        # Still running after the reload: the live list shows its progress and then completes by itself.
        assert card.locator("[data-testid='stProgress']").count() == 1

    card.get_by_text("Completed").wait_for(timeout=120_000)
    card.locator("[data-testid='stImage'] img").first.wait_for(timeout=30_000)      # its thumbnail
    wait_idle(page)
    assert page.locator("[data-testid='stException']").count() == 0


def _png(rgb) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (512, 512), rgb).save(buf, format="PNG")
    return buf.getvalue()


# (prompt, provider, status, extra columns, simulated, has an image); newest first on the page.
JOBS = [
    ("A paper lantern festival over a river at night", "gccai", "pending", {"progress": 40}, False, False),
    ("A lighthouse in a winter storm, oil painting", "qcode", "failed",
     {"error_code": "image_daily_limit", "cost_actual": 0.0,
      "error_message": "qcode: This key reached its daily image cap. [image_daily_limit, HTTP 429]"}, False, False),
    ("A watercolor fox reading under a brass lamp", "demo", "completed", {"cost_actual": 0.04}, True, True),
    ("A harbour at dusk, long exposure", "icodeeasy", "completed", {"cost_actual": 0.2}, False, True),
    ("A retro robot watering plants", "qcode", "running", {}, False, False),
    ("A mountain cabin under the aurora", "openai-hk", "completed", {"cost_actual": 3000.0}, False, True),
    ("A cat asleep on a stack of books", "demo", "cancelled", {}, True, False),
    ("Sunflowers in a blue vase, impasto", "qcode", "completed", {"cost_actual": 0.08}, False, True),
    ("A city skyline in fog", "icodeeasy", "interrupted",
     {"error_code": "interrupted", "error_message": "Interrupted by a restart before icodeeasy answered; not billed."},
     False, False),
    ("A koi pond seen from above", "demo", "completed", {"cost_actual": 0.04}, True, True),
]


@pytest.fixture
def ten_jobs(e2e_server):
    """Exactly ten followed jobs: the earlier tests' jobs stop being followed (they stay in the log)."""
    from easel.core.models import ImageOut
    from easel.store import Store

    store = Store(e2e_server.data_dir / "easel.db")
    for job in store.list_jobs(followed=True, limit=10_000):
        store.update_job(job.id, followed=0)
    now = time.time()
    ids = {}
    currency = {"gccai": "USD", "qcode": "USD", "demo": "USD", "icodeeasy": "CNY", "openai-hk": "credits"}
    for i, (prompt, provider, status, extra, simulated, image) in enumerate(JOBS):
        at = now - 10 * (i + 1)
        job_id = store.create_job(provider=provider, status=status, prompt=prompt, model="gpt-image-2",
                                  size="1024x1024", quality="medium", currency=currency[provider],
                                  cost_estimated=0.05, simulated=simulated, key_fingerprint="fp-0123456789",
                                  created_at=at)
        if status not in ("pending", "running"):
            extra = {**extra, "finished_at": at + 8}
        store.update_job(job_id, **extra)
        if image:
            store.add_image(job_id, 0, ImageOut(data=_png((60 + 18 * i, 120, 200 - 12 * i)), width=512, height=512,
                                                mime="image/png"))
        ids[prompt] = job_id
    yield ids
    # Nothing of this test stays unfinished or followed for the tests after it (the usage log keeps the rows).
    for job_id in ids.values():
        store.update_job(job_id, followed=0, where_status=None)
        store.update_job(job_id, status="cancelled", finished_at=time.time(), where_status=("pending", "running"))
    store.close()


def test_ten_jobs_fit_one_1366x768_screen(page, ten_jobs, wait_idle, go):
    page.set_viewport_size({"width": 1366, "height": 768})
    go(page, "Tasks")
    rows = page.locator(ROW)
    page.wait_for_function(f"document.querySelectorAll(\"{ROW}\").length == 10")
    wait_idle(page)
    assert page.locator("[data-testid='stException']").count() == 0

    # Every row, thumbnail, text and state, lies inside the first screen.
    boxes = [rows.nth(i).bounding_box() for i in range(10)]
    assert all(b["y"] + b["height"] <= 768 for b in boxes), [(round(b["y"]), round(b["height"])) for b in boxes]
    assert all(b["height"] < 70 for b in boxes), "each row is one line of state beside two lines of text"

    # A Demo job carries the "simulated" badge; a real one does not.
    demo = _row_of(page.locator("[data-testid='stText']", has_text="A watercolor fox reading").first)
    badge = demo.locator(".stMarkdownBadge", has_text="simulated")
    assert badge.count() == 1 and badge.is_visible()
    real = _row_of(page.locator("[data-testid='stText']", has_text="A harbour at dusk").first)
    assert real.get_by_text("simulated").count() == 0
    assert real.locator("[data-testid='stImage'] img").count() == 1          # a small thumbnail
    assert real.locator("[data-testid='stImage'] img").bounding_box()["width"] <= 48

    # A failure is one line: plain words, then its code in small text, and Retry.
    failed = _row_of(page.locator("[data-testid='stText']", has_text="A lighthouse in a winter storm").first)
    alert = failed.locator("[data-testid='stAlertContainer']")
    assert alert.count() == 1
    text = alert.locator("p").first
    assert text.inner_text().startswith("qcode: This key reached its daily image cap")
    assert "image_daily_limit, HTTP 429" in text.inner_text()
    line = text.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) "
                         "|| 1.6 * parseFloat(getComputedStyle(e).fontSize)")
    assert text.bounding_box()["height"] < 1.5 * line, "the error is a single line"
    assert failed.get_by_role("button", name="Retry").count() == 1

    # The progress bar agrees with its label: 40 % reported, 40 % drawn.
    pending = _row_of(page.locator("[data-testid='stText']", has_text="A paper lantern festival").first)
    assert pending.locator("[data-testid='stProgress']").get_by_text("40%", exact=False).count() == 1
    bar = pending.locator("[data-testid='stProgress'] [role='progressbar']")
    assert bar.get_attribute("aria-valuenow") == "40"

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "tasks.png"), full_page=False)
