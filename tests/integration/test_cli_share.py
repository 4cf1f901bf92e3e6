"""`easel share list|revoke` as a user runs it: a subprocess over a real SQLite file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from easel.core.models import ImageOut
from easel.store import Store, share_links

ROOT = Path(__file__).resolve().parents[2]


def _easel(*args):
    return subprocess.run([sys.executable, "-m", "easel.cli", *args], env=dict(os.environ), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_list_then_revoke_a_link_from_the_shell(easel_data_dir):
    store = Store(easel_data_dir / "easel.db")
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    job = store.create_job(provider="demo", prompt="a fox", status="completed")
    image = store.add_image(job, 0, ImageOut(data=buf.getvalue(), width=8, height=8, mime="image/png"))
    token, link = share_links.create_link(store, [image.id], 3600, title="for  the client")
    _, old = share_links.create_link(store, [image.id], 3600, title="old", now=time.time() - 7200)

    listed = _easel("share", "list")
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert line.startswith(f"{link.id}    1 image ") and line.endswith("active   for the client")
    assert token not in listed.stdout

    revoked = _easel("share", "revoke", link.id)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == f"Revoked {link.id}: its page now says it was revoked and shows no image."
    assert share_links.resolve(store, token).status == "revoked"
    assert _easel("share", "list").stdout.strip() == "No live share links."
    every = _easel("share", "list", "--all").stdout.splitlines()
    assert len(every) == 2
    assert every[0].startswith(link.id) and every[0].endswith("revoked  for the client")
    assert every[1].startswith(old.id) and every[1].endswith("expired  old")

    again = _easel("share", "revoke", link.id)
    assert again.returncode == 1
    assert again.stderr.strip() == f"Error: link {link.id} was already revoked (see `easel share list --all`)."
    unknown = _easel("share", "revoke", "nope")
    assert unknown.returncode == 1 and "no share link nope" in unknown.stderr
    store.close()
