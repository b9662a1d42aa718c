"""Uploaded images, judged by their content: format, size in pixels, thumbnails, no metadata.

The name and content type a client sends are never trusted: Pillow opens the
bytes with only the allowed decoders, the pixel count is checked from the
header before anything is decoded (decompression bombs), and the original is
re-encoded so EXIF (GPS position, camera serial...) never reaches the public.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError

#: Pillow format name -> (content type, file extension).
ALLOWED_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
                   "WEBP": ("image/webp", "webp"), "GIF": ("image/gif", "gif")}
#: Largest image accepted, in pixels (all frames of an animation together): 40 MP, e.g. 8000 x 5000.
MAX_PIXELS = 40_000_000
#: Thumbnails fit in squares of these sides (never upscaled), encoded as WebP.
THUMBNAIL_SIZES = (160, 480)
THUMBNAIL_CONTENT_TYPE = "image/webp"
THUMBNAIL_EXTENSION = "webp"


class ImageRejected(Exception):
    """The upload cannot be accepted as an image; ``reason`` says why, for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAnImage(ImageRejected):
    """Not a readable JPEG, PNG, WebP or GIF image (whatever its name or content type)."""


class TooManyPixels(ImageRejected):
    """An image whose decoded size would exceed ``MAX_PIXELS``."""


@dataclass(frozen=True)
class Thumbnail:
    size: int
    content: bytes
    width: int
    height: int
    content_type: str = THUMBNAIL_CONTENT_TYPE
    extension: str = THUMBNAIL_EXTENSION


@dataclass(frozen=True)
class ProcessedImage:
    """The image as it will be stored: re-encoded original without metadata, and its thumbnails."""

    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    thumbnails: list[Thumbnail] = field(default_factory=list)


def process(content: bytes, *, max_pixels: int = MAX_PIXELS) -> ProcessedImage:
    """Check ``content`` is an allowed image, then strip its metadata and make its thumbnails."""
    image = _open(content, max_pixels)
    fmt = image.format
    content_type, extension = ALLOWED_FORMATS[fmt]
    animated = getattr(image, "is_animated", False)
    if not animated:
        image = ImageOps.exif_transpose(image)  # the orientation tag goes with the rest of EXIF
    thumbnails = [_thumbnail(image, size) for size in THUMBNAIL_SIZES]  # before saving moves to the last frame
    original = _encode_original(image, fmt, animated)
    return ProcessedImage(content=original, content_type=content_type, extension=extension, width=image.width,
                          height=image.height, thumbnails=thumbnails)


def _open(content: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=list(ALLOWED_FORMATS))
            frames = getattr(image, "n_frames", 1)
            if image.width * image.height * frames > max_pixels:
                raise TooManyPixels(f"the image has more than {max_pixels} pixels")
            image.load()  # decodes everything: a truncated or corrupt file fails here
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooManyPixels(f"the image has more than {max_pixels} pixels") from None
    except UnidentifiedImageError:
        raise NotAnImage("the file is not a JPEG, PNG, WebP or GIF image") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise NotAnImage(f"the image cannot be decoded ({type(error).__name__})") from None
    return image


def _encode_original(image: Image.Image, fmt: str, animated: bool) -> bytes:
    """Re-encode without EXIF, XMP or text chunks; only the ICC profile (colours) is kept."""
    out = io.BytesIO()
    options: dict = {}
    if image.info.get("icc_profile") and fmt != "GIF":
        options["icc_profile"] = image.info["icc_profile"]
    if fmt == "JPEG":
        image = image.convert("RGB") if image.mode not in {"RGB", "L", "CMYK"} else image
        options.update(quality=90, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=90)
    if animated:
        options.update(save_all=True, loop=image.info.get("loop", 0), duration=image.info.get("duration", 100))
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _thumbnail(image: Image.Image, size: int) -> Thumbnail:
    copy = image.copy()  # the first frame of an animation
    copy = copy.convert("RGBA" if _has_alpha(copy) else "RGB")
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="WEBP", quality=82, method=4)
    return Thumbnail(size=size, content=out.getvalue(), width=copy.width, height=copy.height)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info)
