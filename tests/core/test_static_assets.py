"""Issue 10, light pages: hashed static names cached for a year, compressed responses, a light first load."""
from __future__ import annotations

import gzip
import re

import brotli
from flask import url_for
from orders_testkit import make_product

from portal.core import media
from portal.demo import demo_picture

BR = {"Accept-Encoding": "br, gzip"}


def test_static_urls_carry_a_content_hash(portal_app, client):
    with portal_app.test_request_context():
        url = url_for("static", filename="css/portal.css")
    assert re.fullmatch(r"/static/css/portal\.[0-9a-f]{10}\.css", url)
    response = client.get(url)
    response.close()
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    # The plain name still works, briefly cached; an outdated hash is a 404, never another version's file.
    plain = client.get("/static/css/portal.css")
    plain.close()
    assert plain.status_code == 200 and plain.cache_control.max_age == 300
    assert client.get("/static/css/portal.0123456789.css").status_code == 404


def test_static_text_is_sent_compressed_when_accepted(portal_app, client):
    with portal_app.test_request_context():
        url = url_for("static", filename="vendor/htmx-2.0.11/htmx.min.js")
    plain = client.get(url)
    raw = plain.get_data()
    plain.close()
    assert plain.headers.get("Content-Encoding") is None
    packed = client.get(url, headers=BR)
    assert packed.headers["Content-Encoding"] == "br" and "Accept-Encoding" in packed.headers["Vary"]
    assert brotli.decompress(packed.get_data()) == raw and len(packed.get_data()) < len(raw) / 2
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.get_data()) == raw


def test_pages_are_compressed(client, shop):
    response = client.get(f"/s/{shop.slug}/", headers=BR)
    assert response.headers["Content-Encoding"] == "br"
    assert "<html" in brotli.decompress(response.get_data()).decode()


def test_first_visit_to_the_storefront_stays_under_100_kb(client, shop):
    for n in range(12):
        product = make_product(shop, f"Pantofel {n}", stock=3)
        media.save_pil_image(product, demo_picture("pantofel", n), alt="depan")
    page = client.get(f"/s/{shop.slug}/", headers=BR)
    html = brotli.decompress(page.get_data()).decode()
    total = len(page.get_data())
    assets = re.findall(r'<(?:link rel="stylesheet"|script)[^>]*(?:href|src)="([^"]+)"', html)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    # Eager images load at once; lazy ones (below the fold) only when scrolled to.
    eager = [m for tag in re.findall(r"<img\b[^>]*>", html) if 'loading="lazy"' not in tag
             for m in re.findall(r'\bsrc="([^"]+)"', tag)]
    for url in assets + eager:
        response = client.get(url, headers=BR)
        assert response.status_code == 200, url
        total += len(response.get_data())
        response.close()
    assert total <= 100 * 1024, f"first load is {total} bytes"
