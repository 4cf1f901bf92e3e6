"""Image bytes in and out: safe opening, sizes, thumbnails, format conversion with metadata.

Every image Easel touches (uploads and results) is opened here, behind a pixel cap, so a decompression
bomb or a corrupt file becomes a clear error instead of a frozen session.
"""

from __future__ import annotations

import io
import json
import math
import warnings
from dataclasses import dataclass

from PIL import Image, PngImagePlugin, UnidentifiedImageError

from easel.core import png_text
from easel.core.errors import EaselError, ResponseError, Message, UploadError
from easel.core.i18n import N_
from easel.core.mime import sniff_mime

__all__ = ["MAX_PIXELS", "DOWNSCALE_MAX_PIXELS", "open_image", "image_size", "upload_type", "check_upload", "thumbnail",
           "convert", "to_png", "FORMATS", "fit_within", "Downscaled", "downscale"]

# Twice the largest output any provider documents (8,294,400 px, easel.providers.sizes.MAX_PIXELS): room for odd
# inputs, far from a bomb. Written out because media sits below the provider layer; a unit test keeps the two agreed.
MAX_PIXELS = 2 * 8_294_400
# An image over MAX_PIXELS is not opened for use, but one up to this size may be decoded once to shrink it
# (a 48 MP phone photo is 8000×6000); beyond it a file is refused outright, whatever it claims to be.
DOWNSCALE_MAX_PIXELS = 4 * MAX_PIXELS
FORMATS = {"png": ("PNG", "image/png"), "jpeg": ("JPEG", "image/jpeg"), "webp": ("WEBP", "image/webp")}


# Each failure as a whole sentence per subject, so each translates as one (see easel.core.errors).
_FAILURES = {
    "upload": {
        "empty": N_("The uploaded file is empty."),
        "type": N_("The uploaded file is not a PNG, JPEG or WebP image."),
        "bomb_header": N_("The uploaded file is over the safety cap of {cap} pixels{note}; it was not opened."),
        "bomb": N_("The uploaded file is {width}×{height} = {pixels} pixels, over the safety cap of {cap}{note}; "
                   "it was not opened."),
        "corrupt": N_("The uploaded file is corrupt or not a readable PNG, JPEG or WebP image."),
        "truncated": N_("The uploaded file is corrupt or truncated and could not be decoded."),
        "too_big": N_("The uploaded file could not be made smaller than {size}."),
    },
    "result": {
        "empty": N_("The result image is empty."),
        "type": N_("The result image is not a PNG, JPEG or WebP image."),
        "bomb_header": N_("The result image is over the safety cap of {cap} pixels{note}; it was not opened."),
        "bomb": N_("The result image is {width}×{height} = {pixels} pixels, over the safety cap of {cap}{note}; "
                   "it was not opened."),
        "corrupt": N_("The result image is corrupt or not a readable PNG, JPEG or WebP image."),
        "truncated": N_("The result image is corrupt or truncated and could not be decoded."),
        "too_big": N_("The result image could not be made smaller than {size}."),
    },
    "stored": {
        "empty": N_("The stored image is empty."),
        "type": N_("The stored image is not a PNG, JPEG or WebP image."),
        "bomb_header": N_("The stored image is over the safety cap of {cap} pixels{note}; it was not opened."),
        "bomb": N_("The stored image is {width}×{height} = {pixels} pixels, over the safety cap of {cap}{note}; "
                   "it was not opened."),
        "corrupt": N_("The stored image is corrupt or not a readable PNG, JPEG or WebP image."),
        "truncated": N_("The stored image is corrupt or truncated and could not be decoded."),
        "too_big": N_("The stored image could not be made smaller than {size}."),
    },
}
_DOWNSCALE_NOTE = N_(" (the cap for opening an image to downscale it)")


def _fail(what: str, failure: str, code: str, **params) -> EaselError:
    cls = UploadError if what == "upload" else ResponseError
    return cls(_FAILURES.get(what, _FAILURES["result"])[failure], params, code=code)


def _cap_note(cap: int) -> Message | str:
    return "" if cap == MAX_PIXELS else Message(_DOWNSCALE_NOTE)


def _open_lazy(data: bytes, what: str, cap: int = MAX_PIXELS) -> Image.Image:
    if not data:
        raise _fail(what, "empty", "empty_image")
    if sniff_mime(data) is None:
        raise _fail(what, "type", "unsupported_image_type")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _fail(what, "bomb_header", "decompression_bomb", cap=f"{cap:,}", note=_cap_note(cap)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _fail(what, "corrupt", "corrupt_image") from None
    w, h = img.size
    if w <= 0 or h <= 0 or w * h > cap:
        raise _fail(what, "bomb", "decompression_bomb", width=w, height=h, pixels=f"{w * h:,}", cap=f"{cap:,}",
                    note=_cap_note(cap))
    return img


def open_image(data: bytes, *, what: str = "upload") -> Image.Image:
    """A fully decoded image. `what` is "upload" (→ UploadError) or "result"/anything (→ ResponseError)."""
    img = _open_lazy(data, what)
    try:
        img.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _fail(what, "truncated", "corrupt_image") from None
    return img


def megabytes(n: int) -> str:
    """Binary megabytes, as the providers' limits are (25 MB = 25 × 2^20 bytes)."""
    return f"{n / 2**20:.1f}".removesuffix(".0") + " MB"


def upload_type(data: bytes, name: str) -> str:
    """The upload's type from its bytes (never its name); raises UploadError naming the file otherwise."""
    mime = sniff_mime(data)
    if mime is None:
        raise UploadError(N_("{name} is not a PNG, JPEG or WebP image (checked from its bytes, not its name)."),
                          dict(name=name), code="unsupported_image_type")
    return mime


def check_upload(data: bytes, name: str, profile) -> tuple[str, Image.Image]:
    """One uploaded file against the provider's documented limits: type from its bytes (never its name), the
    per-file size cap, and Pillow's pixel cap. Returns (mime, decoded image); raises UploadError naming the rule."""
    mime = upload_type(data, name)
    if len(data) > profile.max_upload_bytes:
        raise UploadError(N_("{name} is {size}; {label} takes at most {max} per file. Save it smaller (JPEG or "
                             "WebP) and upload again."),
                          dict(name=name, size=megabytes(len(data)), label=profile.label,
                               max=megabytes(profile.max_upload_bytes)), code="image_too_large")
    return mime, open_image(data)


def image_size(data: bytes, *, what: str = "upload", cap: int = MAX_PIXELS) -> tuple[int, int]:
    """(width, height) from the header alone, behind the same cap (or `cap`, e.g. DOWNSCALE_MAX_PIXELS)."""
    return _open_lazy(data, what, cap).size


def _rgb(img: Image.Image, background=(255, 255, 255)) -> Image.Image:
    """Flatten transparency onto white for formats without alpha (JPEG)."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        base = Image.new("RGB", rgba.size, background)
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return img.convert("RGB")


def _rgb_or_rgba(img: Image.Image) -> Image.Image:
    if img.mode in ("RGB", "RGBA"):
        return img
    has_alpha = img.mode in ("LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    return img.convert("RGBA" if has_alpha else "RGB")


def _has_alpha(img: Image.Image) -> bool:
    """Whether any pixel is see-through: an RGBA result that is fully opaque can be a JPEG."""
    if img.mode != "RGBA":
        return False
    lo, _ = img.getchannel("A").getextrema()
    return lo < 255


def thumbnail(data: bytes, max_side: int = 384, *, quality: int = 80) -> bytes:
    """A JPEG no larger than max_side on its longest side (never enlarged); a PNG when the image has
    transparency. Streamlit's st.image passes JPEG/PNG/GIF bytes through as they are and re-encodes anything
    else (WebP) on every script run, so a thumbnail is stored in the format the browser will be sent."""
    img = _rgb_or_rgba(open_image(data, what="stored"))
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if _has_alpha(img):
        img.save(out, "PNG", optimize=True)
    else:
        img.convert("RGB").save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _safe_metadata(metadata: dict | None) -> dict[str, str]:
    """Metadata as text, without anything whose name suggests a credential (key, token, fingerprint, url…) or
    whose value is a URL: png_text's filter, the one every written setting passes."""
    safe: dict[str, str] = {}
    for name, value in png_text.safe_settings(metadata or {}).items():
        safe[str(name)] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return safe


def convert(data: bytes, fmt: str, metadata: dict | None = None, *, quality: int = 92) -> bytes:
    """The image as PNG, JPEG or WebP. PNG carries each metadata item as a tEXt/iTXt chunk (prompt, params);
    JPEG and WebP carry them as one JSON document in EXIF ImageDescription, and an A1111 `parameters` text also
    in EXIF UserComment, where A1111 writes it. Never a key."""
    fmt = fmt.lower().replace("jpg", "jpeg")
    if fmt not in FORMATS:
        raise UploadError(N_("Format must be one of {formats}; got {format}."),
                          dict(formats=", ".join(FORMATS), format=fmt), code="unsupported_format")
    img = open_image(data, what="stored")
    meta = _safe_metadata(metadata)
    out = io.BytesIO()
    if fmt == "png":
        info = PngImagePlugin.PngInfo()
        for name, value in meta.items():
            # tEXt is Latin-1 only; iTXt carries the rest (a Chinese prompt) in UTF-8.
            try:
                value.encode("latin-1")
                info.add_text(name, value)
            except UnicodeEncodeError:
                info.add_itxt(name, value)
        _rgb_or_rgba(img).save(out, "PNG", pnginfo=info)
        return out.getvalue()
    exif = Image.Exif()
    if meta:
        # ImageDescription is ASCII in EXIF: JSON's \u escapes carry a Chinese prompt through it intact.
        exif[0x010E] = json.dumps(meta, ensure_ascii=True)
    if meta.get(png_text.A1111_CHUNK):
        # UserComment: an 8-byte charset tag, then the text; "UNICODE" in big-endian UTF-16, as A1111 (piexif) writes.
        exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + meta[png_text.A1111_CHUNK].encode("utf-16-be")
    if fmt == "jpeg":
        _rgb(img).save(out, "JPEG", quality=quality, exif=exif.tobytes())
    else:
        _rgb_or_rgba(img).save(out, "WEBP", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def to_png(data: bytes, *, what: str = "upload") -> bytes:
    """Any accepted image as PNG (masks and uploads that must travel as PNG)."""
    if sniff_mime(data) == "image/png":
        open_image(data, what=what)
        return data
    img = _rgb_or_rgba(open_image(data, what=what))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def fit_within(width: int, height: int, *, max_side: int, max_pixels: int) -> tuple[int, int]:
    """The largest size with the same aspect ratio whose longest side is ≤ max_side and whose area is
    ≤ max_pixels; the size itself when it already fits (never enlarged). Each side is rounded down, so the
    result is always within both limits: 7680×4320 → 3840×2160 for (3840, 8,294,400)."""
    if width <= 0 or height <= 0:
        raise ValueError(f"not an image size: {width}×{height}")
    s = min(1.0, max_side / max(width, height), math.sqrt(max_pixels / (width * height)))
    if s >= 1.0:
        return width, height
    w, h = max(1, math.floor(width * s)), max(1, math.floor(height * s))
    while w * h > max_pixels:           # float error on an exact boundary: give up one more pixel row
        w, h = (w - 1, h) if w / h > width / height else (w, h - 1)
    return w, h


@dataclass(frozen=True)
class Downscaled:
    """A shrunken copy made by `downscale`: its bytes, type and size, and the original's size."""

    data: bytes
    mime: str
    width: int
    height: int
    original: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


def _encode(img: Image.Image, fmt: str, quality: int) -> bytes:
    out = io.BytesIO()
    if fmt == "PNG":
        img.save(out, "PNG")
    elif fmt == "JPEG":
        _rgb(img).save(out, "JPEG", quality=quality, optimize=True)
    else:
        img.save(out, "WEBP", quality=quality)
    return out.getvalue()


def downscale(data: bytes, *, max_side: int, max_pixels: int, max_bytes: int | None = None,
              what: str = "upload") -> Downscaled:
    """The image shrunk to fit the limits, aspect ratio kept (`fit_within`), in its own format where it can.

    Unlike `open_image` this decodes images over MAX_PIXELS, up to DOWNSCALE_MAX_PIXELS, because shrinking them
    is the point; JPEGs are decoded at a reduced scale straight away. With `max_bytes`, a copy still too heavy
    is re-encoded (JPEG, or WebP where it has transparency) and then shrunk by steps until it fits.
    Raises UploadError (ResponseError unless `what` is "upload") naming the rule for an unreadable file or one
    over DOWNSCALE_MAX_PIXELS."""
    mime = sniff_mime(data)
    img = _open_lazy(data, what, DOWNSCALE_MAX_PIXELS)
    original = img.size
    target = fit_within(*original, max_side=max_side, max_pixels=max_pixels)
    try:
        if img.format == "JPEG":
            img.draft("RGB", target)           # decode at 1/2, 1/4 or 1/8 scale when that is still ≥ target
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _fail(what, "truncated", "corrupt_image") from None
    img = _rgb_or_rgba(img)
    fmt = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}[mime]
    for _ in range(12):
        small = img if img.size == target else img.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = _encode(small, fmt, 90)
        if max_bytes is None or len(out) <= max_bytes:
            break
        if fmt == "PNG":                # lossless is what made it heavy: go lossy before losing pixels
            fmt = "WEBP" if _has_alpha(small) else "JPEG"
            continue
        target = (max(1, math.floor(target[0] * 0.85)), max(1, math.floor(target[1] * 0.85)))
    else:
        raise _fail(what, "too_big", "image_too_large", size=megabytes(max_bytes or 0))
    return Downscaled(out, FORMATS[fmt.lower()][1], small.width, small.height, original)
