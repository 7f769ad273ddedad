"""Prepared queries (portal/core/prepared.py): built once, the same rows as the ordinary query."""
from __future__ import annotations

import datetime as dt

import peewee as pw
import pytest

from portal.core.models import Category, Product, ProductImage
from portal.core.prepared import Param, Prepared
from tests.core.orders_testkit import make_product


@pytest.fixture
def products(shop, other_shop):
    category = Category.create(shop=shop, name="Pantofel", slug="pantofel")
    made = [make_product(shop, f"Sepatu {n}", price=100_000 + n, stock=n) for n in range(4)]
    made[1].category = category
    made[1].save()
    make_product(other_shop, "Sepatu 1", price=1, stock=1)  # same slug, other shop
    return made


def _ordinary(shop, slug):
    return (Product.select(Product, Category).join(Category, pw.JOIN.LEFT_OUTER)
            .where((Product.shop == shop) & (Product.slug == slug)).first())


def test_rows_are_what_the_ordinary_query_gives(shop, products):
    prepared = Prepared(lambda: Product.select(Product, Category).join(Category, pw.JOIN.LEFT_OUTER)
                        .where((Product.shop == Param("shop")) & (Product.slug == Param("slug"))).limit(1))
    for product in products:
        got, expected = prepared.first(shop=shop, slug=product.slug), _ordinary(shop, product.slug)
        assert got.__data__ == expected.__data__
        # The joined row comes back as peewee would hand it over.
        assert (got.category.name if got.category_id else None) == (
            expected.category.name if expected.category_id else None)
    assert prepared.first(shop=shop, slug="no-such-product") is None


def test_values_are_converted_as_the_field_would(shop, products):
    """A model for a foreign key, a datetime compared with a stored one."""
    cutoff = dt.datetime(2000, 1, 1)
    prepared = Prepared(lambda: Product.select(Product.id).where(
        (Product.shop == Param("shop")) & (Product.created_at > Param("after"))).order_by(Product.id).tuples())
    assert [r[0] for r in prepared.execute(shop=shop, after=cutoff)] == [p.id for p in products]
    assert prepared.all(shop=shop.id, after=dt.datetime(2999, 1, 1)) == []


def test_dicts_tuples_and_scalars(shop, products):
    as_dicts = Prepared(lambda: Product.select(Product.slug, Product.price).where(Product.shop == Param("shop"))
                        .order_by(Product.id).dicts())
    assert as_dicts.all(shop=shop) == [{"slug": p.slug, "price": p.price} for p in products]
    count = Prepared(lambda: Product.select(pw.fn.COUNT(Product.id)).where(Product.shop == Param("shop")))
    assert count.scalar(shop=shop) == 4


def test_the_sql_is_built_once_per_kind_of_database(shop, products, query_counter, monkeypatch):
    built = []
    prepared = Prepared(lambda: built.append(1) or ProductImage.select().where(
        ProductImage.product == Param("product")).order_by(ProductImage.position))
    with query_counter(cold=False) as q:
        for product in products:
            prepared.all(product=product)
    assert built == [1]
    # Each call is still its own statement, with the same text as peewee would send.
    ordinary, _ = ProductImage.select().where(ProductImage.product == products[0]).order_by(
        ProductImage.position).sql()
    assert q.statements == [ordinary] * len(products)


def test_a_missing_value_is_an_error_not_a_null(shop, products):
    prepared = Prepared(lambda: Product.select().where(Product.shop == Param("shop")))
    with pytest.raises(TypeError, match="shop"):
        prepared.all()


def test_a_list_of_values_and_one_query_per_shape(shop, products):
    from portal.core.prepared import Shapes

    built = []
    by_ids = Shapes(lambda count: built.append(count) or Product.select(Product.slug).where(
        Product.id.in_(Param.many("ids", count))).order_by(Product.id).tuples())
    assert by_ids[2].all(ids=[products[0].id, products[2].id]) == [(products[0].slug,), (products[2].slug,)]
    assert by_ids[2].all(ids=[products[1].id, products[3].id]) == [(products[1].slug,), (products[3].slug,)]
    assert by_ids[1].all(ids=[products[3].id]) == [(products[3].slug,)]
    assert built == [2, 1]
    with pytest.raises(TypeError, match="ids"):
        by_ids[2].all(ids=[products[0].id])  # one value short


def test_shapes_are_bounded(shop, products):
    from portal.core.prepared import Shapes

    shapes = Shapes(lambda limit: Product.select().where(Product.shop == Param("shop")).limit(limit), limit=3)
    for limit in range(1, 6):
        assert len(shapes[limit].all(shop=shop)) == min(limit, 4)
    assert len(shapes._prepared) == 3


def test_a_user_row_binds_its_key_not_its_login_id(shop, customer):
    """Flask-Login's ``get_id()`` on a user is its session token, not its primary key."""
    from portal.core.models import User

    prepared = Prepared(lambda: User.select(User.email).where(User.id == Param("user")).tuples())
    assert customer.get_id() != customer.id
    assert prepared.all(user=customer) == [(customer.email,)]
