"""Misbehaviour switches: what real providers have been seen to do against their own docs.

Each is a fault kind (state.FAULT_KINDS) aimed at a submit endpoint, so a test arms it like any fault
(`{"kind": "wrong_size", "times": 1}`) and the conformance scorecard must catch it:
- `wrong_size`: the image comes back at other pixels than asked (half each side, kept on the 16-px grid);
- `ignore_format`: PNG bytes whatever `output_format` asked, still labelled as the asked format (the URL's
  extension, the file's Content-Type, openai-hk's data-URL prefix), so only the bytes' magic gives it away;
- `mask_bleed`: an edit with a mask also repaints outside the mask (the kept area is brightened by 60 levels).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KINDS", "Behaviour", "decide", "wrong_pixels"]

KINDS = ("wrong_size", "ignore_format", "mask_bleed")


@dataclass(frozen=True)
class Behaviour:
    """What one submit actually renders: its pixels, the format of its bytes, and whether the mask leaks."""

    size: tuple[int, int]
    byte_format: str
    bleed: bool = False


def wrong_pixels(wh: tuple[int, int]) -> tuple[int, int]:
    w, h = wh
    return max(16, w // 32 * 16), max(16, h // 32 * 16)


def decide(ctx, wh: tuple[int, int], fmt: str, *, mask=None) -> Behaviour:
    """The faithful behaviour, unless a switch armed for this provider fires on this request."""
    size = wrong_pixels(wh) if ctx.take("wrong_size") else wh
    byte_format = "png" if fmt != "png" and ctx.take("ignore_format") else fmt
    bleed = mask is not None and ctx.take("mask_bleed") is not None
    return Behaviour(size, byte_format, bleed)
