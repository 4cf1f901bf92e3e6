"""Share link tokens over a real SQLite file: only the token's SHA-256 is stored, a link lives up to (not at) its
expiry, lasts 1 hour to 30 days, and a revoked or expired link yields no images."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from easel.core.models import ImageOut
from easel.store import Store, share_links
from easel.store.share_links import ShareLinkError

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

NOW = 1_800_000_000.0


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (9, 99, 199)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def store(easel_data_dir):
    s = Store()
    yield s
    s.close()


def _images(store, count: int) -> list[int]:
    ids = []
    for i in range(count):
        job = store.create_job(provider="demo", prompt=f"p{i}", status="completed", created_at=1000.0 + i)
        ids.append(store.add_image(job, 0, ImageOut(data=_png(), width=32, height=32, mime="image/png")).id)
    return ids


def test_only_the_hash_of_the_token_is_stored(store, engine):
    ids = _images(store, 2)
    token, link = share_links.create_link(store, ids, 3600, title="two", now=NOW)
    assert len(token) == 43 and token != share_links.create_link(store, ids, 3600, now=NOW)[0]
    if engine == "sqlite":      # every byte of the file, as a copy of it would give them away
        raw = store.path.read_bytes() + b"".join(p.read_bytes() for p in store.path.parent.glob("easel.db-wal"))
    else:                       # every column of every link, as a dump of the database would
        raw = repr(store.query("SELECT * FROM share_links")).encode()
    assert token.encode() not in raw
    [row] = store.query("SELECT token_sha256 FROM share_links WHERE id = ?", (link.id,))
    assert row[0] == hashlib.sha256(token.encode()).hexdigest()
    got = share_links.resolve(store, token, now=NOW)
    assert got.status == "active" and got.link.image_ids == tuple(ids) and got.link.title == "two"
    assert [r.id for r in share_links.shared_images(store, got)] == ids


def test_a_link_lives_up_to_but_not_at_its_expiry(store):
    ids = _images(store, 1)
    token, link = share_links.create_link(store, ids, 7200, now=NOW)
    assert link.expires_at == NOW + 7200
    assert share_links.resolve(store, token, now=NOW + 7199.999).status == "active"
    expired = share_links.resolve(store, token, now=NOW + 7200)
    assert expired.status == "expired" and share_links.shared_images(store, expired) == []
    assert [x.id for x in share_links.list_links(store, now=NOW + 7199)] == [link.id]
    assert share_links.list_links(store, now=NOW + 7200) == []


@pytest.mark.parametrize("ttl, ok", [(3599, False), (3600, True), (30 * 86400, True), (30 * 86400 + 1, False)])
def test_expiry_is_one_hour_to_thirty_days(store, ttl, ok):
    ids = _images(store, 1)
    if ok:
        assert share_links.create_link(store, ids, ttl, now=NOW)[1].expires_at == NOW + ttl
    else:
        with pytest.raises(ShareLinkError) as err:
            share_links.create_link(store, ids, ttl, now=NOW)
        assert err.value.code == "share_ttl_out_of_range"
        assert store.query("SELECT COUNT(*) FROM share_links")[0][0] == 0


def test_a_revoked_link_serves_nothing_and_leaves_the_active_list(store):
    ids = _images(store, 2)
    token, link = share_links.create_link(store, ids, 86400, now=NOW)
    other_token, other = share_links.create_link(store, ids[:1], 86400, now=NOW + 1)
    assert share_links.revoke(store, link.id, now=NOW + 10) is True
    assert share_links.revoke(store, link.id, now=NOW + 20) is False        # once
    got = share_links.resolve(store, token, now=NOW + 11)
    assert got.status == "revoked" and got.link.revoked_at == NOW + 10
    assert share_links.shared_images(store, got) == []
    assert [x.id for x in share_links.list_links(store, now=NOW + 11)] == [other.id]
    assert share_links.resolve(store, other_token, now=NOW + 11).status == "active"
    # Revoked wins over expired: the page says the link was revoked, not that it ran out.
    assert share_links.resolve(store, token, now=NOW + 10 * 86400).status == "revoked"


def test_unknown_and_malformed_tokens_and_deleted_images(store):
    a, b = _images(store, 2)
    token, _ = share_links.create_link(store, [a, b], 3600, now=NOW)
    assert share_links.resolve(store, token[:-1] + ("A" if token[-1] != "A" else "B"), now=NOW).status == "unknown"
    assert share_links.resolve(store, "../../etc/passwd", now=NOW).status == "unknown"
    assert share_links.resolve(store, "", now=NOW).status == "unknown"
    store.delete_image(a)
    assert [r.id for r in share_links.shared_images(store, share_links.resolve(store, token, now=NOW))] == [b]
    with pytest.raises(ShareLinkError) as empty:
        share_links.create_link(store, [], 3600, now=NOW)
    assert empty.value.code == "share_empty"
