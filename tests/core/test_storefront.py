"""The shop's public pages: home, catalogue, search, pagination, category, product, profile."""
from __future__ import annotations

import logging
import re
import secrets

import pytest
from PIL import Image

from portal.core import media
from portal.core.catalogue import MAX_PAGE, PER_PAGE, parse_page, parse_rupiah, slugify
from portal.core.models import Category, Product, ProductImage

EN = {"Accept-Language": "en"}


def _picture(colour=(120, 70, 30)):
    return Image.new("RGB", (400, 300), colour)


def _image_row(product, alt=""):
    """A picture row without encoding files: enough for pages that only print URLs."""
    position = ProductImage.select().where(ProductImage.product == product).count()
    return ProductImage.create(product=product, filename=secrets.token_hex(12), alt=alt, position=position)


@pytest.fixture
def catalogue(shop):
    """Two categories and a handful of products in the ``workshop`` shop."""
    shop.tagline = "Handmade leather shoes"
    shop.story = "We started in 1987.\n\nEvery pair is stitched by hand."
    shop.address = "Jl. Cibaduyut Raya No. 1"
    shop.postal_code = "40236"
    shop.opening_hours = "Mon-Fri 08.00-17.00\nSat 08.00-14.00"
    shop.phone = "+62225401234"
    shop.whatsapp = "0812-2000-1001"
    shop.email = "hello@workshop.test"
    shop.save()
    boots = Category.create(shop=shop, name="Boots", slug="boots", position=0)
    sandals = Category.create(shop=shop, name="Sandals", slug="sandals", position=1)
    Category.create(shop=shop, name="Empty", slug="empty", position=2)
    products = {
        "chelsea": Product.create(shop=shop, category=boots, name="Chelsea Boots", slug="chelsea-boots",
                                  description="Elastic sides, cognac leather.", price=1250000, stock=None,
                                  made_to_order=True, lead_time_days=14),
        "chukka": Product.create(shop=shop, category=boots, name="Chukka Boots", slug="chukka-boots",
                                 description="Ankle height.", price=780000, stock=3),
        "slide": Product.create(shop=shop, category=sandals, name="Leather Slide", slug="leather-slide",
                                description="One wide strap.", price=185000, stock=0),
        "hidden": Product.create(shop=shop, category=sandals, name="Hidden Sandal", slug="hidden-sandal",
                                 price=99000, stock=5, is_active=False),
    }
    _image_row(products["chelsea"], alt="Chelsea boots from the side")
    _image_row(products["chelsea"], alt="Chelsea boots from above")
    _image_row(products["chukka"])
    return products


def _text(response):
    return response.get_data(as_text=True)


# ---------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------


def test_home_shows_hero_categories_and_newest_products(client, catalogue):
    page = client.get("/s/workshop/", headers=EN)
    body = _text(page)
    assert page.status_code == 200
    assert "Test Workshop" in body and "Handmade leather shoes" in body and "Bandung" in body
    assert "made by hand for you" in body  # the made-to-order explanation
    assert 'href="/s/workshop/c/boots"' in body and 'href="/s/workshop/c/sandals"' in body
    assert "/s/workshop/c/empty" not in body  # no chip for a category without products
    assert "Chelsea Boots" in body and "Chukka Boots" in body and "Leather Slide" in body
    assert "Hidden Sandal" not in body
    assert "Rp1.250.000" in body


def test_product_cards_have_sized_lazy_images(client, catalogue):
    for n in range(6):
        product = Product.create(shop=catalogue["chelsea"].shop, name=f"Extra {n}", slug=f"extra-{n}",
                                 price=100000, stock=9)
        _image_row(product)
    body = _text(client.get("/s/workshop/products", headers=EN))
    images = re.findall(r"<img [^>]*>", body)
    # six extras, the chukka and the chelsea have pictures; the slide shows a placeholder
    assert len(images) == 8
    assert all('width="320" height="320"' in img and "srcset=" in img and "sizes=" in img for img in images)
    # the first row is on screen at once; everything after it loads lazily
    assert [('loading="lazy"' in img) for img in images] == [False] * 4 + [True] * 4
    assert 'aria-label="No picture yet"' in body


def test_catalogue_lists_active_products_only(client, catalogue):
    body = _text(client.get("/s/workshop/products", headers=EN))
    for name in ("Chelsea Boots", "Chukka Boots", "Leather Slide"):
        assert name in body
    assert "Hidden Sandal" not in body
    assert "3 left" in body and "Sold out" in body and "Made to order" in body


def test_category_page_filters_and_marks_its_chip(client, catalogue):
    page = client.get("/s/workshop/c/boots", headers=EN)
    body = _text(page)
    assert page.status_code == 200
    assert "<h1>Boots</h1>" in body
    assert "Chelsea Boots" in body and "Chukka Boots" in body and "Leather Slide" not in body
    assert re.search(r'href="/s/workshop/c/boots"[^>]*aria-current="true"', body)


def test_product_detail(client, catalogue):
    page = client.get("/s/workshop/p/chelsea-boots", headers=EN)
    body = _text(page)
    assert page.status_code == 200
    assert "<h1>Chelsea Boots</h1>" in body
    assert "Rp1.250.000" in body
    assert "Made to order — ready in 14 days" in body
    assert "Elastic sides, cognac leather." in body
    # breadcrumbs to the shop, the catalogue and the category
    assert 'href="/s/workshop/c/boots"' in body and 'href="/s/workshop/products"' in body
    # a gallery with every size in srcset, exact dimensions, and alt text
    assert body.count('srcset="') == 2
    assert re.search(r'srcset="/media/products/\w+-320\.webp 320w, /media/products/\w+-640\.webp 640w, '
                     r'/media/products/\w+-1200\.webp 1200w"', body)
    assert 'width="640" height="640"' in body
    assert 'alt="Chelsea boots from the side"' in body
    assert 'id="buy-box"' in body


def test_product_detail_stock_wording(client, catalogue):
    assert "3 left" in _text(client.get("/s/workshop/p/chukka-boots", headers=EN))
    assert "Sold out" in _text(client.get("/s/workshop/p/leather-slide", headers=EN))


def test_product_images_are_served(client, catalogue):
    media.save_pil_image(catalogue["slide"], _picture())
    body = _text(client.get("/s/workshop/p/leather-slide", headers=EN))
    src = re.search(r'<img src="(/media/products/[^"]+)"', body).group(1)
    with client.get(src) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/webp"
        assert response.data[:4] == b"RIFF" and response.data[8:12] == b"WEBP"


def test_profile_page(client, catalogue):
    page = client.get("/s/workshop/profile", headers=EN)
    body = _text(page)
    assert page.status_code == 200
    assert "We started in 1987." in body and "Every pair is stitched by hand." in body
    assert "Jl. Cibaduyut Raya No. 1</span><br>Bandung 40236" in body
    assert "Sat 08.00-14.00" in body
    assert "<strong>BCA</strong> <code>1234567890</code>" in body and "Account holder: Test Workshop" in body
    assert 'href="https://wa.me/6281220001001"' in body
    assert 'href="tel:+62225401234"' in body and 'href="mailto:hello@workshop.test"' in body


def test_storefront_is_indonesian_by_default(client, catalogue):
    body = _text(client.get("/s/workshop/p/chukka-boots"))
    assert '<html lang="id">' in body


@pytest.mark.parametrize("url", [
    "/s/workshop/p/hidden-sandal",  # inactive
    "/s/workshop/p/no-such-product",
    "/s/workshop/c/no-such-category",
    "/s/no-such-shop/",
    "/s/no-such-shop/products",
    "/s/no-such-shop/p/chelsea-boots",
])
def test_unknown_or_inactive_answers_the_404_page(client, catalogue, url):
    page = client.get(url, headers=EN)
    assert page.status_code == 404
    assert "Page not found" in _text(page)


def test_another_shops_product_is_not_reachable_through_this_shop(client, catalogue, other_shop):
    Product.create(shop=other_shop, name="Other Bag", slug="other-bag", price=100000, stock=1)
    assert client.get("/s/workshop/p/other-bag").status_code == 404
    assert client.get("/s/othershop/p/other-bag").status_code == 200
    assert "Chelsea Boots" not in _text(client.get("/s/othershop/products"))


def test_shop_without_products_still_renders(client, shop):
    for url in ("/s/workshop/", "/s/workshop/products", "/s/workshop/profile"):
        assert client.get(url).status_code == 200


# ---------------------------------------------------------------------------
# search and sorting
# ---------------------------------------------------------------------------


def _names(body):
    return re.findall(r"<h3>(.*?)</h3>", body)


def test_search_matches_name_and_description_case_insensitively(client, catalogue):
    assert _names(_text(client.get("/s/workshop/products?q=BOOTS"))) == ["Chukka Boots", "Chelsea Boots"]
    assert _names(_text(client.get("/s/workshop/products?q=cognac"))) == ["Chelsea Boots"]
    assert _names(_text(client.get("/s/workshop/products?q=ankle+boots"))) == ["Chukka Boots"]
    body = _text(client.get("/s/workshop/products?q=nothing-like-this", headers=EN))
    assert _names(body) == [] and "No products match your search." in body


def test_search_keeps_the_category(client, catalogue):
    assert _names(_text(client.get("/s/workshop/c/sandals?q=strap"))) == ["Leather Slide"]
    assert _names(_text(client.get("/s/workshop/c/boots?q=strap"))) == []


def test_search_treats_wildcards_literally(client, shop):
    for name, slug in (("Diskon 100% Kulit", "diskon"), ("Sepatu_Anak", "anak"), ("Sepatu Kids", "kids"),
                       ("Back\\slash", "backslash")):
        Product.create(shop=shop, name=name, slug=slug, price=100000, stock=1)
    assert _names(_text(client.get("/s/workshop/products?q=%25"))) == ["Diskon 100% Kulit"]
    assert _names(_text(client.get("/s/workshop/products?q=_"))) == ["Sepatu_Anak"]
    assert _names(_text(client.get("/s/workshop/products?q=Sepatu_"))) == ["Sepatu_Anak"]
    assert _names(_text(client.get("/s/workshop/products?q=%5C"))) == ["Back\\slash"]


def test_sorting_by_price(client, catalogue):
    low = _names(_text(client.get("/s/workshop/products?sort=price_asc")))
    high = _names(_text(client.get("/s/workshop/products?sort=price_desc")))
    assert low == ["Leather Slide", "Chukka Boots", "Chelsea Boots"]
    assert high == list(reversed(low))
    # an unknown sort falls back to newest instead of failing
    assert client.get("/s/workshop/products?sort=DROP TABLE").status_code == 200


def test_hostile_text_is_escaped(client, shop):
    Product.create(shop=shop, name="<script>alert(1)</script>", slug="evil",
                   description='" onmouseover="alert(2)', price=100000, stock=1)
    for url in ("/s/workshop/", "/s/workshop/products", "/s/workshop/p/evil",
                "/s/workshop/products?q=%3Cscript%3E"):
        body = _text(client.get(url))
        assert "<script>alert(1)</script>" not in body
        assert '" onmouseover="alert(2)' not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _text(client.get("/s/workshop/p/evil"))
    assert "&#34; onmouseover=&#34;alert(2)" in _text(client.get("/s/workshop/p/evil"))


# ---------------------------------------------------------------------------
# pagination and HTMX
# ---------------------------------------------------------------------------


@pytest.fixture
def many_products(shop):
    for n in range(PER_PAGE + 6):
        Product.create(shop=shop, name=f"Shoe {n:02d}", slug=f"shoe-{n:02d}", price=100000 + n, stock=5)


def test_pagination_has_next_and_previous(client, many_products):
    first = _text(client.get("/s/workshop/products?sort=price_asc", headers=EN))
    assert len(_names(first)) == PER_PAGE
    assert 'href="/s/workshop/products?sort=price_asc&amp;page=2"' in first and 'rel="next"' in first
    assert 'rel="prev"' not in first
    second = _text(client.get("/s/workshop/products?sort=price_asc&page=2", headers=EN))
    assert _names(second) == [f"Shoe {n:02d}" for n in range(PER_PAGE, PER_PAGE + 6)]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert 'href="/s/workshop/products?sort=price_asc"' in second  # page 1 without ?page=1


@pytest.mark.parametrize("junk", ["0", "-1", "abc", "", "1e9", "%00"])
def test_silly_page_numbers_give_the_first_page(client, many_products, junk):
    page = client.get(f"/s/workshop/products?page={junk}", headers=EN)
    assert page.status_code == 200
    assert len(_names(_text(page))) == PER_PAGE
    assert "Page 1" in _text(page)


def test_huge_page_number_is_clamped(client, many_products):
    page = client.get("/s/workshop/products?page=99999", headers=EN)
    body = _text(page)
    assert page.status_code == 200
    assert f"Page {MAX_PAGE}" in body
    assert _names(body) == []
    assert "There are no more products on this page." in body


def test_parse_page():
    assert [parse_page(v) for v in (None, "", "x", "0", "-5", "3", " 7 ", "99999")] == [1, 1, 1, 1, 1, 3, 7, MAX_PAGE]


def test_htmx_request_gets_the_fragment_only(client, catalogue):
    full = client.get("/s/workshop/products?q=boots")
    fragment = client.hx_get("/s/workshop/products?q=boots")
    assert "<html" in _text(full) and 'id="catalogue"' in _text(full)
    assert fragment.status_code == 200
    assert "<html" not in _text(fragment) and "<body" not in _text(fragment)
    assert _text(fragment).lstrip().startswith('<div id="catalogue">')
    assert _names(_text(fragment)) == ["Chukka Boots", "Chelsea Boots"]
    assert "HX-Request" in fragment.headers.get("Vary", "")
    assert "HX-Request" in full.headers.get("Vary", "")


def test_boosted_and_history_restore_requests_get_the_full_page(client, catalogue):
    boosted = client.get("/s/workshop/products", headers={"HX-Request": "true", "HX-Boosted": "true"})
    restore = client.get("/s/workshop/products",
                         headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in _text(boosted) and "<html" in _text(restore)


def test_filters_work_without_javascript(client, catalogue):
    body = _text(client.get("/s/workshop/products"))
    form = re.search(r'<form class="search-form catalogue-filters"[^>]*>', body).group(0)
    assert 'method="get"' in form and 'action="/s/workshop/products"' in form
    assert 'hx-get="/s/workshop/products"' in form and 'hx-push-url="true"' in form
    chip = re.search(r'<a href="/s/workshop/c/boots"[^>]*>', body).group(0)
    assert 'hx-get="/s/workshop/c/boots"' in chip and 'hx-indicator="#catalogue-spinner"' in chip


def test_queries_per_page_do_not_grow_with_products(portal_app, client, shop, caplog):
    def count_selects(url):
        # Count a real render: an anonymous page served from the page cache runs none.
        portal_app.extensions["portal_page_cache"].clear()
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="peewee"):
            assert client.get(url).status_code == 200
        return sum(1 for r in caplog.records if r.name == "peewee" and "SELECT" in str(r.msg))

    product = Product.create(shop=shop, name="Only one", slug="only-one", price=1000, stock=1)
    _image_row(product)
    few = count_selects("/s/workshop/products")
    for n in range(20):
        product = Product.create(shop=shop, name=f"More {n}", slug=f"more-{n}", price=1000, stock=1)
        _image_row(product)
        _image_row(product)
    many = count_selects("/s/workshop/products")
    assert many == few
    home_few = count_selects("/s/workshop/")
    assert home_few == count_selects("/s/workshop/")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def test_parse_rupiah():
    assert parse_rupiah("1.250.000") == 1250000
    assert parse_rupiah("1250000") == 1250000
    assert parse_rupiah("Rp1.250.000") == 1250000
    assert parse_rupiah("Rp 1.250.000,-") == 1250000
    assert parse_rupiah(" 150.000 ") == 150000
    for bad in ("", "abc", "1.25", "12,5", "1.2500.000", "-5", "1e6", "1.250.000,50"):
        assert parse_rupiah(bad) is None, bad


def test_slugify():
    assert slugify("Sepatu Kulit Cibaduyut") == "sepatu-kulit-cibaduyut"
    assert slugify("  Café  Ñandú -- 100% ") == "cafe-nandu-100"
    assert slugify("<script>") == "script"
    assert slugify("!!!") == ""
