"""AppTest fixtures: the real app (app.py + pages/) against the real simulator and a per-test SQLite store."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))      # `components` is a top-level package beside app.py


@pytest.fixture(autouse=True)
def _navigation_pages_only(monkeypatch):
    """AppTest resets PagesManager.uses_pages_directory before every run, so with a `pages/` folder beside
    app.py its second run takes the old pages-folder path and runs the page file alone, without app.py's
    sidebar. Under `streamlit run` the flag turns False at the first st.navigation call and stays so; this
    pins it the same way for every run."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def demo(sim, monkeypatch):
    """The Demo provider on this test session's simulator, so its recorded requests are readable here."""
    monkeypatch.setenv("EASEL_SIMULATOR_URL", sim.url)
    return sim


@pytest.fixture
def app(demo):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def jobs_for_test(easel_data_dir):
    """The JobService the app uses for this test's data directory."""
    from components import services

    svc = services.jobs_for(str(easel_data_dir))
    yield svc
    services.forget(str(easel_data_dir))
    svc.close(wait=True)
