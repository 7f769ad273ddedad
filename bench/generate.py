"""Generate a synthetic platform straight through the models, fast enough for a million orders.

    python bench/generate.py --db sqlite:///bench/.data/big.db --products 100000 --orders 1000000

Shop ``bench-0`` gets the catalogue and the orders the benchmark reads; the other
shops exist so that every query has other tenants' rows to skip. Rows go in with
``insert_many`` in batches inside one transaction per table, with one shared password
hash (scrypt is slow on purpose), so a million orders take minutes, not hours.
Plugin data (guestbook entries, forum threads and posts, chat messages) is added for
each plugin that is installed, through that plugin's own models.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import random
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 2000
STATUSES_WEIGHTED = (
    ["completed"] * 30 + ["delivered"] * 10 + ["handed_over"] * 3 + ["ready"] * 3 + ["in_production"] * 6
    + ["paid"] * 5 + ["payment_submitted"] * 3 + ["awaiting_payment"] * 5 + ["confirmed"] * 3 + ["placed"] * 5
    + ["cancelled"] * 4 + ["rejected"] * 1 + ["expired"] * 2
)
CITIES = ["Kota Bandung", "Kab. Bandung", "Kota Cimahi", "Jakarta Selatan", "Kota Bekasi", "Kota Bogor", "Surabaya",
          "Kota Semarang", "Yogyakarta", "Kota Malang", "Denpasar", "Medan"]
FIRST = ["Dewi", "Budi", "Siti", "Agus", "Rina", "Asep", "Ujang", "Nur", "Putri", "Rudi", "Wulan", "Eko"]
LAST = ["Lestari", "Santoso", "Rahayu", "Hidayat", "Suryana", "Wijaya", "Kusuma", "Saputra", "Marlina", "Pratama"]
PASSWORD = "bench12345"
CUSTOMER_EMAIL = "customer@bench.test"
OWNER_EMAIL = "owner@bench.test"


def _batched(model, fields, rows):
    from portal.core.db import db

    batch = []
    with db.atomic():
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                model.insert_many(batch, fields=fields).execute()
                batch = []
        if batch:
            model.insert_many(batch, fields=fields).execute()


def _ids(model, *where):
    return [r.id for r in model.select(model.id).where(*where).order_by(model.id)]


def generate(shops: int = 3, products: int = 1000, customers: int = 2000, orders: int = 10_000, seed: int = 7,
             log=print) -> dict:
    """Fill the (migrated, empty) database of the current app; returns what the benchmark needs to find."""
    from portal.core.accounts import hash_password
    from portal.core.models import Category, Membership, Product, Shop, User
    from portal.core.orders import Order, OrderEvent, OrderItem

    rng = random.Random(seed)
    started = time.monotonic()
    shared_hash = hash_password(PASSWORD)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    _batched(User, [User.email, User.name, User.phone, User.password_hash],
             [(OWNER_EMAIL, "Asep Bench", "+6281220009001", shared_hash),
              (CUSTOMER_EMAIL, "Dewi Bench", "+6281290009002", shared_hash)]
             + [(f"owner{i}@bench.test", f"Owner {i}", "", shared_hash) for i in range(1, shops)]
             + [(f"c{i:07d}@bench.test", f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"+62812{i:08d}", shared_hash)
                for i in range(customers)])
    owner = User.get(User.email == OWNER_EMAIL)
    customer = User.get(User.email == CUSTOMER_EMAIL)
    _batched(Shop, [Shop.slug, Shop.name, Shop.city, Shop.order_prefix],
             [(f"bench-{i}", f"Sepatu Bench {i}", "Kota Bandung", f"B{i}") for i in range(shops)])
    shop_rows = list(Shop.select().where(Shop.slug.startswith("bench-")).order_by(Shop.id))
    owners = {0: owner, **{i: User.get(User.email == f"owner{i}@bench.test") for i in range(1, shops)}}
    _batched(Membership, [Membership.user, Membership.shop, Membership.role],
             [(owners[i].id, s.id, "owner") for i, s in enumerate(shop_rows)])
    log(f"users and shops: {time.monotonic() - started:.1f} s")

    # Catalogue: most products in the benchmarked shop, a tenth of that in each other shop.
    _batched(Category, [Category.shop, Category.name, Category.slug, Category.position],
             [(s.id, f"Kategori {c}", f"kategori-{c}", c) for s in shop_rows for c in range(8)])
    rows = []
    for si, s in enumerate(shop_rows):
        cats = _ids(Category, Category.shop == s)
        count = products if si == 0 else max(products // 10, 10)
        rows += [(s.id, cats[p % len(cats)], f"Pantofel Kulit {p}", f"pantofel-kulit-{p}",
                  "Sepatu kulit sapi asli, dijahit tangan.", 350_000 + (p % 40) * 25_000, p % 9, p % 5 == 0,
                  7 if p % 5 == 0 else 0, 900, True, p) for p in range(count)]
    _batched(Product, [Product.shop, Product.category, Product.name, Product.slug, Product.description, Product.price,
                       Product.stock, Product.made_to_order, Product.lead_time_days, Product.weight_grams,
                       Product.is_active, Product.position], rows)
    log(f"products: {time.monotonic() - started:.1f} s")

    main_shop = shop_rows[0]
    product_ids = _ids(Product, Product.shop == main_shop)
    prices = {p.id: p.price for p in Product.select(Product.id, Product.price).where(Product.shop == main_shop)}
    customer_ids = _ids(User, User.email.startswith("c"), User.email.endswith("@bench.test"))
    first_order = Order.select().count()

    def order_rows():
        for n in range(orders):
            status = STATUSES_WEIGHTED[n % len(STATUSES_WEIGHTED)]
            who = customer.id if n % 50 == 0 else customer_ids[n % len(customer_ids)]
            created = now - dt.timedelta(minutes=(orders - n) * 3)
            product = product_ids[(n * 7) % len(product_ids)]
            subtotal = prices[product] * (1 + n % 2)
            yield (main_shop.id, f"B0-{n:08d}", who, "Pelanggan Bench", f"p{n}@bench.test", "+6281200000000",
                   "Jl. Cibaduyut Raya 1", CITIES[n % len(CITIES)], "40236", "pickup", "Ambil di bengkel", 0,
                   subtotal, subtotal, status, secrets.token_hex(16), created, created)

    _batched(Order, [Order.shop, Order.number, Order.customer, Order.name, Order.email, Order.phone, Order.address,
                     Order.city, Order.postal_code, Order.delivery_method, Order.delivery_label, Order.delivery_fee,
                     Order.subtotal, Order.total, Order.status, Order.access_token, Order.created_at,
                     Order.updated_at], order_rows())
    log(f"orders: {time.monotonic() - started:.1f} s")

    def item_and_event_rows():
        query = (Order.select(Order.id, Order.status, Order.created_at, Order.number)
                 .where((Order.shop == main_shop) & (Order.id > first_order)).order_by(Order.id).tuples())
        for n, (order_id, status, created, _number) in enumerate(query.iterator()):
            product = product_ids[(n * 7) % len(product_ids)]
            quantity = 1 + n % 2
            yield ("item", (order_id, product, f"Pantofel Kulit {(n * 7) % len(product_ids)}", prices[product],
                            quantity, False, prices[product] * quantity))
            yield ("event", (order_id, "status", "place", None, "placed", None, "customer", created))
            if status != "placed":
                yield ("event", (order_id, "status", "bench", "placed", status, owner.id, "owner",
                                 created + dt.timedelta(hours=2)))

    items, events = [], []
    for kind, row in item_and_event_rows():
        (items if kind == "item" else events).append(row)
    _batched(OrderItem, [OrderItem.order, OrderItem.product, OrderItem.name, OrderItem.unit_price,
                         OrderItem.quantity, OrderItem.made_to_order, OrderItem.line_total], items)
    _batched(OrderEvent, [OrderEvent.order, OrderEvent.kind, OrderEvent.action, OrderEvent.from_status,
                          OrderEvent.to_status, OrderEvent.actor, OrderEvent.actor_role, OrderEvent.created_at], events)
    log(f"items and events: {time.monotonic() - started:.1f} s")

    extra = {}
    for name, fill in PLUGIN_DATA.items():
        try:
            importlib.import_module(f"plugins.{name}.models")
        except ImportError:
            log(f"{name}: not installed, no data")
            continue
        extra[name] = fill(main_shop, customer_ids, owner, rng)
        log(f"{name}: {extra[name]} ({time.monotonic() - started:.1f} s)")
    return {"shop": main_shop.slug, "owner": OWNER_EMAIL, "customer": CUSTOMER_EMAIL, "password": PASSWORD,
            "orders": orders, "products": products, "seconds": round(time.monotonic() - started, 1), **extra}


# ---- plugin data: each function fills one plugin's tables for the benchmarked shop ---------------------------


def _guestbook(shop, customer_ids, owner, rng):
    from plugins.guestbook.models import GuestbookEntry

    count = 500
    _batched(GuestbookEntry, [GuestbookEntry.shop, GuestbookEntry.name, GuestbookEntry.message, GuestbookEntry.rating],
             [(shop.id, f"{rng.choice(FIRST)} {rng.choice(LAST)}", "Sepatunya nyaman dan rapi, terima kasih!",
               1 + i % 5) for i in range(count)])
    return f"{count} guestbook entries"


PLUGIN_DATA = {"guestbook": _guestbook}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL (sqlite:///path or postgresql://...)")
    parser.add_argument("--instance", default=str(ROOT / "bench" / ".data" / "instance"))
    parser.add_argument("--shops", type=int, default=3)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=10_000)
    args = parser.parse_args(argv)
    summary = build(args.db, args.instance, shops=args.shops, products=args.products, customers=args.customers,
                    orders=args.orders)
    print(summary)


def build(database_url: str, instance_dir: str, **sizes) -> dict:
    """Migrate a fresh database at ``database_url`` and generate the platform into it."""
    from portal import create_app
    from portal.core import migrations

    Path(instance_dir).mkdir(parents=True, exist_ok=True)
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_DIR": instance_dir})
    with app.app_context():
        migrations.upgrade(app.extensions["portal"])
        return generate(**sizes)


if __name__ == "__main__":
    main()
