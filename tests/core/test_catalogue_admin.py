"""The catalogue back office: who may use it, products, pictures, categories, shop profile."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from portal.core.models import Category, Product, ProductImage, Shop

EN = {"Accept-Language": "en"}
BASE = "/s/workshop/manage/catalogue"


@pytest.fixture
def boots(shop):
    return Category.create(shop=shop, name="Boots", slug="boots")


@pytest.fixture
def product(shop, boots):
    return Product.create(shop=shop, category=boots, name="Chelsea Boots", slug="chelsea-boots",
                          description="Elastic sides.", price=950000, stock=2)


@pytest.fixture
def foreign_product(other_shop):
    return Product.create(shop=other_shop, name="Other Bag", slug="other-bag", price=100000, stock=1)


def _png(size=(300, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 70, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _text(response):
    return response.get_data(as_text=True)


def _product_form(**overrides):
    data = {"name": "Boots Kulit", "slug": "", "category": "0", "description": "", "price": "1.250.000",
            "availability": "stock", "stock": "4", "lead_time_days": "", "weight_grams": "1000",
            "is_active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------------------
# who may use it
# ---------------------------------------------------------------------------

STAFF_PAGES = ["/", "/products/new", "/products/{product}", "/categories", "/categories/{category}"]


def _url(path, product, boots):
    return BASE + path.format(product=product.id, category=boots.id)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_owner_and_staff_may_manage_the_catalogue(owner_client, staff_client, product, boots, path):
    assert owner_client.get(_url(path, product, boots)).status_code == 200
    assert staff_client.get(_url(path, product, boots)).status_code == 200


@pytest.mark.parametrize("path", STAFF_PAGES + ["/profile"])
@pytest.mark.parametrize("who", ["customer_client", "supplier_client", "courier_client", "other_owner_client"])
def test_others_are_refused(request, product, boots, path, who):
    assert request.getfixturevalue(who).get(_url(path, product, boots)).status_code == 403


@pytest.mark.parametrize("path", STAFF_PAGES + ["/profile"])
def test_anonymous_is_sent_to_log_in(client, product, boots, path):
    response = client.get(_url(path, product, boots))
    assert response.status_code in (302, 303)
    assert "/login?next=" in response.headers["Location"]


def test_only_the_owner_edits_the_shop_profile(owner_client, staff_client, shop):
    assert owner_client.get(f"{BASE}/profile").status_code == 200
    assert staff_client.get(f"{BASE}/profile").status_code == 403
    response = staff_client.post(f"{BASE}/profile", data={"name": "Taken Over", "order_prefix": "XXX"})
    assert response.status_code == 403
    assert Shop.get_by_id(shop.id).name == "Test Workshop"


def test_profile_link_only_for_the_owner(owner_client, staff_client, shop):
    assert f'href="{BASE}/profile"' in _text(owner_client.get(f"{BASE}/"))
    assert f'href="{BASE}/profile"' not in _text(staff_client.get(f"{BASE}/"))


@pytest.mark.parametrize("who", ["customer_client", "other_owner_client", "client"])
def test_others_cannot_write(request, product, boots, who):
    c = request.getfixturevalue(who)
    expected = (302, 303) if who == "client" else (403,)
    assert c.post(f"{BASE}/products/new", data=_product_form(name="Intruder")).status_code in expected
    assert c.post(f"{BASE}/products/{product.id}", data=_product_form(name="Renamed")).status_code in expected
    assert c.post(f"{BASE}/categories", data={"name": "Intruders"}).status_code in expected
    assert c.post(f"{BASE}/categories/{boots.id}/delete", data={"move_products": "y"}).status_code in expected
    assert c.post(f"{BASE}/products/{product.id}/images",
                  data={"picture": (io.BytesIO(_png()), "a.png")}).status_code in expected
    assert not Product.select().where(Product.name.in_(["Intruder", "Renamed"])).exists()
    assert not Category.select().where(Category.name == "Intruders").exists()
    assert Category.get_or_none(Category.id == boots.id) is not None
    assert ProductImage.select().count() == 0


def test_another_shops_objects_answer_404(owner_client, foreign_product, other_shop):
    foreign_category = Category.create(shop=other_shop, name="Bags", slug="bags")
    assert owner_client.get(f"{BASE}/products/{foreign_product.id}").status_code == 404
    assert owner_client.post(f"{BASE}/products/{foreign_product.id}", data=_product_form()).status_code == 404
    assert owner_client.post(f"{BASE}/products/{foreign_product.id}/images",
                             data={"picture": (io.BytesIO(_png()), "a.png")}).status_code == 404
    assert owner_client.get(f"{BASE}/categories/{foreign_category.id}").status_code == 404
    assert owner_client.post(f"{BASE}/categories/{foreign_category.id}/delete",
                             data={"move_products": "y"}).status_code == 404
    assert Product.get_by_id(foreign_product.id).name == "Other Bag"
    assert Category.get_or_none(Category.id == foreign_category.id) is not None


def test_a_foreign_category_cannot_be_assigned(owner_client, shop, other_shop):
    foreign_category = Category.create(shop=other_shop, name="Bags", slug="bags")
    response = owner_client.post(f"{BASE}/products/new", data=_product_form(category=str(foreign_category.id)),
                                 headers=EN)
    assert response.status_code == 200
    assert "Not a valid choice" in _text(response)
    assert not Product.select().where(Product.shop == shop).exists()


# ---------------------------------------------------------------------------
# products
# ---------------------------------------------------------------------------


def test_create_product_with_indonesian_price_and_auto_slug(owner_client, shop, boots):
    response = owner_client.post(f"{BASE}/products/new", data=_product_form(category=str(boots.id)))
    assert response.status_code == 303
    product = Product.get(Product.shop == shop)
    assert response.headers["Location"].endswith(f"{BASE}/products/{product.id}")
    assert (product.name, product.slug, product.price, product.stock, product.made_to_order) == (
        "Boots Kulit", "boots-kulit", 1250000, 4, False)
    assert product.category_id == boots.id and product.is_active
    # the same name again gets a slug of its own
    owner_client.post(f"{BASE}/products/new", data=_product_form(price="1250000"))
    assert sorted(p.slug for p in Product.select()) == ["boots-kulit", "boots-kulit-2"]


def test_made_to_order_product_has_no_stock(staff_client, shop):
    staff_client.post(f"{BASE}/products/new",
                      data=_product_form(availability="made_to_order", stock="7", lead_time_days="14"))
    product = Product.get(Product.shop == shop)
    assert product.made_to_order and product.stock is None and product.lead_time_days == 14


@pytest.mark.parametrize("overrides, field, message", [
    ({"price": "12,5"}, "price", "Enter a whole amount in Rupiah"),
    ({"price": "abc"}, "price", "Enter a whole amount in Rupiah"),
    ({"price": ""}, "price", "This field is required"),
    ({"name": ""}, "name", "This field is required"),
    ({"stock": ""}, "stock", "Enter how many are in stock"),
    ({"stock": "-1"}, "stock", "Number must be"),
    ({"availability": "made_to_order", "lead_time_days": ""}, "lead_time_days", "Enter how many days"),
    ({"slug": "Not A Slug!"}, "slug", "lower-case letters"),
    ({"name": "Bad\r\nName"}, "name", "Line breaks"),
])
def test_bad_product_input_is_shown_next_to_the_field_and_kept(owner_client, shop, overrides, field, message):
    response = owner_client.post(f"{BASE}/products/new", data=_product_form(**overrides), headers=EN)
    body = _text(response)
    assert response.status_code == 200
    error = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)</small>', body)
    assert error and message in error.group(1)
    assert not Product.select().where(Product.shop == shop).exists()
    typed = overrides.get("price")
    if typed:
        assert f'value="{typed}"' in body  # what was typed is kept


def test_taken_slug_is_refused(owner_client, product):
    response = owner_client.post(f"{BASE}/products/new", data=_product_form(slug="chelsea-boots"), headers=EN)
    assert "Another product already uses this web address." in _text(response)
    assert Product.select().count() == 1


def test_slug_may_repeat_across_shops(other_owner_client, product, other_shop):
    response = other_owner_client.post("/s/othershop/manage/catalogue/products/new",
                                       data=_product_form(slug="chelsea-boots"))
    assert response.status_code == 303
    assert Product.get(Product.shop == other_shop).slug == "chelsea-boots"


def test_edit_product(staff_client, product, boots):
    page = _text(staff_client.get(f"{BASE}/products/{product.id}"))
    assert 'value="950.000"' in page and 'value="Chelsea Boots"' in page
    response = staff_client.post(f"{BASE}/products/{product.id}", data=_product_form(
        name="Chelsea Boots Hitam", slug="chelsea-boots", price="975.000", category="0", is_active=None))
    assert response.status_code == 303
    product = Product.get_by_id(product.id)
    assert (product.name, product.price, product.category_id, product.is_active) == (
        "Chelsea Boots Hitam", 975000, None, False)


def test_product_list_search_and_htmx(owner_client, product, shop):
    Product.create(shop=shop, name="Sandal Jepit", slug="sandal", price=150000, stock=3, is_active=False)
    body = _text(owner_client.get(f"{BASE}/", headers=EN))
    assert "Chelsea Boots" in body and "Sandal Jepit" in body  # inactive ones are listed for the owner
    fragment = owner_client.hx_get(f"{BASE}/?q=sandal")
    assert "<html" not in _text(fragment) and "Sandal Jepit" in _text(fragment)
    assert "Chelsea Boots" not in _text(fragment)
    assert "HX-Request" in fragment.headers["Vary"]


def test_product_list_pagination(owner_client, shop):
    for n in range(35):
        Product.create(shop=shop, name=f"Shoe {n}", slug=f"shoe-{n}", price=1000, stock=1)
    first = _text(owner_client.get(f"{BASE}/", headers=EN))
    assert 'rel="next"' in first
    second = _text(owner_client.get(f"{BASE}/?page=2", headers=EN))
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert owner_client.get(f"{BASE}/?page=-3").status_code == 200


def test_hostile_product_text_is_escaped_in_the_back_office(owner_client, shop):
    owner_client.post(f"{BASE}/products/new", data=_product_form(
        name="<script>alert(1)</script>", description='" onmouseover="alert(2)'))
    product = Product.get(Product.shop == shop)
    assert product.name == "<script>alert(1)</script>"  # stored as typed ...
    for url in (f"{BASE}/", f"{BASE}/products/{product.id}"):
        body = _text(owner_client.get(url))
        assert "<script>alert(1)</script>" not in body  # ... and shown escaped
        assert '" onmouseover="alert(2)' not in body
    assert "&lt;script&gt;" in _text(owner_client.get(f"{BASE}/"))


# ---------------------------------------------------------------------------
# pictures
# ---------------------------------------------------------------------------


def test_upload_picture_without_javascript(owner_client, product):
    response = owner_client.post(f"{BASE}/products/{product.id}/images",
                                 data={"picture": (io.BytesIO(_png()), "boots.png"), "alt": "side"},
                                 content_type="multipart/form-data")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/products/{product.id}#pictures")
    image = ProductImage.get(ProductImage.product == product)
    assert image.alt == "side"
    assert f"{image.filename}-320.webp" in _text(owner_client.get(f"{BASE}/products/{product.id}"))


def test_upload_picture_with_htmx_returns_the_pictures_block(staff_client, product):
    response = staff_client.hx_post(f"{BASE}/products/{product.id}/images",
                                    data={"picture": (io.BytesIO(_png()), "boots.png")},
                                    content_type="multipart/form-data")
    body = _text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="pictures"')
    assert ProductImage.select().where(ProductImage.product == product).count() == 1


def test_text_file_named_png_is_refused_with_a_message(owner_client, product):
    response = owner_client.hx_post(f"{BASE}/products/{product.id}/images",
                                    data={"picture": (io.BytesIO(b"<html>hi</html>"), "photo.png")},
                                    content_type="multipart/form-data", headers=EN)
    assert response.status_code == 200
    assert "Only JPEG, PNG and WebP pictures can be uploaded." in _text(response)
    assert ProductImage.select().count() == 0


def test_upload_without_a_file_is_refused(owner_client, product):
    response = owner_client.hx_post(f"{BASE}/products/{product.id}/images", data={"alt": "x"},
                                    content_type="multipart/form-data", headers=EN)
    assert "Choose a picture to upload." in _text(response)


def test_remove_and_reorder_pictures(owner_client, product):
    for _ in range(2):
        owner_client.post(f"{BASE}/products/{product.id}/images",
                          data={"picture": (io.BytesIO(_png()), "p.png")}, content_type="multipart/form-data")
    first, second = ProductImage.select().order_by(ProductImage.position, ProductImage.id)
    response = owner_client.hx_post(f"{BASE}/products/{product.id}/images/{second.id}/move",
                                    data={"direction": "up"})
    assert response.status_code == 200
    order = [i.id for i in ProductImage.select().order_by(ProductImage.position, ProductImage.id)]
    assert order == [second.id, first.id]
    response = owner_client.post(f"{BASE}/products/{product.id}/images/{first.id}/delete")
    assert response.status_code == 303
    assert [i.id for i in ProductImage.select()] == [second.id]


def test_picture_of_another_product_answers_404(owner_client, product, shop):
    other = Product.create(shop=shop, name="Other", slug="other", price=1000, stock=1)
    owner_client.post(f"{BASE}/products/{other.id}/images",
                      data={"picture": (io.BytesIO(_png()), "p.png")}, content_type="multipart/form-data")
    image = ProductImage.get()
    assert owner_client.post(f"{BASE}/products/{product.id}/images/{image.id}/delete").status_code == 404
    assert ProductImage.select().count() == 1


# ---------------------------------------------------------------------------
# categories
# ---------------------------------------------------------------------------


def test_create_and_edit_category(staff_client, shop):
    response = staff_client.post(f"{BASE}/categories", data={"name": "Sandal Kulit", "position": "2"})
    assert response.status_code == 303
    category = Category.get(Category.shop == shop)
    assert (category.slug, category.position) == ("sandal-kulit", 2)
    staff_client.post(f"{BASE}/categories/{category.id}", data={"name": "Sandal", "slug": "sandal"})
    category = Category.get_by_id(category.id)
    assert (category.name, category.slug) == ("Sandal", "sandal")


def test_category_needs_a_name(owner_client, shop):
    response = owner_client.post(f"{BASE}/categories", data={"name": ""}, headers=EN)
    assert response.status_code == 200 and "This field is required" in _text(response)
    assert not Category.select().exists()


def test_delete_empty_category(owner_client, shop):
    category = Category.create(shop=shop, name="Empty", slug="empty")
    response = owner_client.post(f"{BASE}/categories/{category.id}/delete")
    assert response.status_code == 303
    assert Category.get_or_none(Category.id == category.id) is None


def test_category_with_products_is_kept_unless_they_are_moved(owner_client, product, boots):
    # The flash message is written in the language of the request that made it.
    response = owner_client.post(f"{BASE}/categories/{boots.id}/delete", headers=EN)
    assert response.status_code == 303
    assert Category.get_or_none(Category.id == boots.id) is not None
    assert "still holds 1 products" in _text(owner_client.get(response.headers["Location"], headers=EN))
    owner_client.post(f"{BASE}/categories/{boots.id}/delete", data={"move_products": "y"})
    assert Category.get_or_none(Category.id == boots.id) is None
    assert Product.get_by_id(product.id).category_id is None  # the product itself stays


# ---------------------------------------------------------------------------
# shop profile
# ---------------------------------------------------------------------------


def _profile_form(**overrides):
    data = {
        "name": "Sepatu Kulit Cibaduyut", "tagline": "Handmade", "story": "Since 1987.", "address": "Jl. Raya 1",
        "city": "Bandung", "postal_code": "40236", "phone": "022 540 1234", "whatsapp": "0812-2000-1001",
        "email": "Halo@Example.TEST", "opening_hours": "Mon-Fri 8-17", "order_prefix": "cbd",
        "bank_accounts-0-bank": "BCA", "bank_accounts-0-number": "437 021 8856", "bank_accounts-0-holder": "CV SKC",
        "bank_accounts-1-bank": "Mandiri", "bank_accounts-1-number": "1300017742519",
        "bank_accounts-1-holder": "CV SKC",
        "bank_accounts-2-bank": "", "bank_accounts-2-number": "", "bank_accounts-2-holder": "",
    }
    data.update(overrides)
    return data


def test_owner_edits_the_profile_and_bank_accounts(owner_client, shop):
    page = _text(owner_client.get(f"{BASE}/profile"))
    assert 'value="1234567890"' in page  # the stored account is shown in the first row
    response = owner_client.post(f"{BASE}/profile", data=_profile_form())
    assert response.status_code == 303
    shop = Shop.get_by_id(shop.id)
    assert shop.name == "Sepatu Kulit Cibaduyut" and shop.city == "Bandung"
    assert shop.phone == "+62225401234" and shop.whatsapp == "+6281220001001"
    assert shop.email == "halo@example.test" and shop.order_prefix == "CBD"
    assert shop.bank_accounts == [
        {"bank": "BCA", "number": "4370218856", "holder": "CV SKC"},
        {"bank": "Mandiri", "number": "1300017742519", "holder": "CV SKC"},
    ]
    profile = _text(owner_client.get("/s/workshop/profile"))
    assert "4370218856" in profile and "https://wa.me/6281220001001" in profile


@pytest.mark.parametrize("overrides, field, message", [
    ({"bank_accounts-2-bank": "BNI"}, "bank_accounts-2-number", "Fill in the bank, the number and the holder"),
    ({"bank_accounts-0-number": "12"}, "bank_accounts-0-number", "5 to 20 digits"),
    ({"bank_accounts-0-number": "12ab34"}, "bank_accounts-0-number", "Digits only"),
    ({"phone": "12345"}, "phone", "Indonesian phone number"),
    ({"email": "not-an-address"}, "email", "valid e-mail"),
    ({"order_prefix": "C"}, "order_prefix", "2 to 6 capital letters"),
    ({"postal_code": "4023"}, "postal_code", "Five digits"),
    ({"name": ""}, "name", "This field is required"),
])
def test_bad_profile_input(owner_client, shop, overrides, field, message):
    response = owner_client.post(f"{BASE}/profile", data=_profile_form(**overrides), headers=EN)
    assert response.status_code == 200
    error = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)</small>', _text(response))
    assert error and message in error.group(1), _text(response)[:0]
    assert Shop.get_by_id(shop.id).name == "Test Workshop"


def test_hostile_profile_text_is_escaped_on_the_storefront(owner_client, shop):
    owner_client.post(f"{BASE}/profile", data=_profile_form(
        tagline='"><script>alert(1)</script>', story="<img src=x onerror=alert(2)>"))
    for url in ("/s/workshop/", "/s/workshop/profile"):
        body = _text(owner_client.get(url))
        assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(2)&gt;" in _text(owner_client.get("/s/workshop/profile"))
