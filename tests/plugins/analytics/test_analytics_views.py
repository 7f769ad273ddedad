"""Who may see the analytics, the customer view and its notes, charts, CSV escaping, switching off, budgets."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from analytics_testkit import EN, make_order

from plugins.analytics import charts
from plugins.analytics.models import AnalyticsCustomerNote
from portal.core import orders as o
from portal.core.models import Product, User

BASE = "/s/workshop/manage/analytics"
ARGS = "start=2026-03-02&end=2026-03-15&by=week"
HX = {"HX-Request": "true", **EN}


def text(response) -> str:
    return response.get_data(as_text=True)


def urls(d) -> list[str]:
    c1 = d.c["C1"].id
    return [
        f"{BASE}/", f"{BASE}/?{ARGS}", f"{BASE}/charts/revenue.svg?{ARGS}", f"{BASE}/csv/revenue.csv?{ARGS}",
        f"{BASE}/segments/", f"{BASE}/segments/new", f"{BASE}/customers/", f"{BASE}/customers/{c1}",
    ]


# ---------------------------------------------------------------------------
# who may see the analytics
# ---------------------------------------------------------------------------


def test_owner_and_staff_see_every_page(owner_client, staff_client, data):
    for c in (owner_client, staff_client):
        for url in urls(data):
            assert c.get(url, headers=EN).status_code == 200, url


def test_anonymous_visitors_are_sent_to_log_in(client, data):
    for url in urls(data):
        response = client.get(url, headers=EN)
        assert response.status_code in (302, 303) and "/login" in response.headers["Location"], url


@pytest.mark.parametrize("who", ["customer_client", "other_customer_client", "other_owner_client", "supplier_client",
                                 "courier_client", "admin_client"])
def test_everybody_else_is_refused(request, data, who):
    c = request.getfixturevalue(who)
    for url in urls(data):
        assert c.get(url, headers=EN).status_code == 403, (who, url)
    note = f"{BASE}/customers/{data.c['C1'].id}/notes"
    assert c.post(note, data={"note-body": "sneaky"}, headers=EN).status_code == 403
    assert not AnalyticsCustomerNote.select().exists()


def test_other_shop_owner_gets_nothing_of_this_shop_on_their_own(other_owner_client, other_shop, data):
    # In their own shop, this shop's customers are nobody's customers.
    own = f"/s/{other_shop.slug}/manage/analytics"
    assert other_owner_client.get(f"{own}/customers/{data.c['C1'].id}", headers=EN).status_code == 404
    assert "Pelanggan" not in text(other_owner_client.get(f"{own}/customers/", headers=EN))
    assert "Rp2.920.000" not in text(other_owner_client.get(f"{own}/?{ARGS}", headers=EN))


def test_customer_of_another_shop_is_not_found(owner_client, data, other_shop, other_customer, customer):
    p = Product.create(shop=other_shop, name="Kemeja", slug="kemeja", price=90_000, stock=3)
    make_order(other_shop, other_customer, dt.datetime(2026, 3, 3, 3), o.COMPLETED, [(p, 1)], number="OTH-1")
    assert owner_client.get(f"{BASE}/customers/{other_customer.id}", headers=EN).status_code == 404
    # A user who never ordered anywhere, and an id nobody has.
    assert owner_client.get(f"{BASE}/customers/{customer.id}", headers=EN).status_code == 404
    assert owner_client.get(f"{BASE}/customers/987654", headers=EN).status_code == 404
    assert owner_client.get(f"{BASE}/segments/nosuch", headers=EN).status_code == 404
    assert owner_client.get(f"{BASE}/charts/nosuch.svg", headers=EN).status_code == 404
    assert owner_client.get(f"{BASE}/csv/nosuch.csv", headers=EN).status_code == 404


# ---------------------------------------------------------------------------
# the single customer view
# ---------------------------------------------------------------------------


def test_customer_view_shows_orders_payments_segment_and_slot(owner_client, data):
    c1 = data.c["C1"]
    page = text(owner_client.get(f"{BASE}/customers/{c1.id}", headers=EN))
    assert "Pelanggan 1" in page and "c1@example.test" in page
    for key in ("O1", "O7", "Q1", "Q2"):
        assert f'href="/s/workshop/manage/orders/TWS-{key}"' in page
    assert "TWS-O2" not in page  # another customer's order
    assert f'href="{BASE}/segments/loyal"' in page and "R 3 · F 5 · M 5" in page
    assert "Rp1.500.000" in page  # paid revenue of O1, Q1, Q2
    assert page.count("approved") >= 3  # the payments of O1, Q1 and Q2


def test_customer_list_searches_by_name_and_email(owner_client, data):
    page = text(owner_client.get(f"{BASE}/customers/", headers=EN))
    assert all(f'href="{BASE}/customers/{u.id}"' in page for u in data.c.values())
    found = text(owner_client.hx_get(f"{BASE}/customers/?q=c10%40", headers=EN))
    assert "<html" not in found and "Pelanggan 10" in found and "Pelanggan 1<" not in found
    assert "No customer matches" in text(owner_client.get(f"{BASE}/customers/?q=nobody", headers=EN))
    # Wildcards are taken literally (dropped), not as "everybody".
    assert "Pelanggan 3" not in text(owner_client.get(f"{BASE}/customers/?q=%25zz%25", headers=EN))


def test_notes_add_edit_delete_with_who_and_when(owner_client, staff_client, data):
    c3 = data.c["C3"]
    url = f"{BASE}/customers/{c3.id}/notes"
    response = owner_client.post(url, data={"note-body": "Ukuran 42, suka warna cokelat."}, headers=EN)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/customers/{c3.id}#analytics-notes")
    note = AnalyticsCustomerNote.get()
    assert (note.shop_id, note.customer_id, note.author.email) == (data.shop.id, c3.id, "owner@shop.test")
    page = text(owner_client.get(f"{BASE}/customers/{c3.id}", headers=EN))
    assert "Ukuran 42, suka warna cokelat." in page and "Owner, " in page
    # Staff edit it with htmx: the notes section comes back, saying who edited.
    form = text(staff_client.hx_get(f"{url}/{note.id}/edit", headers=EN))
    assert "<html" not in form and "Ukuran 42, suka warna cokelat.</textarea>" in form
    saved = text(staff_client.hx_post(f"{url}/{note.id}/edit", data={"edit-body": "Ukuran 43."}, headers=EN))
    assert saved.lstrip().startswith('<section id="analytics-notes"') and "Note updated." in saved
    assert "Ukuran 43." in saved and "edited by Staff" in saved
    assert AnalyticsCustomerNote.get_by_id(note.id).updated_by.email == "staff@shop.test"
    # An empty note is refused next to the field.
    refused = text(staff_client.hx_post(url, data={"note-body": "   "}, headers=EN))
    assert 'class="field-error"' in refused and AnalyticsCustomerNote.select().count() == 1
    deleted = text(owner_client.hx_post(f"{url}/{note.id}/delete", headers=EN))
    assert "Note deleted." in deleted and not AnalyticsCustomerNote.select().exists()


def test_notes_of_another_customer_or_shop_are_not_reachable(owner_client, other_owner_client, other_shop, data):
    c3, c4 = data.c["C3"], data.c["C4"]
    note = AnalyticsCustomerNote.create(shop=data.shop, customer=c3, author=None, body="secret")
    # Through another customer of the same shop: not found.
    assert owner_client.post(f"{BASE}/customers/{c4.id}/notes/{note.id}/edit", data={"edit-body": "x"}, headers=EN).status_code == 404
    assert owner_client.post(f"{BASE}/customers/{c4.id}/notes/{note.id}/delete", headers=EN).status_code == 404
    assert owner_client.post(f"{BASE}/customers/{c3.id}/notes/987654/delete", headers=EN).status_code == 404
    # Through the other shop's own analytics: C3 is not their customer.
    own = f"/s/{other_shop.slug}/manage/analytics"
    assert other_owner_client.post(f"{own}/customers/{c3.id}/notes/{note.id}/delete", headers=EN).status_code == 404
    assert AnalyticsCustomerNote.get_by_id(note.id).body == "secret"


def test_hostile_text_is_inert_in_pages_and_fragments(owner_client, data):
    c1 = data.c["C1"]
    hostile = ('<script>alert(1)</script><img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a> '
               '<div hx-get="/logout" hx-trigger="load">z</div> \u200b\u202eevil\u202c ' + "A" * 10_000)
    User.update(name='<script>alert("name")</script>').where(User.id == c1.id).execute()
    Product.update(name='<img src=x onerror=alert("p")>').where(Product.id == data.p["P1"].id).execute()
    o.Order.update(city='<b onmouseover="alert(1)">Bandung</b>').where(o.Order.id == data.o["O1"].id).execute()
    owner_client.post(f"{BASE}/customers/{c1.id}/notes", data={"note-body": hostile[:2000]}, headers=EN)
    assert AnalyticsCustomerNote.select().count() == 1
    pages = [
        owner_client.get(f"{BASE}/customers/{c1.id}", headers=EN),
        owner_client.hx_get(f"{BASE}/customers/{c1.id}/notes/{AnalyticsCustomerNote.get().id}/edit", headers=EN),
        owner_client.get(f"{BASE}/customers/", headers=EN),
        owner_client.hx_get(f"{BASE}/customers/?q=script", headers=EN),
        owner_client.get(f"{BASE}/segments/loyal", headers=EN),
        owner_client.get(f"{BASE}/?{ARGS}", headers=EN),
        owner_client.hx_get(f"{BASE}/?{ARGS}", headers=EN),
    ]
    for response in pages:
        body = text(response)
        assert response.status_code == 200
        assert "<script>alert" not in body and "<img src=x" not in body and "<b onmouseover" not in body
        assert '<div hx-get="/logout"' not in body and 'href="javascript:' not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(pages[0])
    # A note longer than 2000 characters is refused, not cut.
    refused = owner_client.post(f"{BASE}/customers/{c1.id}/notes", data={"note-body": hostile}, headers=EN)
    assert "at most 2000" in text(refused) or "longer than 2000" in text(refused) or "2000" in text(refused)
    assert AnalyticsCustomerNote.select().count() == 1
    # Charts and CSV carry the hostile names as text.
    svg = text(owner_client.get(f"{BASE}/charts/products.svg?{ARGS}", headers=EN))
    assert "<img" not in svg and "&lt;img" in svg and "<script" not in svg
    rows = text(owner_client.get(f"{BASE}/csv/products.csv?{ARGS}", headers=EN))
    assert '<img src=x onerror=alert(""p"")>' in rows


# ---------------------------------------------------------------------------
# charts and CSV
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["revenue", "orders", "funnel", "products", "categories", "cities", "leadtimes", "segments"])
def test_every_chart_is_an_svg_without_script_with_title_and_desc(owner_client, data, name):
    response = owner_client.get(f"{BASE}/charts/{name}.svg?{ARGS}", headers=EN)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = text(response)
    assert "<script" not in svg.lower() and "javascript:" not in svg.lower()
    assert re.search(r"<svg[^>]*>\s*(<!--.*?-->\s*)*<defs>.*?</defs><title>[^<]+</title><desc>[^<]+</desc>", svg, re.S) or (
        "<title>" in svg and "<desc>" in svg
    )
    assert re.search(r"<title>[^<]+</title><desc>[^<]+</desc>", svg)
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_charts_work_on_an_empty_shop(owner_client, shop):
    for name in ("revenue", "funnel", "products", "cities", "leadtimes", "segments"):
        response = owner_client.get(f"{BASE}/charts/{name}.svg", headers=EN)
        assert response.status_code == 200 and "<script" not in text(response)


def test_dashboard_links_every_chart_its_table_and_csv(owner_client, data):
    page = text(owner_client.get(f"{BASE}/?{ARGS}", headers=EN))
    for name in ("revenue", "orders", "funnel", "leadtimes", "products", "categories", "cities"):
        assert f'src="{BASE}/charts/{name}.svg?start=2026-03-02&amp;end=2026-03-15&amp;by=week"' in page
        assert f'href="{BASE}/csv/{name}.csv?start=2026-03-02&amp;end=2026-03-15&amp;by=week"' in page
    assert page.count("<details>") >= 7 and page.count('alt="') >= 7


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"), ("+62 812", "'+62 812"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("Bandung", "Bandung"), (-5, "-5"), (12.5, "12.5"), (None, ""),
])
def test_csv_cells_are_escaped(value, cell):
    assert charts.safe_cell(value) == cell


def test_csv_export_escapes_formula_names(owner_client, data):
    o.Order.update(city="=cmd|' /C calc'!A0").where(o.Order.id == data.o["O2"].id).execute()
    Product.update(name="@SUM(1+1)").where(Product.id == data.p["P2"].id).execute()
    cities = text(owner_client.get(f"{BASE}/csv/cities.csv?{ARGS}", headers=EN))
    assert "\r\n'=cmd|' /C calc'!A0,1,400000\r\n" in cities
    products = text(owner_client.get(f"{BASE}/csv/products.csv?{ARGS}", headers=EN))
    assert "\r\n'@SUM(1+1),2,400000" in products


def test_period_presets_and_bad_dates(owner_client, data):
    for preset in ("7", "30", "90", "year"):
        page = text(owner_client.get(f"{BASE}/?preset={preset}", headers=EN))
        assert 'aria-current="true"' in page
    bad = text(owner_client.get(f"{BASE}/?start=2026-03-15&end=2026-03-01", headers=EN))
    assert "The end date is before the start date." in bad
    long = text(owner_client.get(f"{BASE}/?start=2020-01-01&end=2026-03-01&by=day", headers=EN))
    assert "at most three years" in long
    coarse = text(owner_client.get(f"{BASE}/?start=2025-01-01&end=2026-03-01&by=day", headers=EN))
    assert "grouped per week" in coarse
    assert owner_client.get(f"{BASE}/?start=garbage&end=&by=<script>", headers=EN).status_code == 200


def test_period_form_answers_a_fragment_for_htmx(owner_client, data):
    response = owner_client.hx_get(f"{BASE}/?{ARGS}", headers=EN)
    body = text(response)
    assert "<html" not in body and body.lstrip().startswith('<div id="analytics-dashboard"')
    assert "HX-Request" in response.headers.get("Vary", "")


# ---------------------------------------------------------------------------
# plugged into core: nav, dashboard card, order sidebar, switching off
# ---------------------------------------------------------------------------


def test_nav_card_and_order_sidebar_link(owner_client, data, monkeypatch):
    monkeypatch.setattr("portal.core.db.utcnow", lambda: dt.datetime(2026, 3, 12, 5, 0))
    dashboard = text(owner_client.get("/s/workshop/manage/", headers=EN))
    assert f'href="{BASE}/"' in dashboard  # the owner's menu
    assert dashboard.count("Revenue this week") == 1
    assert "Rp1.120.000" in dashboard and "Rp1.800.000" in dashboard and "▼ -37.8%" in dashboard
    order = text(owner_client.get("/s/workshop/manage/orders/TWS-O1", headers=EN))
    assert order.count(f'href="{BASE}/customers/{data.c["C1"].id}"') == 1 and "Customer profile" in order
    guest = text(owner_client.get("/s/workshop/manage/orders/TWS-O6", headers=EN))
    assert "Customer profile" not in guest


def test_switched_off_everything_is_gone_and_notes_come_back(owner_client, data, disable_plugin, enable_plugin):
    c1 = data.c["C1"]
    owner_client.post(f"{BASE}/customers/{c1.id}/notes", data={"note-body": "Pelanggan setia"}, headers=EN)
    disable_plugin(data.shop, "analytics")
    for url in urls(data):
        assert owner_client.get(url, headers=EN).status_code == 404, url
    assert owner_client.post(f"{BASE}/customers/{c1.id}/notes", data={"note-body": "x"}, headers=EN).status_code == 404
    dashboard = text(owner_client.get("/s/workshop/manage/", headers=EN))
    assert "Revenue this week" not in dashboard and f'href="{BASE}/"' not in dashboard
    assert "Customer profile" not in text(owner_client.get("/s/workshop/manage/orders/TWS-O1", headers=EN))
    assert AnalyticsCustomerNote.select().count() == 1
    enable_plugin(data.shop, "analytics")
    assert "Pelanggan setia" in text(owner_client.get(f"{BASE}/customers/{c1.id}", headers=EN))


# ---------------------------------------------------------------------------
# query budgets: fixed, whatever the number of orders
# ---------------------------------------------------------------------------


def _more_orders(d, n):
    for i in range(n):
        make_order(d.shop, d.c[f"C{1 + i % 10}"], dt.datetime(2026, 3, 3 + i % 10, 4), o.COMPLETED,
                   [(d.p["P1"], 1), (d.p["P2"], 1)], city=f"Kota {i % 4}", number=f"X-{i}")


@pytest.mark.parametrize("path", [f"/?{ARGS}", "/segments/", "/segments/new", "/customers/", "/csv/revenue.csv?" + ARGS])
def test_query_budget_does_not_grow_with_orders(owner_client, data, query_counter, path):
    owner_client.get(BASE + path, headers=EN)  # warm up: log-in, caches
    with query_counter() as small:
        assert owner_client.get(BASE + path, headers=EN).status_code == 200
    _more_orders(data, 40)
    with query_counter() as big:
        assert owner_client.get(BASE + path, headers=EN).status_code == 200
    assert big.count == small.count, big.statements
    # About 15 of these are the layout's (user, shop, switches, every plugin's menu badge); the dashboard's own
    # figures are 6 queries: series, previous totals, products, categories, funnel with the three medians, cities.
    assert big.count <= 40, big.statements


def test_customer_view_budget_does_not_grow(owner_client, data, query_counter):
    url = f"{BASE}/customers/{data.c['C1'].id}"
    owner_client.get(url, headers=EN)
    with query_counter() as small:
        owner_client.get(url, headers=EN)
    _more_orders(data, 30)
    with query_counter() as big:
        owner_client.get(url, headers=EN)
    assert big.count == small.count, big.statements


def test_the_dashboard_is_served_again_until_an_order_changes_it(owner_client, staff_client, data):
    """The dashboard is in the page cache (issue 10): asked again, not computed again; a new order shows at once."""
    from portal.testing import until_hit

    first = owner_client.get(f"{BASE}/", headers=EN)
    assert first.status_code == 200
    assert "Rp700.000" not in text(first)
    until_hit(lambda: owner_client.get(f"{BASE}/", headers=EN))
    # Each person's own copy: the staff member's first visit is computed for them.
    assert staff_client.get(f"{BASE}/", headers=EN).headers["X-Page-Cache"] == "miss"
    make_order(data.shop, data.c["C1"], dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=5),
               o.PAID, [(data.p["P3"], 7)])
    fresh = owner_client.get(f"{BASE}/", headers=EN)
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "Rp700.000" in text(fresh)
