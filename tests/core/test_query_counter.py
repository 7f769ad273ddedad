"""The query-count helper used for per-page query budgets."""
from portal.core.models import Shop
from portal.testing import make_shop


def test_counts_each_statement(portal_app, query_counter):
    make_shop("alpha")
    with query_counter() as q:
        list(Shop.select())
        Shop.get_or_none(Shop.slug == "alpha")
    assert q.count == 2
    assert all("shop" in s.lower() for s in q.statements)


def test_counts_requests_through_the_client(client, shop, query_counter):
    with query_counter() as q:
        client.get("/healthz")
    assert q.count == 1
