"""Shared helpers for the payment tests: orders waiting for payment, proof files good and hostile."""
from __future__ import annotations

import io
import itertools
import struct
import zlib

from flask import current_app
from orders_testkit import make_product, place
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.core import payments
from portal.core.models import User
from portal.core.orders import Order

EN = {"Accept-Language": "en"}
_names = itertools.count(1)


def owner():
    return User.get(User.email == "owner@shop.test")


def placed_order(shop, customer=None, price=450_000, quantity=1, stock=5, **contact):
    """A placed order of one fresh product (its stock taken by the real checkout service).

    Placement runs as in a request (it renders labels in the visitor's language);
    ``process_response`` then runs the after-request hooks, which hand the
    deferred mail jobs to the queue just as a real checkout does.
    """
    product = make_product(shop, name=f"Pantofel {next(_names)}", price=price, stock=stock)
    app = current_app._get_current_object()
    with app.test_request_context(headers={"Accept-Language": contact.pop("lang", "id")}):
        order = place(shop, [(product, quantity)], customer=customer, **contact)
        app.process_response(app.response_class())
    return order, product


def awaiting_order(shop, customer=None, price=450_000, quantity=1, locale=None, **contact):
    """An order confirmed by the owner: it has its unique amount and deadline.

    :param locale: the customer's language for the order's e-mails (the default is Indonesian).
    """
    order, _product = placed_order(shop, customer=customer, price=price, quantity=quantity, **contact)
    if locale:
        Order.update(locale=locale).where(Order.id == order.id).execute()
        order = Order.get_by_id(order.id)
    return payments.confirm_order(order, owner(), "owner")


def order_url(order, *parts):
    return "/".join([f"/s/{order.shop.slug}/orders/{order.number}", *parts])


def guest_client(app, order):
    """A browser that opened the guest link (``?t=``) of ``order``."""
    from portal.testing import make_client

    client = make_client(app)
    assert client.get(f"{order_url(order)}?t={order.access_token}", headers=EN).status_code == 200
    return client


def multipart(files: dict, fields: dict | None = None) -> tuple[bytes, str]:
    """A multipart body built in memory (the test client spools big ones to a file it never closes)."""
    values = {**(fields or {}),
              **{name: FileStorage(io.BytesIO(data), filename=filename) for name, (data, filename) in files.items()}}
    boundary, body = encode_multipart(values)
    return body, f"multipart/form-data; boundary={boundary}"


def upload(client, order, data: bytes, filename: str, headers=None, **fields):
    body, content_type = multipart({"proof": (data, filename)}, fields)
    return client.post(order_url(order, "proof"), data=body, content_type=content_type, headers={**EN, **(headers or {})})


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------


def png_bytes(size=(60, 40), color=(200, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(80, 60), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (30, 90, 160))
    if exif is not None:
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "S", 2: (6.0, 54.0, 0.0), 3: "E", 4: (107.0, 36.0, 0.0)}  # GPS: Bandung
    return jpeg_bytes(exif=exif.tobytes())


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def huge_png_header(width=30000, height=30000) -> bytes:
    """A valid PNG signature and header announcing ``width`` × ``height`` pixels, with a tiny body."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + _chunk(b"IEND", b""))


def png_html_polyglot() -> bytes:
    """A real PNG with an HTML page in a text chunk (a browser sniffing it would run the script)."""
    good = png_bytes()
    html = _chunk(b"tEXt", b"Comment\x00<html><body><script>alert(document.cookie)</script></body></html>")
    # Insert before IEND (the last 12 bytes).
    return good[:-12] + html + good[-12:]


def pdf_bytes(extra_objects: list[bytes] | None = None, catalog_extra: bytes = b"") -> bytes:
    """A small well-formed PDF (one empty page), optionally with more objects and catalogue keys."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        *(extra_objects or []),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def pdf_with_compressed_javascript() -> bytes:
    """JavaScript hidden in a Flate-compressed object stream (it does not show in the raw bytes)."""
    hidden = zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(hidden) + hidden + b"\nendstream"
    return pdf_bytes(extra_objects=[stream])
