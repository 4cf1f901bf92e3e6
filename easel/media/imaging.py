"""Image bytes in and out: safe opening, sizes, thumbnails, format conversion with metadata.

Every image Easel touches (uploads and results) is opened here, behind a pixel cap, so a decompression
bomb or a corrupt file becomes a clear error instead of a frozen session.
"""

from __future__ import annotations

import io
import json
import warnings

from PIL import Image, PngImagePlugin, UnidentifiedImageError

from easel.core.errors import EaselError, ResponseError, UploadError
from easel.core.mime import sniff_mime

__all__ = ["MAX_PIXELS", "open_image", "image_size", "thumbnail", "convert", "to_png", "FORMATS"]

# Twice the largest output any provider documents (8,294,400 px, easel.providers.sizes.MAX_PIXELS): room for odd
# inputs, far from a bomb. Written out because media sits below the provider layer; a unit test keeps the two agreed.
MAX_PIXELS = 2 * 8_294_400
FORMATS = {"png": ("PNG", "image/png"), "jpeg": ("JPEG", "image/jpeg"), "webp": ("WEBP", "image/webp")}
_SECRET_WORDS = ("key", "secret", "authorization", "password", "bearer")


def _fail(what: str, message: str, code: str) -> EaselError:
    cls = UploadError if what == "upload" else ResponseError
    noun = "uploaded file" if what == "upload" else f"{what} image"
    return cls(f"The {noun} {message}", code=code)


def _open_lazy(data: bytes, what: str) -> Image.Image:
    if not data:
        raise _fail(what, "is empty.", "empty_image")
    if sniff_mime(data) is None:
        raise _fail(what, "is not a PNG, JPEG or WebP image.", "unsupported_image_type")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _fail(what, f"is over the safety cap of {MAX_PIXELS:,} pixels; it was not opened.",
                    "decompression_bomb") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _fail(what, "is corrupt or not a readable PNG, JPEG or WebP image.", "corrupt_image") from None
    w, h = img.size
    if w <= 0 or h <= 0 or w * h > MAX_PIXELS:
        raise _fail(what, f"is {w}×{h} = {w * h:,} pixels, over the safety cap of {MAX_PIXELS:,}; it was not opened.",
                    "decompression_bomb")
    return img


def open_image(data: bytes, *, what: str = "upload") -> Image.Image:
    """A fully decoded image. `what` is "upload" (→ UploadError) or "result"/anything (→ ResponseError)."""
    img = _open_lazy(data, what)
    try:
        img.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _fail(what, "is corrupt or truncated and could not be decoded.", "corrupt_image") from None
    return img


def megabytes(n: int) -> str:
    """Binary megabytes, as the providers' limits are (25 MB = 25 × 2^20 bytes)."""
    return f"{n / 2**20:.1f}".removesuffix(".0") + " MB"


def check_upload(data: bytes, name: str, profile) -> tuple[str, Image.Image]:
    """One uploaded file against the provider's documented limits: type from its bytes (never its name), the
    per-file size cap, and Pillow's pixel cap. Returns (mime, decoded image); raises UploadError naming the rule."""
    mime = sniff_mime(data)
    if mime is None:
        raise UploadError(f"{name} is not a PNG, JPEG or WebP image (checked from its bytes, not its name).",
                          code="unsupported_image_type")
    if len(data) > profile.max_upload_bytes:
        raise UploadError(f"{name} is {megabytes(len(data))}; {profile.label} takes at most {megabytes(profile.max_upload_bytes)} "
                          f"per file ({profile.doc or 'its doc'}). Save it smaller (JPEG or WebP) and upload again.",
                          code="image_too_large")
    return mime, open_image(data)


def image_size(data: bytes, *, what: str = "upload") -> tuple[int, int]:
    """(width, height) from the header alone, behind the same cap."""
    return _open_lazy(data, what).size


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
    """Metadata as text, without anything whose name suggests a credential."""
    safe: dict[str, str] = {}
    for name, value in (metadata or {}).items():
        if value is None or any(word in str(name).lower() for word in _SECRET_WORDS):
            continue
        safe[str(name)] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return safe


def convert(data: bytes, fmt: str, metadata: dict | None = None, *, quality: int = 92) -> bytes:
    """The image as PNG, JPEG or WebP. PNG carries each metadata item as a tEXt/iTXt chunk (prompt, params);
    JPEG and WebP carry them as one JSON document in EXIF ImageDescription. Never a key."""
    fmt = fmt.lower().replace("jpg", "jpeg")
    if fmt not in FORMATS:
        raise UploadError(f"Format must be one of {', '.join(FORMATS)}; got {fmt}.", code="unsupported_format")
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
        exif[0x010E] = json.dumps(meta, ensure_ascii=False)      # ImageDescription
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
