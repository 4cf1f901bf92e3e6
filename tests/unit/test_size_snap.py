"""Compare's column mapping and PNG Info's fitting snap a size through one rule (easel/providers/size_snap.py),
so the same pixels land on the same size for every provider, whichever page maps them."""

from __future__ import annotations

import pytest

from easel.compare.mapping import _map_size
from easel.providers import catalog
from easel.providers.fit_settings import fit
from easel.providers.size_snap import nearest_size


@pytest.mark.parametrize("provider, asked, sent, resolution, pixels", [
    ("gccai", (1536, 1024), "3:2", "1k", (1536, 1024)),
    ("gccai", (3500, 2300), "3:2", "4k", (3520, 2336)),
    ("qcode", (1920, 1080), "1536x1024", None, (1536, 1024)),
    ("qcode", (1024, 1024), "1024x1024", None, (1024, 1024)),
    ("openai-hk", (1000, 1000), "1008x1008", None, (1008, 1008)),     # sides a multiple of 16, the nearest
])
def test_both_pages_snap_a_size_to_the_same_documented_size(provider, asked, sent, resolution, pixels):
    profile = catalog.BUILTIN[provider]
    snap = nearest_size(profile, *asked, edit=False)
    assert (snap.size, snap.resolution, snap.pixels) == (sent, resolution, pixels)
    mapped, mapped_res, expected = _map_size(profile, f"{asked[0]}x{asked[1]}", edit=False, notes=[])
    fitted = fit(profile, {"size": f"{asked[0]}x{asked[1]}"}, edit=False).params
    assert (mapped, mapped_res, expected) == (sent, resolution, pixels)
    assert (fitted["size"], fitted.get("resolution")) == (sent, resolution)
