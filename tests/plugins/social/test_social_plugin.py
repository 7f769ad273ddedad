"""Social links as a plugin: metadata, migration, the footer icons, the WhatsApp button, on/off, hostile data."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from plugins.social.models import SocialLinks
from portal.core.db import db
from portal.core.models import Migration, Product

HOME = "/s/workshop/"
HX = {"HX-Request": "true"}
FULL = {
    "whatsapp": "+6281234567890",
    "instagram": "https://www.instagram.com/sepatucibaduyut/",
    "facebook": "https://www.facebook.com/sepatucibaduyut",
    "tiktok": "https://www.tiktok.com/@sepatucibaduyut",
    "youtube": "https://www.youtube.com/@sepatucibaduyut",
    "tokopedia": "https://www.tokopedia.com/sepatucibaduyut",
    "shopee": "https://shopee.co.id/sepatucibaduyut",
    "bukalapak": "https://www.bukalapak.com/u/sepatucibaduyut",
    "lazada": "https://www.lazada.co.id/shop/sepatu-cibaduyut",
    "blibli": "https://www.blibli.com/merchant/sepatu/SEC-60001",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def footer_links(page: str) -> str:
    match = re.search(r'<nav class="social-links".*?</nav>', page, re.S)
    return match.group(0) if match else ""


def ask_button(page: str) -> str:
    match = re.search(r'<p class="social-ask" id="social-ask">.*?</p>', page, re.S)
    return match.group(0) if match else ""


def test_declares_its_metadata(portal_app):
    info = portal_app.extensions["portal"].plugins["social"].info
    assert info.name == "social" and info.version == "1.0.0"
    with portal_app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(info.label) == "Social links" and "WhatsApp" in str(info.description)
    assert info.roles == ("customer", "owner")


def test_its_migration_made_the_table(portal_app):
    assert "social_links" in db.get_tables()
    assert Migration.select().where((Migration.app == "social") & (Migration.name == "0001_initial")).exists()


# ---------------------------------------------------------------------------
# the footer
# ---------------------------------------------------------------------------


def test_footer_shows_every_link_as_an_accessible_icon(client, shop, save_links):
    save_links(shop, **FULL)
    nav = footer_links(text(client.get(HOME)))
    assert nav.startswith('<nav class="social-links" aria-label="Test Workshop on social media and marketplaces">')
    anchors = re.findall(r"<a [^>]*>", nav)
    assert len(anchors) == 10
    for tag in anchors:
        assert 'target="_blank"' in tag and 'rel="noopener noreferrer"' in tag
        assert re.search(r'aria-label="[A-Za-z]+ \(opens in a new tab\)"', tag)
    hrefs = re.findall(r'href="([^"]+)"', nav)
    assert hrefs[0] == "https://wa.me/6281234567890"
    assert hrefs[1:] == [FULL[k] for k in ("instagram", "facebook", "tiktok", "youtube", "tokopedia", "shopee",
                                            "bukalapak", "lazada", "blibli")]
    # Icons are inline and decorative: nothing is fetched from elsewhere, no icon font.
    assert nav.count("<svg") == 10 and nav.count('aria-hidden="true" focusable="false"') == 10
    assert "<img" not in nav and "<link" not in nav and "<script" not in nav


def test_footer_is_on_every_shop_page_exactly_once(client, shop, product, save_links):
    save_links(shop, instagram=FULL["instagram"])
    for url in (HOME, "/s/workshop/products", "/s/workshop/profile", f"/s/workshop/p/{product.slug}",
                "/s/workshop/cart/"):
        page = text(client.get(url))
        assert page.count('<nav class="social-links"') == 1, url


def test_no_links_no_footer_fragment(client, shop, save_links):
    assert footer_links(text(client.get(HOME))) == ""
    save_links(shop)  # a row with every field empty
    assert footer_links(text(client.get(HOME))) == ""


def test_each_shop_shows_its_own_links(client, shop, other_shop, save_links):
    save_links(shop, instagram="https://www.instagram.com/workshop/")
    save_links(other_shop, instagram="https://www.instagram.com/othershop/")
    assert "instagram.com/workshop/" in footer_links(text(client.get(HOME)))
    other = footer_links(text(client.get("/s/othershop/")))
    assert "instagram.com/othershop/" in other and "instagram.com/workshop/" not in other


# ---------------------------------------------------------------------------
# "Ask about this product on WhatsApp"
# ---------------------------------------------------------------------------


def test_product_page_has_the_whatsapp_button_with_a_prefilled_message(client, shop, product, save_links):
    save_links(shop, whatsapp="+6281234567890")
    page = text(client.get(f"/s/workshop/p/{product.slug}"))
    button = ask_button(page)
    assert "Ask about this product on WhatsApp" in button
    assert 'target="_blank" rel="noopener noreferrer"' in button
    href = re.search(r'href="([^"]+)"', button).group(1)
    product_url = "http://localhost/s/workshop/p/pantofel-oxford"
    message = f"Hello Test Workshop, I would like to ask about Pantofel Oxford Hitam: {product_url}"
    assert href == "https://wa.me/6281234567890?text=" + quote(message, safe="")
    # Decoded, the message names the product and links back to it.
    parts = urlsplit(href.replace("&amp;", "&"))
    assert parts.netloc == "wa.me" and parts.path == "/6281234567890"
    assert parse_qs(parts.query) == {"text": [message]}


def test_the_message_is_in_the_visitors_language(client, shop, product, save_links, monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "id")
    save_links(shop, whatsapp="+6281234567890")
    button = ask_button(text(client.get(f"/s/workshop/p/{product.slug}", headers={"Accept-Language": "id"})))
    text_param = parse_qs(urlsplit(re.search(r'href="([^"]+)"', button).group(1)).query)["text"][0]
    assert text_param.startswith("Halo Test Workshop") and "Pantofel Oxford Hitam" in text_param
    assert "Tanya produk ini lewat WhatsApp" in button


def test_product_names_with_markup_and_symbols_are_url_encoded(client, shop, save_links):
    save_links(shop, whatsapp="+6281234567890")
    hostile = Product.create(shop=shop, name='Boots "Kuat" & <script>alert(1)</script> #1 ?x=1', slug="boots-kuat",
                             price=1, stock=1, is_active=True)
    page = text(client.get(f"/s/workshop/p/{hostile.slug}"))
    href = re.search(r'href="([^"]+)"', ask_button(page)).group(1)
    assert "<script>" not in href and '"' not in href and " " not in href and "#" not in href
    decoded = parse_qs(urlsplit(href).query)["text"][0]
    assert 'Boots "Kuat" & <script>alert(1)</script> #1 ?x=1' in decoded
    assert "<script>alert(1)</script>" not in page


@pytest.mark.parametrize("setup", ["no-row", "no-number", "button-off"])
def test_no_button_without_a_number_or_when_switched_off_in_settings(client, shop, product, save_links, setup):
    if setup == "no-number":
        save_links(shop, instagram=FULL["instagram"])
    elif setup == "button-off":
        save_links(shop, whatsapp="+6281234567890", product_button=False)
    page = text(client.get(f"/s/workshop/p/{product.slug}"))
    assert ask_button(page) == "" and "Ask about this product on WhatsApp" not in page
    # Only the footer may still offer a chat, when there is a number.
    main = page.split('class="site-footer')[0]
    assert "wa.me" not in main
    assert ("wa.me" in page) is (setup == "button-off")


def test_exactly_one_button_on_the_product_page(client, shop, product, save_links):
    save_links(shop, whatsapp="+6281234567890")
    assert text(client.get(f"/s/workshop/p/{product.slug}")).count('class="social-ask"') == 1


# ---------------------------------------------------------------------------
# switched off: gone, 404, kept
# ---------------------------------------------------------------------------


def test_switched_off_hides_everything_and_keeps_the_links(client, owner_client, shop, product, save_links,
                                                           disable_plugin, enable_plugin):
    save_links(shop, **FULL)
    disable_plugin(shop, "social")
    for url in (HOME, f"/s/workshop/p/{product.slug}"):
        page = text(client.get(url))
        assert footer_links(page) == "" and ask_button(page) == ""
    assert owner_client.get("/s/workshop/social/manage/").status_code == 404
    assert owner_client.post("/s/workshop/social/manage/", data={"social-instagram": "@x"}).status_code == 404
    assert client.get("/s/workshop/social/manage/").status_code == 404
    assert "/social/manage/" not in text(owner_client.get("/s/workshop/manage/"))
    assert SocialLinks.get(SocialLinks.shop == shop).instagram == FULL["instagram"]
    enable_plugin(shop, "social")
    page = text(client.get(f"/s/workshop/p/{product.slug}"))
    assert FULL["instagram"] in footer_links(page) and ask_button(page)


def test_switched_off_in_one_shop_only(client, shop, other_shop, save_links, disable_plugin):
    save_links(shop, instagram="https://www.instagram.com/workshop/")
    save_links(other_shop, instagram="https://www.instagram.com/othershop/")
    disable_plugin(shop, "social")
    assert footer_links(text(client.get(HOME))) == ""
    assert "othershop" in footer_links(text(client.get("/s/othershop/")))


# ---------------------------------------------------------------------------
# hostile data that reached the table by other means never reaches the page
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "https://evil.example/x",
     'https://www.instagram.com/x" onmouseover="alert(1)', "https://instagram.com@evil.example/x",
     '<div hx-get="/admin/" hx-trigger="load">x</div>', "https://www.instagram.com/\u202eevil"],
)
def test_a_bad_stored_link_is_left_out(client, shop, product, bad):
    SocialLinks.create(shop=shop, instagram=bad, facebook=FULL["facebook"], whatsapp='+62812"><script>')
    for page in (text(client.get(HOME)), text(client.get(f"/s/workshop/p/{product.slug}"))):
        nav = footer_links(page)
        assert FULL["facebook"] in nav and "instagram" not in nav.lower()
        assert "javascript:" not in page and 'onmouseover="' not in page and '<div hx-get="/admin/"' not in page
        assert "evil.example" not in page and "<script>alert" not in page
        assert ask_button(page) == "" and "wa.me" not in page


def test_hostile_input_in_the_form_is_echoed_escaped(owner_client, shop):
    corpus = ['<script>alert("s")</script>', '<img src=x onerror="alert(1)">', '" hx-get="/admin/" x="',
              "\u200b\u202e@evil", "a" * 10_000]
    for value in corpus:
        for headers in ({}, HX):
            body = text(owner_client.post("/s/workshop/social/manage/",
                                          data={"social-instagram": value, "social-whatsapp": value}, headers=headers))
            assert '<script>alert("s")' not in body and "<img src=x" not in body
            assert 'hx-get="/admin/"' not in body
            assert 'id="social-instagram-error"' in body and 'id="social-whatsapp-error"' in body
    assert SocialLinks.select().count() == 0


# ---------------------------------------------------------------------------
# demo data
# ---------------------------------------------------------------------------


def test_demo_data_gives_the_shoe_workshop_its_links_once(portal_app, save_links):
    from plugins.social import demo
    from portal.testing import make_shop

    cibaduyut = make_shop("cibaduyut", whatsapp="+6281220001001")
    laweyan = make_shop("laweyan")
    assert demo.load(cibaduyut) == {"social links": 1}
    assert demo.load(cibaduyut) == {"social links": 1}
    assert demo.load(laweyan) is None
    row = SocialLinks.get(SocialLinks.shop == cibaduyut)
    assert row.whatsapp == "+6281220001001" and row.instagram.startswith("https://www.instagram.com/")
    from plugins.social.links import shown_links

    assert len(shown_links(row)) == 7  # every demo link passes the same checks as typed ones
    assert SocialLinks.select().count() == 1
