"""The owner's settings page for the shop's links: who may use it, what it stores, how it refuses."""
from __future__ import annotations

import pytest

from plugins.social.models import SocialLinks

URL = "/s/workshop/social/manage/"
HX = {"HX-Request": "true"}


def text(response) -> str:
    return response.get_data(as_text=True)


def form(**values):
    data = {"social-whatsapp": "", "social-product_button": "y"}
    data.update({f"social-{k}": v for k, v in values.items()})
    return data


def test_owner_sees_the_form_prefilled_with_the_shops_whatsapp(owner_client, shop):
    shop.whatsapp = "+6281220001001"
    shop.save()
    page = owner_client.get(URL)
    assert page.status_code == 200
    body = text(page)
    assert 'name="social-whatsapp"' in body and 'value="+6281220001001"' in body
    for name in ("instagram", "facebook", "tiktok", "youtube", "tokopedia", "shopee", "bukalapak", "lazada", "blibli"):
        assert f'name="social-{name}"' in body
    assert "No links yet." in body


def test_owner_saves_and_links_are_normalised(owner_client, shop):
    answer = owner_client.post(URL, data=form(whatsapp="0812-3456-7890", instagram="@sepatucibaduyut",
                                              tiktok="@sepatucibaduyut", tokopedia="tokopedia.com/sepatucibaduyut"))
    assert answer.status_code == 303 and answer.headers["Location"] == URL
    row = SocialLinks.get(SocialLinks.shop == shop)
    assert row.whatsapp == "+6281234567890"
    assert row.instagram == "https://www.instagram.com/sepatucibaduyut/"
    assert row.tiktok == "https://www.tiktok.com/@sepatucibaduyut"
    assert row.tokopedia == "https://tokopedia.com/sepatucibaduyut"
    assert row.facebook == "" and row.product_button is True
    assert row.updated_by.email == "owner@shop.test"
    page = text(owner_client.get(URL))
    assert "Saved. Your links are in the footer of every page of your shop." in page
    assert 'value="https://www.instagram.com/sepatucibaduyut/"' in page


def test_saving_with_htmx_answers_the_fragment_with_a_notice_and_preview(owner_client, shop):
    answer = owner_client.post(URL, data=form(instagram="@sepatu"), headers=HX)
    assert answer.status_code == 200
    body = text(answer)
    assert "<html" not in body and body.lstrip().startswith('<div id="social-settings"')
    assert 'role="status">Saved.' in body
    assert 'href="https://www.instagram.com/sepatu/"' in body  # the preview of the footer


def test_emptying_a_field_removes_the_link_and_unticking_hides_the_button(owner_client, shop, save_links):
    save_links(shop, whatsapp="+6281234567890", instagram="https://www.instagram.com/a/")
    owner_client.post(URL, data={"social-whatsapp": "+6281234567890", "social-instagram": ""})
    row = SocialLinks.get(SocialLinks.shop == shop)
    assert row.instagram == "" and row.product_button is False
    assert SocialLinks.select().count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("instagram", "javascript:alert(1)", "Only web addresses starting with https:// are allowed here."),
        ("facebook", "data:text/html,<script>alert(1)</script>", "Only web addresses starting with https:// are allowed here."),
        ("youtube", "http://evil.example/x",
         "Enter your YouTube handle (e.g. @sepatucibaduyut) or an https:// address on youtube.com."),
        ("shopee", "https://evil.example/shopee",
         "Enter the https:// address of your store on shopee.co.id, e.g. https://shopee.co.id/sepatucibaduyut."),
        ("whatsapp", "12345", "Enter an Indonesian phone number, e.g. 0812 3456 7890."),
        ("whatsapp", "+1 555 123 4567", "Enter an Indonesian phone number, e.g. 0812 3456 7890."),
    ],
)
def test_refused_links_show_a_clear_error_next_to_the_field(owner_client, shop, field, value, message):
    for headers in ({}, HX):
        answer = owner_client.post(URL, data=form(**{field: value, "tiktok": "@keepme"}), headers=headers)
        assert answer.status_code == 200
        body = text(answer)
        assert f'<small id="social-{field}-error" class="field-error">{message}</small>' in body
        assert 'aria-invalid="true"' in body
        assert 'value="https://www.tiktok.com/@keepme"' in body  # what was typed elsewhere stays
        assert "<script>alert(1)</script>" not in body
    assert SocialLinks.select().count() == 0


def test_post_without_csrf_is_refused(owner_client, shop):
    assert owner_client.post(URL, data=form(instagram="@x"), csrf=False).status_code == 400
    assert SocialLinks.select().count() == 0


def test_anonymous_is_sent_to_log_in(client, shop):
    for answer in (client.get(URL), client.post(URL, data=form(instagram="@x"))):
        assert answer.status_code in (302, 303) and "/login" in answer.headers["Location"]
    assert SocialLinks.select().count() == 0


@pytest.mark.parametrize("who", ["staff_client", "customer_client", "other_customer_client", "supplier_client",
                                 "courier_client", "other_owner_client", "admin_client"])
def test_only_the_owner_sets_the_links(request, who, shop, save_links):
    save_links(shop, instagram="https://www.instagram.com/asli/")
    c = request.getfixturevalue(who)
    assert c.get(URL).status_code == 403
    assert c.post(URL, data=form(instagram="@palsu")).status_code == 403
    assert SocialLinks.get(SocialLinks.shop == shop).instagram == "https://www.instagram.com/asli/"


def test_another_shops_owner_only_reaches_their_own_links(other_owner_client, shop, other_shop, save_links):
    save_links(shop, instagram="https://www.instagram.com/asli/")
    other_owner_client.post("/s/othershop/social/manage/", data=form(instagram="@milikku"))
    assert SocialLinks.get(SocialLinks.shop == shop).instagram == "https://www.instagram.com/asli/"
    assert SocialLinks.get(SocialLinks.shop == other_shop).instagram == "https://www.instagram.com/milikku/"


def test_owner_menu_links_to_the_page_but_staff_menu_does_not(owner_client, staff_client, shop):
    def menu(c):
        page = text(c.get("/s/workshop/manage/"))
        start = page.index('class="backoffice-menu"')
        return page[start:page.index("</nav>", start)]

    assert f'<a href="{URL}">Social links</a>' in menu(owner_client)
    assert URL not in menu(staff_client)
