"""Product pictures: checking uploads, re-encoding them, and the URLs pages use.

An upload is recognised by its content (Pillow, restricted to JPEG, PNG and
WebP), never by its name or the browser's content type. Its size in bytes and
in pixels is checked *before* the pixels are decoded, so a decompression bomb
never reaches memory. Every picture is then re-encoded: the original bytes are
never stored or served, which strips metadata (GPS position in phone photos)
and defeats polyglot files. The result is a square WebP in three widths under a
random name in ``MEDIA_DIR/products/``: squares keep the product grid even and
let pages give exact ``width``/``height`` and ``srcset`` without storing sizes.
"""
from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.core.db import db
from portal.core.models import Product, ProductImage

WIDTHS = (320, 640, 1200)
MAX_PIXELS = 40_000_000
DEFAULT_MAX_BYTES = 7 * 1024 * 1024  # under the request limit (MAX_CONTENT_LENGTH, 8 MB)
MAX_IMAGES_PER_PRODUCT = 8
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
BACKGROUND = (255, 255, 255)
WEBP_QUALITY = 80


class MediaError(ValueError):
    """An upload we refuse; ``str(error)`` is a message for the person who sent it."""


def products_dir() -> Path:
    folder = Path(current_app.config["MEDIA_DIR"]) / "products"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def max_upload_bytes() -> int:
    return int(current_app.config.get("MAX_IMAGE_BYTES") or DEFAULT_MAX_BYTES)


def variant_name(base: str, width: int) -> str:
    return f"{base}-{width}.webp"


# ---------------------------------------------------------------------------
# checking and re-encoding
# ---------------------------------------------------------------------------


def read_upload(stream, max_bytes: int | None = None) -> bytes:
    """Read at most ``max_bytes`` (+1 to notice an oversize file) from an upload stream."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    data = stream.read(limit + 1)
    if not data:
        raise MediaError(_l("The file is empty."))
    if len(data) > limit:
        raise MediaError(_l("The picture is larger than %(mb)s MB.", mb=round(limit / 1024 / 1024, 1)))
    return data


def open_image(data: bytes) -> Image.Image:
    """Decode ``data`` as a JPEG, PNG or WebP picture of at most ``MAX_PIXELS``.

    :raises MediaError: for any other file, a damaged picture, or one too large.
    """
    try:
        # Pillow warns (and past twice its limit refuses) inside Image.open when
        # the header announces a huge picture; we treat both as a refusal. The
        # filter only touches Pillow's own warning category.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaError(_l("The picture has too many pixels (at most 40 megapixels).")) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise MediaError(_l("Only JPEG, PNG and WebP pictures can be uploaded.")) from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise MediaError(_l("The picture has too many pixels (at most 40 megapixels)."))
    try:
        if image.format in ("JPEG", "MPO"):  # MPO: the multi-picture JPEG some phones write
            # Decode big phone photos at a reduced scale: less memory, same result.
            image.draft(None, (max(WIDTHS), max(WIDTHS)))
        image.seek(0)  # animated PNG/WebP: the first frame only
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError):
        raise MediaError(_l("The picture is damaged and cannot be read.")) from None
    return image


def _square(image: Image.Image, size: int) -> Image.Image:
    """The picture, turned upright and flattened, fitted into a ``size`` square."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    return ImageOps.pad(image, (size, size), method=Image.Resampling.LANCZOS, color=BACKGROUND)


def write_variants(image: Image.Image, folder: Path | None = None, effort: int = 4) -> str:
    """Write the WebP widths of ``image`` under a fresh random name; return that base name.

    With ``folder`` given it touches neither the app nor the database, so the
    demo loader can run it in worker threads. ``effort`` is WebP's ``method``
    (0-6): 4 squeezes photos well; 2 is about three times faster for the demo's
    flat drawings at a few per cent more bytes.
    """
    folder = products_dir() if folder is None else folder
    base = secrets.token_hex(12)
    largest = _square(image, max(WIDTHS))
    written = []
    try:
        for width in sorted(WIDTHS, reverse=True):
            variant = largest if width == largest.width else largest.resize(
                (width, width), Image.Resampling.LANCZOS, reducing_gap=3.0)
            path = folder / variant_name(base, width)
            # Write beside and rename, so a half-written file is never served.
            tmp = path.with_suffix(".tmp")
            variant.save(tmp, "WEBP", quality=WEBP_QUALITY, method=effort)
            tmp.replace(path)
            written.append(path)
    except Exception:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return base


def remove_files(base: str):
    folder = products_dir()
    for width in WIDTHS:
        (folder / variant_name(base, width)).unlink(missing_ok=True)


# ---------------------------------------------------------------------------
# product images
# ---------------------------------------------------------------------------


def _next_position(product: Product) -> int:
    last = (
        ProductImage.select(ProductImage.position)
        .where(ProductImage.product == product)
        .order_by(ProductImage.position.desc())
        .first()
    )
    return 0 if last is None else last.position + 1


def add_image_record(product: Product, base: str, alt: str = "", position: int | None = None) -> ProductImage:
    """Store the row for files already written by ``write_variants`` (files removed if it fails)."""
    try:
        with db.atomic():
            if position is None:
                position = _next_position(product)
            return ProductImage.create(product=product, filename=base, alt=alt[:200], position=position)
    except Exception:
        remove_files(base)
        raise


def save_upload(product: Product, stream, alt: str = "") -> ProductImage:
    """Check, re-encode and attach an uploaded picture to ``product``.

    :param stream: a file-like object (``werkzeug.datastructures.FileStorage``).
    :raises MediaError: with a message for the uploader.
    """
    if ProductImage.select().where(ProductImage.product == product).count() >= MAX_IMAGES_PER_PRODUCT:
        raise MediaError(_l("A product can have at most %(n)s pictures.", n=MAX_IMAGES_PER_PRODUCT))
    image = open_image(read_upload(stream))
    return add_image_record(product, write_variants(image), alt)


def save_pil_image(product: Product, image: Image.Image, alt: str = "", position: int | None = None) -> ProductImage:
    """Attach a picture made in code (the demo data) to ``product``."""
    return add_image_record(product, write_variants(image), alt, position)


def delete_image(image: ProductImage):
    """Remove the row, then the files (a crash in between leaves only unused files)."""
    base = image.filename
    image.delete_instance()
    remove_files(base)


def move_image(image: ProductImage, step: int):
    """Swap ``image`` with its neighbour (``step`` -1 = earlier, +1 = later); positions renumbered."""
    with db.atomic():
        images = list(
            ProductImage.select()
            .where(ProductImage.product == image.product_id)
            .order_by(ProductImage.position, ProductImage.id)
        )
        index = next(i for i, other in enumerate(images) if other.id == image.id)
        target = index + step
        if 0 <= target < len(images):
            images[index], images[target] = images[target], images[index]
        for position, other in enumerate(images):
            if other.position != position:
                ProductImage.update(position=position).where(ProductImage.id == other.id).execute()


def image_sources(image: ProductImage, default_width: int = 640) -> dict:
    """What an ``<img>`` needs: ``src``, ``srcset``, ``width``, ``height`` and the ``large`` URL."""
    def url(width):
        return url_for("platform.product_media", filename=variant_name(image.filename, width))

    return {
        "src": url(default_width),
        "srcset": ", ".join(f"{url(w)} {w}w" for w in WIDTHS),
        "width": default_width,
        "height": default_width,
        "large": url(max(WIDTHS)),
        "alt": image.alt,
    }
