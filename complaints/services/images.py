"""Photos from a phone's camera: checked by decoding them, shrunk, turned upright, stripped.

A photo taken on an estate carries its GPS position, the phone's make and the time in its
EXIF block, and is often 4000 px wide and several MB. What is stored is a re-encoded copy:
the longest side at most :data:`FULL_SIDE` px, EXIF orientation applied to the pixels, and
no metadata except the colour profile; plus a small JPEG thumbnail for the complaint page.

Only the formats Pillow decodes everywhere are processed (JPEG, PNG, WEBP; a GIF keeps its
frames and only gets a thumbnail). HEIC is stored as received, as before.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FULL_SIDE = 1600
THUMB_SIDE = 320
JPEG_QUALITY = 85
# content type → Pillow's format name, for the images that are decoded and re-encoded
REENCODED = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
DECODED = {*REENCODED, "image/gif"}
# Refuse pictures whose pixel count would take a server's memory (a "decompression bomb");
# a 48-megapixel phone camera is well under this.
MAX_PIXELS = 80_000_000


@dataclass
class Prepared:
    """What to store for one photo: the file (``None``: keep the upload) and a thumbnail."""

    file: ContentFile | None
    thumbnail: ContentFile


def _unreadable(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is not a readable picture (damaged or not really an image)."),
        code="file_content",
        params={"name": name},
    )


def _open(upload, name: str) -> Image.Image:
    """Decode the whole picture (a truncated or fake file fails here), at most at the
    resolution needed: JPEG decodes straight to a smaller scale."""
    upload.seek(0)
    data = io.BytesIO(upload.read())  # Pillow closes what it reads; the upload stays open
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(data)
            if image.width * image.height > MAX_PIXELS:
                raise _unreadable(name)
            if image.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when enough
                scale = FULL_SIDE / max(image.size)
                image.draft(
                    "RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale))
                )
            image.load()
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise _unreadable(name) from exc
    return image


def check(upload, content_type: str) -> None:
    """Raise ``ValidationError`` unless an upload said to be a picture decodes as one."""
    if content_type in DECODED:
        _open(upload, getattr(upload, "name", "") or "").close()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white (for JPEG), whatever the mode: palette, greyscale with alpha, CMYK, 16 bit."""
    if image.mode == "RGB":
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _encode(image: Image.Image, fmt: str, icc: bytes | None) -> bytes:
    buffer = io.BytesIO()
    options: dict = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, **options)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=JPEG_QUALITY, **options)
    else:
        image.save(buffer, fmt, optimize=True, **options)
    return buffer.getvalue()


def prepare(upload, content_type: str) -> Prepared | None:
    """The files to store for a picture, or ``None`` for what is not decoded here."""
    if content_type not in DECODED:
        return None
    name = getattr(upload, "name", "") or ""
    image = _open(upload, name)
    try:
        return _shrink(image, name, content_type)
    except (OSError, ValueError, SyntaxError) as exc:  # odd modes, broken EXIF
        raise _unreadable(name) from exc
    finally:
        image.close()


def _shrink(image: Image.Image, name: str, content_type: str) -> Prepared:
    stem = PurePath(name).stem or "photo"
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    full = None
    if content_type in REENCODED:
        fmt = REENCODED[content_type]
        if fmt == "JPEG":
            picture = _flatten(upright)
        else:
            has_alpha = "A" in upright.getbands() or "transparency" in upright.info
            picture = upright.convert("RGBA" if has_alpha else "RGB")
        picture.thumbnail((FULL_SIDE, FULL_SIDE), Image.Resampling.LANCZOS)
        picture.info = {}  # nothing of the original's metadata travels along
        suffix = PurePath(name).suffix.lower() or ".jpg"
        full = ContentFile(_encode(picture, fmt, icc), name=f"{stem}{suffix}")
    small = _flatten(upright)
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    small.info = {}
    thumbnail = ContentFile(_encode(small, "JPEG", icc), name=f"{stem}-thumb.jpg")
    return Prepared(file=full, thumbnail=thumbnail)
