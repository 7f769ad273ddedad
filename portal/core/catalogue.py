"""The catalogue as the storefront and the back office read it: bounded, indexed queries.

Everything here is scoped to one shop. Listing pages never count the whole table:
they fetch one row more than a page holds to know whether a next page exists, and
the first picture of every product on a page comes from a single query.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import peewee as pw

from portal.core.models import Category, Product, ProductImage, Shop
from portal.core.prepared import Param, Prepared, Shapes
from portal.forms import normalise_phone

PER_PAGE = 24
# Deep offsets cost the database a scan; nobody browses 500 pages of a workshop.
MAX_PAGE = 500
MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 5

SORTS = {
    "newest": (Product.created_at.desc(), Product.id.desc()),
    "price_asc": (Product.price.asc(), Product.id.asc()),
    "price_desc": (Product.price.desc(), Product.id.desc()),
}
DEFAULT_SORT = "newest"


# ---------------------------------------------------------------------------
# small parsers
# ---------------------------------------------------------------------------


def parse_page(value, max_page: int = MAX_PAGE) -> int:
    """A page number from the query string, clamped to ``1..max_page`` (junk gives 1)."""
    try:
        page = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), max_page)


def parse_sort(value) -> str:
    return value if value in SORTS else DEFAULT_SORT


def clean_query(value) -> str:
    """A search text: whitespace collapsed, control characters dropped, length bounded."""
    text = "".join(c for c in str(value or "") if c.isprintable())
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


_RUPIAH_RE = re.compile(r"^(?:rp\.?)?\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,-|,00)?$", re.IGNORECASE)


def parse_rupiah(value) -> int | None:
    """``"1.250.000"``, ``"Rp1.250.000"``, ``"1250000"`` → 1250000; anything else → ``None``.

    Dots group thousands as Indonesians write them; a decimal part other than
    ``,00`` / ``,-`` is refused because prices are whole Rupiah.
    """
    text = re.sub(r"\s+", "", str(value or ""))
    match = _RUPIAH_RE.match(text)
    if not match:
        return None
    return int(match.group(1).replace(".", ""))


def slugify(text: str, max_length: int = 80) -> str:
    """A URL slug: ASCII letters, digits and single hyphens (``Sepatu Kulit Ñ`` → ``sepatu-kulit-n``)."""
    ascii_text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def unique_slug(model, shop: Shop, wanted: str, exclude_id: int | None = None, max_length: int = 80) -> str:
    """``wanted`` if no other row of ``model`` in ``shop`` uses it, else ``wanted-2``, ``wanted-3``…"""
    base = (wanted or "item")[:max_length].rstrip("-") or "item"
    candidate, n = base, 1
    while True:
        query = model.select(model.id).where((model.shop == shop) & (model.slug == candidate))
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)
        if not query.exists():
            return candidate
        n += 1
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix


def whatsapp_link(number: str) -> str | None:
    """``https://wa.me/62812…`` for an Indonesian number (wa.me wants digits only), else ``None``."""
    normalised = normalise_phone(number) if number else None
    return f"https://wa.me/{normalised.lstrip('+')}" if normalised else None


# ---------------------------------------------------------------------------
# categories
# ---------------------------------------------------------------------------


def categories(shop: Shop) -> list[Category]:
    return list(Category.select().where(Category.shop == shop).order_by(Category.position, Category.name))


def _visible_categories_query():
    has_products = (
        Product.select(Product.id)
        .where((Product.category == Category.id) & (Product.is_active == True))
    )
    return (Category.select()
            .where((Category.shop == Param("shop")) & pw.fn.EXISTS(has_products))
            .order_by(Category.position, Category.name))


# The storefront's home, category and product lists ask these on every render: their SQL
# is built once (portal.core.prepared).
_VISIBLE_CATEGORIES = Prepared(_visible_categories_query)
_NEWEST = Shapes(lambda limit: Product.select().where((Product.shop == Param("shop")) & (Product.is_active == True))
                 .order_by(*SORTS["newest"]).limit(limit))
_MADE_TO_ORDER = Prepared(lambda: Product.select(Product.id).where(
    (Product.shop == Param("shop")) & (Product.is_active == True) & (Product.made_to_order == True)).limit(1))
_COVERS = Shapes(lambda count: ProductImage.select().where(ProductImage.product.in_(Param.many("ids", count)))
                 .order_by(ProductImage.product, ProductImage.position, ProductImage.id))


def visible_categories(shop: Shop) -> list[Category]:
    """Categories that hold at least one active product (empty chips only frustrate)."""
    return _VISIBLE_CATEGORIES.all(shop=shop)


_CATEGORY_BY_SLUG = Prepared(lambda: Category.select().where(
    (Category.shop == Param("shop")) & (Category.slug == Param("slug"))).limit(1))


def category_by_slug(shop: Shop, slug: str) -> Category | None:
    return _CATEGORY_BY_SLUG.first(shop=shop, slug=slug)


def category_by_id(shop: Shop, category_id) -> Category | None:
    """A category of *this* shop; another shop's id answers ``None``."""
    return Category.get_or_none((Category.shop == shop) & (Category.id == category_id))


# ---------------------------------------------------------------------------
# products
# ---------------------------------------------------------------------------


@dataclass
class ProductPage:
    """One page of products and enough to draw the pager, without a COUNT(*)."""

    items: list[Product]
    page: int
    per_page: int
    has_next: bool
    q: str = ""
    sort: str = DEFAULT_SORT
    category: Category | None = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def search_condition(q: str):
    """Every word must appear in the name or the description (case-insensitive).

    peewee's ``contains`` escapes ``%``, ``_`` and ``\\`` and uses ILIKE on
    PostgreSQL and LIKE (case-insensitive for ASCII) on SQLite.
    """
    condition = None
    for word in q.split()[:MAX_QUERY_WORDS]:
        term = Product.name.contains(word) | Product.description.contains(word)
        condition = term if condition is None else condition & term
    return condition


def product_page(
    shop: Shop,
    *,
    category: Category | None = None,
    q: str = "",
    sort: str = DEFAULT_SORT,
    page: int = 1,
    per_page: int = PER_PAGE,
    include_inactive: bool = False,
) -> ProductPage:
    """A page of the shop's products, filtered, sorted, with their first picture attached."""
    q = clean_query(q)
    sort = parse_sort(sort)
    page = parse_page(page)
    if q:
        rows = list(_listing_query(shop, category, q, sort, include_inactive)
                    .offset((page - 1) * per_page).limit(per_page + 1))
    else:
        # Without a search (nearly every visit) the SQL depends only on these choices: built once each.
        shape = (include_inactive, category is not None, sort, per_page)
        values = {"shop": shop, "offset": (page - 1) * per_page}
        if category is not None:
            values["category"] = category
        rows = _LISTINGS[shape].all(**values)
    items = rows[:per_page]
    attach_covers(items)
    return ProductPage(items=items, page=page, per_page=per_page, has_next=len(rows) > per_page,
                       q=q, sort=sort, category=category)


def _listing_query(shop, category, q: str, sort: str, include_inactive: bool):
    """The products to list, sorted; ``shop``/``category`` may be ``Param`` placeholders."""
    query = Product.select().where(Product.shop == shop)
    if not include_inactive:
        query = query.where(Product.is_active == True)
    if category is not None:
        query = query.where(Product.category == category)
    condition = search_condition(q) if q else None
    if condition is not None:
        query = query.where(condition)
    return query.order_by(*SORTS[sort])


_LISTINGS = Shapes(lambda include_inactive, with_category, sort, per_page: _listing_query(
    Param("shop"), Param("category") if with_category else None, "", sort, include_inactive)
    .offset(Param("offset")).limit(per_page + 1))


def newest_products(shop: Shop, limit: int = 8) -> list[Product]:
    items = _NEWEST[limit].all(shop=shop)
    attach_covers(items)
    return items


def has_made_to_order(shop: Shop) -> bool:
    return _MADE_TO_ORDER.first(shop=shop) is not None


def _product_by_slug_query(include_inactive: bool):
    query = Product.select(Product, Category).join(Category, pw.JOIN.LEFT_OUTER).where(
        (Product.shop == Param("shop")) & (Product.slug == Param("slug"))
    )
    if not include_inactive:
        query = query.where(Product.is_active == True)
    return query.limit(1)


# Every product page asks these: their SQL is built once (portal.core.prepared).
_PRODUCT_BY_SLUG = {inactive: Prepared(lambda inactive=inactive: _product_by_slug_query(inactive))
                    for inactive in (False, True)}
_IMAGES_OF = Prepared(lambda: ProductImage.select().where(ProductImage.product == Param("product"))
                      .order_by(ProductImage.position, ProductImage.id))


def product_by_slug(shop: Shop, slug: str, include_inactive: bool = False) -> Product | None:
    return _PRODUCT_BY_SLUG[include_inactive].first(shop=shop, slug=slug)


def product_by_id(shop: Shop, product_id) -> Product | None:
    """A product of *this* shop; another shop's id answers ``None``."""
    return Product.get_or_none((Product.shop == shop) & (Product.id == product_id))


def images_of(product: Product) -> list[ProductImage]:
    return _IMAGES_OF.all(product=product)


def attach_covers(products: list[Product]) -> list[Product]:
    """Set ``product.cover`` (first picture or ``None``) for all ``products`` with one query."""
    covers: dict[int, ProductImage] = {}
    if products:
        for image in _COVERS[len(products)].execute(ids=[p.id for p in products]):
            covers.setdefault(image.product_id, image)
    for product in products:
        product.cover = covers.get(product.id)
    return products
