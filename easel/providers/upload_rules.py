"""The limits an input image must meet before Easel sends it anywhere: one rule set for the pages and the CLI.

`request.validate` applies them to every request (the Generate and Edit pages and `easel generate/edit` all
submit through it), and the pages' uploaders ask `upload_problem` first, so they can offer a one-click downscale
with the same sentence the CLI prints as its error. Each rule has a name, the error code:

- `image_too_large`: over the provider's per-file byte limit (`profile.max_upload_bytes`);
- `image_over_pixel_cap`: over Easel's cap for an image it opens (`easel.media.imaging.MAX_PIXELS`);
- `image_over_max_size`: larger than the largest image any provider documents (`sizes.MAX_SIDE` on a side,
  `sizes.MAX_PIXELS` in all: 3840×2160);
- `mask_size_mismatch`: a mask whose size is not the first image's. gccai's doc: "dimensions must match the first
  reference image"; OpenAI's edits take the same rule, and QCode and openai-hk follow OpenAI's.
"""

from __future__ import annotations

from dataclasses import dataclass

from easel.core.errors import UploadError, render_message
from easel.core.i18n import N_
from easel.media import imaging
from easel.providers import sizes

__all__ = ["Problem", "upload_problem", "check_image", "check_mask_size"]


@dataclass(frozen=True)
class Problem:
    code: str          # the rule's name
    msgid: str         # a sentence naming the file and the limit: an English message id …
    params: dict       # … and its fields (see easel.core.errors)

    @property
    def message(self) -> str:
        """The sentence in the current language."""
        return render_message(self.msgid, self.params)

    def error(self) -> UploadError:
        return UploadError(self.msgid, self.params, code=self.code)


def upload_problem(nbytes: int, name: str, profile, size: tuple[int, int]) -> Problem | None:
    """Which limit a file of `nbytes` bytes and `size` pixels breaks, or None."""
    if nbytes > profile.max_upload_bytes:
        return Problem("image_too_large", N_("{name} is {size}; {label} takes at most {max} per file."),
                       dict(name=name, size=imaging.megabytes(nbytes), label=profile.label,
                            max=imaging.megabytes(profile.max_upload_bytes)))
    w, h = size
    if w * h > imaging.MAX_PIXELS:
        return Problem("image_over_pixel_cap",
                       N_("{name} is {width}×{height} = {pixels} pixels, over Easel's safety cap of {cap} pixels for "
                          "an image it opens."),
                       dict(name=name, width=w, height=h, pixels=f"{w * h:,}", cap=f"{imaging.MAX_PIXELS:,}"))
    if max(w, h) > sizes.MAX_SIDE or w * h > sizes.MAX_PIXELS:
        return Problem("image_over_max_size",
                       N_("{name} is {width}×{height}, larger than the largest image the providers document: at most "
                          "{max_side} px on a side and {max_pixels} pixels ({max_side}×{max_short})."),
                       dict(name=name, width=w, height=h, max_side=sizes.MAX_SIDE,
                            max_pixels=f"{sizes.MAX_PIXELS:,}", max_short=sizes.MAX_PIXELS // sizes.MAX_SIDE))
    return None


def check_image(data: bytes, name: str, profile) -> tuple[int, int]:
    """An input image's size, read from its header; raises UploadError naming the rule it breaks.

    The byte limit is checked before the header is read, so a huge file is refused without being parsed, and a
    header over the downscale cap is refused as a decompression bomb (`imaging.image_size`)."""
    if len(data) > profile.max_upload_bytes:
        raise upload_problem(len(data), name, profile, (0, 0)).error()
    imaging.upload_type(data, name)
    size = imaging.image_size(data, cap=imaging.DOWNSCALE_MAX_PIXELS)
    problem = upload_problem(len(data), name, profile, size)
    if problem is not None:
        raise problem.error()
    return size


def check_mask_size(mask_size: tuple[int, int], image_size: tuple[int, int], *, mask_name: str | None = None,
                    image_name: str | None = None) -> None:
    """A mask must be exactly the first image's size; raises UploadError `mask_size_mismatch`. `mask_name` and
    `image_name` are the files' names, when known."""
    if tuple(mask_size) != tuple(image_size):
        sizes_ = dict(mask_w=mask_size[0], mask_h=mask_size[1], image_w=image_size[0], image_h=image_size[1])
        if mask_name and image_name:
            msgid = N_("The mask ({mask}) is {mask_w}×{mask_h}, but image 1 ({image}) is {image_w}×{image_h}: a "
                       "mask must be the size of the first image, pixel for pixel.")
        else:
            msgid = N_("The mask is {mask_w}×{mask_h}, but the first image is {image_w}×{image_h}: a mask must be "
                       "the size of the first image, pixel for pixel.")
        raise UploadError(msgid, dict(sizes_, mask=mask_name, image=image_name), code="mask_size_mismatch")
