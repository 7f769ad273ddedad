"""Product pictures: content detection, limits, re-encoding, files and URLs."""
from __future__ import annotations

import io
import struct
import tracemalloc
import zlib
from pathlib import Path

import pytest
from PIL import Image

from portal.core import media
from portal.core.models import Product, ProductImage


@pytest.fixture(autouse=True)
def english_request(portal_app):
    """Messages are translated per request; these tests read them in English."""
    with portal_app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def product(shop):
    return Product.create(shop=shop, name="Chelsea Boots", slug="chelsea-boots", price=950000, stock=2)


def _encoded(fmt: str, size=(800, 600), mode="RGB", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (150, 90, 40) if mode == "RGB" else (150, 90, 40, 128)).save(buffer, fmt, **save)
    return buffer.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that only *claims* a size: signature, IHDR and an empty IEND, no pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def _files(portal_app) -> list[Path]:
    folder = Path(portal_app.config["MEDIA_DIR"]) / "products"
    return sorted(folder.glob("*")) if folder.exists() else []


def test_png_upload_is_reencoded_to_square_webp_in_three_widths(portal_app, product):
    image = media.save_upload(product, io.BytesIO(_encoded("PNG")), alt="side view")
    assert ProductImage.select().where(ProductImage.product == product).count() == 1
    assert image.alt == "side view"
    files = _files(portal_app)
    assert [f.name for f in files] == sorted(media.variant_name(image.filename, w) for w in media.WIDTHS)
    for width in media.WIDTHS:
        with Image.open(Path(portal_app.config["MEDIA_DIR"]) / "products" / media.variant_name(image.filename, width)) as out:
            assert out.format == "WEBP"
            assert out.size == (width, width)
    assert not any(f.suffix == ".tmp" for f in files)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_jpeg_and_webp_are_accepted(product, fmt):
    assert media.save_upload(product, io.BytesIO(_encoded(fmt))).id


def test_transparent_png_is_flattened(portal_app, product):
    image = media.save_upload(product, io.BytesIO(_encoded("PNG", mode="RGBA")))
    path = Path(portal_app.config["MEDIA_DIR"]) / "products" / media.variant_name(image.filename, 320)
    with Image.open(path) as out:
        assert out.mode == "RGB"


def test_metadata_is_stripped(portal_app, product):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (6, 54, 0)}  # GPS latitude
    data = _encoded("JPEG", exif=exif.tobytes())
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif()  # the upload really carries EXIF
    image = media.save_upload(product, io.BytesIO(data))
    for width in media.WIDTHS:
        path = Path(portal_app.config["MEDIA_DIR"]) / "products" / media.variant_name(image.filename, width)
        raw = path.read_bytes()
        assert b"PhoneMaker" not in raw and b"EXIF" not in raw.upper()


def test_polyglot_payload_does_not_survive(portal_app, product):
    data = _encoded("PNG") + b"<html><script>alert(document.cookie)</script></html>"
    image = media.save_upload(product, io.BytesIO(data))
    for width in media.WIDTHS:
        raw = (Path(portal_app.config["MEDIA_DIR"]) / "products" / media.variant_name(image.filename, width)).read_bytes()
        assert b"<script" not in raw


@pytest.mark.parametrize("data", [
    b"<html><body><script>alert(1)</script></body></html>",  # HTML named .png
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"GIF89a" + b"\x00" * 64,
    b"%PDF-1.4\n",
])
def test_other_content_is_refused_whatever_its_name(portal_app, product, data):
    with pytest.raises(media.MediaError, match="Only JPEG, PNG and WebP"):
        media.save_upload(product, io.BytesIO(data))
    assert ProductImage.select().count() == 0
    assert _files(portal_app) == []


def test_gif_is_refused(product):
    with pytest.raises(media.MediaError, match="Only JPEG, PNG and WebP"):
        media.save_upload(product, io.BytesIO(_encoded("GIF")))


@pytest.mark.parametrize("size", [(30000, 30000), (10000, 10000), (7000, 7000), (40001, 1000)])
def test_huge_dimensions_are_refused_without_decoding(portal_app, product, size):
    """30000² is past Pillow's own bomb limit, 10000² in its warning band, 7000² past ours (40 MP)."""
    tracemalloc.start()
    try:
        with pytest.raises(media.MediaError, match="too many pixels"):
            media.save_upload(product, io.BytesIO(_png_header(*size)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024  # a decoded 30000x30000 picture would need 2.7 GB
    assert ProductImage.select().count() == 0
    assert _files(portal_app) == []


def test_damaged_picture_is_refused(product):
    data = _encoded("PNG", size=(600, 600))
    with pytest.raises(media.MediaError, match="damaged"):
        media.save_upload(product, io.BytesIO(data[: len(data) // 2]))


def test_empty_file_is_refused(product):
    with pytest.raises(media.MediaError, match="empty"):
        media.save_upload(product, io.BytesIO(b""))


@pytest.mark.parametrize("portal_config", [{"MAX_IMAGE_BYTES": 50_000}])
def test_files_over_the_size_limit_are_refused(product, portal_config):
    big = _encoded("PNG", size=(1500, 1500), compress_level=0)
    assert len(big) > 50_000
    with pytest.raises(media.MediaError, match="larger than"):
        media.save_upload(product, io.BytesIO(big))


def test_at_most_eight_pictures_per_product(product):
    for _ in range(media.MAX_IMAGES_PER_PRODUCT):
        media.save_upload(product, io.BytesIO(_encoded("PNG", size=(50, 50))))
    with pytest.raises(media.MediaError, match="at most 8"):
        media.save_upload(product, io.BytesIO(_encoded("PNG", size=(50, 50))))


def test_image_sources(product):
    image = media.save_pil_image(product, Image.new("RGB", (200, 200)), alt="front")
    sources = media.image_sources(image)
    base = f"/media/products/{image.filename}"
    assert sources["src"] == f"{base}-640.webp"
    assert sources["srcset"] == f"{base}-320.webp 320w, {base}-640.webp 640w, {base}-1200.webp 1200w"
    assert (sources["width"], sources["height"], sources["alt"]) == (640, 640, "front")
    assert media.image_sources(image, 320)["src"] == f"{base}-320.webp"


def test_generated_names_are_random_and_unguessable(product):
    names = {media.save_pil_image(product, Image.new("RGB", (60, 60))).filename for _ in range(3)}
    assert len(names) == 3
    assert all(len(n) == 24 and int(n, 16) >= 0 for n in names)


def test_delete_removes_row_and_files(portal_app, product):
    image = media.save_pil_image(product, Image.new("RGB", (60, 60)))
    assert len(_files(portal_app)) == 3
    media.delete_image(image)
    assert _files(portal_app) == []
    assert ProductImage.select().count() == 0


def test_move_image_reorders(product):
    a, b, c = (media.save_pil_image(product, Image.new("RGB", (60, 60))) for _ in range(3))

    def order():
        return [i.id for i in ProductImage.select().where(ProductImage.product == product)
                .order_by(ProductImage.position, ProductImage.id)]

    media.move_image(c, -1)
    assert order() == [a.id, c.id, b.id]
    media.move_image(a, -1)  # already first: nothing changes
    assert order() == [a.id, c.id, b.id]
    media.move_image(a, 1)
    assert order() == [c.id, a.id, b.id]


def test_media_files_are_served_with_long_cache(client, product):
    image = media.save_pil_image(product, Image.new("RGB", (60, 60)))
    with client.get(f"/media/products/{media.variant_name(image.filename, 320)}") as response:
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/media/products/../../secret_key").status_code == 404
