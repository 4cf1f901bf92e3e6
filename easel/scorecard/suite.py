"""The fixed probe suite: which requests each check needs on a provider, and what the whole suite costs.

Every probe is an ordinary ImageRequest at the cheapest quality ("low"), n = 1 unless the check is about n.
A check whose parameter the provider's doc lacks plans no probe: it ends n/a with the doc's reason.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from PIL import Image, ImageDraw

from easel.core.errors import ValidationError
from easel.core.i18n import N_, _
from easel.core.i18n_text import Template
from easel.core.models import Money
from easel.providers import pricing, sizes
from easel.providers.catalog import Profile
from easel.providers.request import ImageInput, ImageRequest
from easel.scorecard import doc_facts

__all__ = ["CHECKS", "CHECK_TITLES", "check_title", "Probe", "select_checks", "plan", "suite_cost", "source_png", "mask_png", "MASK_BOX",
           "PROMPT", "COMPRESSIONS", "SOURCE_SIZE"]

CHECKS = ("sizes", "n", "output_format", "output_compression", "background", "mask", "errors", "cost",
          "revised_prompt", "latency")
# What each check is about, for a reader (the name itself is the parameter, as the CLI's --checks takes it).
CHECK_TITLES = {
    "sizes": N_("Every documented size comes back at its pixels"),
    "n": N_("n returns that many images"),
    "output_format": N_("output_format returns those bytes"),
    "output_compression": N_("output_compression changes the file size"),
    "background": N_("background=transparent returns transparent pixels"),
    "mask": N_("The mask keeps everything outside it"),
    "errors": N_("An invalid size gets the documented error"),
    "cost": N_("The reported cost matches the doc's price"),
    "revised_prompt": N_("revised_prompt is returned as documented"),
    "latency": N_("Latency within the doc's typical range"),
}


SIMULATED_FREE = Template(N_("simulated: free"))
PROBES_UNPRICED = Template(N_("{unknown} of {count} probes have no price yet: {why}"), texts=("why",))
PROBES_PRICED = Template(N_("{count} probes at the doc's prices; the invalid-size probe is refused, and refusals "
                            "cost 0"))


# A check's short name as a picker or a table shows it: in English the name itself, which `easel scorecard
# --checks` takes; in other languages its word (尺寸 for sizes). API parameter names stay as they are.
CHECK_LABELS = {
    "sizes": N_("sizes"), "n": "n", "output_format": "output_format", "output_compression": "output_compression",
    "background": N_("background"), "mask": N_("mask"), "errors": N_("errors"), "cost": N_("cost"),
    "revised_prompt": "revised_prompt", "latency": N_("latency"),
}


def check_label(name: str) -> str:
    return _(CHECK_LABELS[name]) if name in CHECK_LABELS else name


def check_title(name: str) -> str:
    return _(CHECK_TITLES[name]) if name in CHECK_TITLES else name


PROMPT = "A red bicycle leaning on a blue wall, flat colours"
SOURCE_SIZE = (1024, 1024)
MASK_BOX = (256, 256, 768, 768)        # the transparent (repaint) square of the mask; the rest must be kept
COMPRESSIONS = (20, 90)
N_PROBE = 2


@dataclass
class Probe:
    key: str                    # "size:1024x1536", "n", "format:jpeg", "compression:20", "invalid_size", ...
    request: ImageRequest
    check: bool = True          # False: sent without Easel's validation (the invalid-size probe)
    expect: dict = field(default_factory=dict)   # what the judge needs beside the request (expected pixels, ...)


def select_checks(names: list[str] | str | None) -> list[str]:
    """The asked checks in suite order; None or empty means all. An unknown name is refused, naming the known."""
    if names is None:
        return list(CHECKS)
    if isinstance(names, str):
        names = [n for n in (x.strip() for x in names.split(",")) if n]
    if not names:
        return list(CHECKS)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ValidationError(_("Unknown scorecard check(s): {unknown}. Known: {known}.").format(
            unknown=", ".join(unknown), known=", ".join(CHECKS)), code="unknown_check")
    return [c for c in CHECKS if c in names]


@lru_cache(maxsize=1)
def source_png() -> bytes:
    """The edit probes' source: a gradient with a grid, so any change outside the mask shows in the numbers."""
    w, h = SOURCE_SIZE
    img = Image.new("RGB", (w, h))
    img.putdata([(x * 255 // (w - 1), y * 255 // (h - 1), 128) for y in range(h) for x in range(w)])
    draw = ImageDraw.Draw(img)
    for i in range(0, w, 64):
        draw.line([(i, 0), (i, h)], fill=(255, 255, 255), width=3)
        draw.line([(0, i), (w, i)], fill=(0, 0, 0), width=3)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@lru_cache(maxsize=1)
def mask_png() -> bytes:
    """Opaque (keep) everywhere but the MASK_BOX square, which is transparent (repaint)."""
    mask = Image.new("RGBA", SOURCE_SIZE, (0, 0, 0, 255))
    ImageDraw.Draw(mask).rectangle([MASK_BOX[0], MASK_BOX[1], MASK_BOX[2] - 1, MASK_BOX[3] - 1], fill=(0, 0, 0, 0))
    out = io.BytesIO()
    mask.save(out, "PNG")
    return out.getvalue()


def _where(profile: Profile, extra: str) -> str | None:
    """'generation' or 'edit' where the doc takes `extra`, None where it does not (the check is n/a)."""
    if extra in profile.allowed_extras(edit=False):
        return "generation"
    if extra in profile.allowed_extras(edit=True):
        return "edit"
    return None


def _square(profile: Profile) -> str:
    return "1:1" if profile.size_mode == "ratio" else "1024x1024"


def _request(profile: Profile, *, edit: bool = False, **kw) -> ImageRequest:
    kw.setdefault("size", _square(profile))
    kw.setdefault("quality", "low")
    images = [ImageInput.from_bytes(source_png(), "source.png")] if edit else []
    return ImageRequest(prompt=PROMPT, images=images, edit=edit, **kw)


def size_probes(profile: Profile) -> list[Probe]:
    """One probe per size shape the doc lists, at its 1K tier (reading: "every size" is every shape; the 2K/4K
    tiers are the same shapes scaled, and at 1K the suite stays cheap). QCode: its three fixed sizes."""
    out = []
    if profile.size_mode == "ratio":
        for ratio in profile.sizes:
            if ratio == "auto":
                continue
            res = profile.resolutions[0] if profile.resolutions else "1k"
            out.append(Probe(f"size:{ratio}", _request(profile, size=ratio, resolution=res),
                             expect={"pixels": sizes.ratio_pixels(ratio, res)}))
    elif profile.size_mode == "fixed":
        for s in profile.sizes:
            out.append(Probe(f"size:{s}", _request(profile, size=s), expect={"pixels": sizes.parse_pixels(s)}))
    else:
        for presets in sizes.OPENAI_HK_PRESETS.values():
            s = sizes.format_pixels(presets["1k"])
            out.append(Probe(f"size:{s}", _request(profile, size=s), expect={"pixels": presets["1k"]}))
    return out


def plan(profile: Profile, checks: list[str]) -> list[Probe]:
    """The probes the asked checks need on this provider, each once, in a fixed order."""
    want: dict[str, Probe] = {}

    def add(probe: Probe) -> None:
        want.setdefault(probe.key, probe)

    if "sizes" in checks:
        for p in size_probes(profile):
            add(p)
    if {"n", "cost", "revised_prompt", "latency"} & set(checks):
        # icodeeasy reports a cost only on its async tasks (the sync answer is bare URLs), so the cost probe
        # runs as a task there.
        add(Probe("n", _request(profile, n=min(N_PROBE, profile.n_max), async_=profile.async_mode == "optional"),
                  expect={"n": min(N_PROBE, profile.n_max)}))
    where = _where(profile, "output_format")
    if "output_format" in checks and where:
        for fmt in ("jpeg", "webp"):
            add(Probe(f"format:{fmt}", _request(profile, edit=where == "edit", extras={"output_format": fmt}),
                      expect={"format": fmt}))
    if "output_compression" in checks and _where(profile, "output_compression") and where:
        edit = "edit" in (where, _where(profile, "output_compression"))
        for level in COMPRESSIONS:
            add(Probe(f"compression:{level}", _request(profile, edit=edit, extras={
                "output_format": "jpeg", "output_compression": level}), expect={"compression": level}))
    bg_where = _where(profile, "background")
    if "background" in checks and bg_where and profile.id not in doc_facts.NO_TRANSPARENCY:
        extras = {"background": "transparent"}
        if where:
            extras["output_format"] = "png"
        add(Probe("transparent", _request(profile, edit=bg_where == "edit" or where == "edit", extras=extras)))
    if "mask" in checks and profile.mask:
        extras = {"output_format": "png"} if where else {}
        size = sizes.format_pixels(SOURCE_SIZE) if profile.size_mode != "ratio" else "1:1"
        add(Probe("mask", _request(profile, edit=True, size=size, extras=extras,
                                   mask=ImageInput.from_bytes(mask_png(), "mask.png"))))
    if "errors" in checks:
        add(Probe("invalid_size", _request(profile, size=doc_facts.invalid_size_fact(profile).size), check=False))
    if "latency" in checks and profile.id in doc_facts.LATENCY_TABLE:
        for quality in doc_facts.LATENCY_TABLE[profile.id]:
            if quality != "low":
                add(Probe(f"quality:{quality}", _request(profile, quality=quality)))
    return list(want.values())


def suite_cost(profile: Profile, probes: list[Probe], *, history: list | None = None) -> Money:
    """The whole suite's price before it runs: pricing.estimate per probe, summed. Free on the Demo (and any
    simulated provider); an invalid-size probe is refused by the doc, and failures cost 0. `history`: gccai's
    past costs (store.cost_history), its only price source."""
    if profile.simulated:
        return Money(0.0, profile.currency, SIMULATED_FREE())
    total, unknown = Decimal(0), 0
    currency = profile.currency
    priced = [p for p in probes if p.check]
    for p in priced:
        est = pricing.estimate(profile, p.request, history=history)
        currency = est.currency
        if est.amount is None:
            unknown += 1
        else:
            total += Decimal(str(est.amount))
    if unknown:
        return Money(None, currency, PROBES_UNPRICED(unknown=unknown, count=len(priced), why=pricing.GCCAI_NO_PRICE))
    return Money(float(total), currency, PROBES_PRICED(count=len(priced)))
