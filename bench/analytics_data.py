"""Generate a big shop for the analytics benchmark: 100 000 orders, 20 000 customers (by default).

Writes straight into the tables with ``insert_many`` in batches (no order flow,
no mail), so it takes a minute or two rather than hours. Every order gets the
status history its final status implies (``OrderEvent`` rows), lines and, when
paid, an approved payment — the same shapes the analytics queries read.

    .venv/bin/python bench/analytics_data.py --database-url sqlite:///instance/bench.db
    .venv/bin/python bench/analytics_data.py --database-url postgresql://user@localhost/bench --orders 100000

The shop is ``bench-analytics``; its owner logs in as ``owner@bench.test`` with
the password ``bench-password-42``. Running it again adds nothing if the shop
exists (``--replace`` deletes it first).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SLUG = "bench-analytics"
OWNER_EMAIL = "owner@bench.test"
PASSWORD = "bench-password-42"
BATCH = 2000
CITIES = ["Bandung", "Jakarta Selatan", "Jakarta Barat", "Bekasi", "Bogor", "Depok", "Cimahi", "Garut", "Tasikmalaya",
          "Cirebon", "Sumedang", "Surabaya", "Semarang", "Yogyakarta", "Medan", "Makassar", "Denpasar", "Malang", ""]
# (final status, weight): most orders of a two-year-old workshop are long finished.
STATUSES = [("completed", 70), ("delivered", 3), ("handed_over", 2), ("ready", 2), ("in_production", 3), ("paid", 2),
            ("payment_submitted", 1), ("awaiting_payment", 2), ("confirmed", 1), ("placed", 1), ("rejected", 3),
            ("cancelled", 5), ("expired", 5)]
PATHS = {
    "placed": [],
    "rejected": ["reject"],
    "confirmed": ["confirm"],
    "awaiting_payment": ["confirm", "request_payment"],
    "payment_submitted": ["confirm", "request_payment", "submit_payment"],
    "expired": ["confirm", "request_payment", "expire"],
    "cancelled": ["confirm", "request_payment", "cancel"],
    "paid": ["confirm", "request_payment", "verify_payment"],
    "in_production": ["confirm", "request_payment", "verify_payment", "start_production"],
    "ready": ["confirm", "request_payment", "verify_payment", "mark_ready"],
    "handed_over": ["confirm", "request_payment", "verify_payment", "mark_ready", "hand_over"],
    "delivered": ["confirm", "request_payment", "verify_payment", "mark_ready", "hand_over", "deliver"],
    "completed": ["confirm", "request_payment", "verify_payment", "mark_ready", "hand_over", "deliver", "complete"],
}
TARGETS = {"confirm": "confirmed", "request_payment": "awaiting_payment", "submit_payment": "payment_submitted",
           "expire": "expired", "cancel": "cancelled", "verify_payment": "paid", "start_production": "in_production",
           "mark_ready": "ready", "hand_over": "handed_over", "deliver": "delivered", "complete": "completed",
           "reject": "rejected"}
# Hours after the previous step: (low, high).
DELAYS = {"confirm": (0.5, 20), "request_payment": (0.001, 0.01), "submit_payment": (0.3, 10), "expire": (48, 50),
          "cancel": (1, 12), "verify_payment": (0.3, 30), "start_production": (2, 30), "mark_ready": (2, 80),
          "hand_over": (3, 48), "deliver": (4, 72), "complete": (2, 96), "reject": (1, 20)}


def make_app(url: str):
    from portal import create_app
    from portal.core import migrations

    instance = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": str(instance), "MEDIA_DIR": str(instance / "media"),
                      "SECRET_KEY": secrets.token_urlsafe(32), "JOBS_IMMEDIATE": True})
    with app.app_context():
        migrations.upgrade(app.extensions["portal"])
    return app


def _batches(rows, size=BATCH):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _insert(model, rows):
    from portal.core.db import db

    for chunk in _batches(rows):
        with db.atomic():
            model.insert_many(chunk).execute()


def _next_id(model) -> int:
    from peewee import fn

    return (model.select(fn.MAX(model.id)).scalar() or 0) + 1


def generate(orders: int, customers: int, seed: int, replace: bool, log=print):
    from portal.core import orders as o
    from portal.core.accounts import hash_password
    from portal.core.models import Category, Product, Shop, User
    from portal.core.shops import add_member, create_shop

    rng = random.Random(seed)
    existing = Shop.get_or_none(Shop.slug == SLUG)
    if existing is not None and not replace:
        log(f"shop {SLUG} exists already ({o.Order.select().where(o.Order.shop == existing).count()} orders); "
            "use --replace to make it again")
        return existing
    if existing is not None:
        existing.delete_instance(recursive=False)  # orders, lines and events go with it (ON DELETE CASCADE)
        User.delete().where(User.email.endswith(f".{seed}@bench.test")).execute()
    started = time.perf_counter()
    owner = User.get_or_none(User.email == OWNER_EMAIL) or User.create(
        email=OWNER_EMAIL, name="Bench Owner", password_hash=hash_password(PASSWORD))
    shop = create_shop(slug=SLUG, name="Bench Sepatu", city="Bandung", order_prefix="BEN")
    add_member(shop, owner, "owner")

    categories = [Category.create(shop=shop, name=name, slug=name.lower(), position=i)
                  for i, name in enumerate(["Pantofel", "Sneakers", "Boots", "Sandal", "Tas", "Dompet", "Ikat pinggang"])]
    products = []
    for i in range(60):
        products.append(Product.create(
            shop=shop, category=categories[i % len(categories)] if i % 13 else None, name=f"Produk Kulit {i + 1:02d}",
            slug=f"produk-{i + 1:02d}", price=rng.randrange(75, 1_500) * 1_000, stock=None, made_to_order=True))
    log(f"catalogue: {len(products)} products")

    # Customers: one shared password hash (scrypt per user would take an hour).
    digest = hash_password(secrets.token_urlsafe(16))
    first_user = _next_id(User)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    user_rows = [{"id": first_user + i, "email": f"pelanggan{i:05d}.{seed}@bench.test", "name": f"Pelanggan {i:05d}",
                  "password_hash": digest, "auth_token": secrets.token_urlsafe(24),
                  "created_at": now - dt.timedelta(days=rng.randrange(0, 800))} for i in range(customers)]
    _insert(User, user_rows)
    customer_ids = [r["id"] for r in user_rows]
    log(f"customers: {customers} ({time.perf_counter() - started:.0f} s)")

    # A few loyal customers place many orders: pick by a Pareto-like weight.
    weights = [1.0 / (1 + i) ** 0.8 for i in range(customers)]
    statuses, status_weights = zip(*STATUSES, strict=True)
    start = now - dt.timedelta(days=730)
    first_order = _next_id(o.Order)
    order_rows, item_rows, event_rows, payment_rows = [], [], [], []
    picked = rng.choices(customer_ids, weights=weights, k=orders)
    # More orders lately: a growing workshop. Sorted, so ids grow with time as in a real shop.
    placed_at = sorted(start + dt.timedelta(days=730 * rng.random() ** 0.7, seconds=rng.randrange(86400))
                       for _ in range(orders))
    for n in range(orders):
        oid = first_order + n
        created = placed_at[n]
        status = rng.choices(statuses, weights=status_weights)[0]
        if created > now - dt.timedelta(days=3) and status == "completed":
            status = "paid"
        lines = [(rng.choice(products), rng.choice((1, 1, 1, 2))) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        subtotal = sum(p.price * q for p, q in lines)
        city = rng.choice(CITIES)
        fee = 0 if not city else 25_000
        guest = rng.random() < 0.12
        order_rows.append({
            "id": oid, "shop": shop.id, "number": f"BEN-{created:%Y%m%d}-{n:06d}", "customer": None if guest else picked[n],
            "name": "Tamu" if guest else "Pelanggan", "email": "tamu@bench.test", "phone": "+6281200000000",
            "city": city, "delivery_method": "delivery" if city else "pickup", "delivery_fee": fee,
            "subtotal": subtotal, "total": subtotal + fee, "status": status, "access_token": secrets.token_hex(20),
            "created_at": created, "updated_at": created,
        })
        for p, q in lines:
            item_rows.append({"order": oid, "product": p.id, "name": p.name, "unit_price": p.price, "quantity": q,
                              "made_to_order": True, "line_total": p.price * q})
        t = created
        event_rows.append({"order": oid, "kind": "status", "action": "place", "from_status": None,
                           "to_status": "placed", "actor_role": "customer", "created_at": t, "public": True, "note": ""})
        current = "placed"
        for action in PATHS[status]:
            low, high = DELAYS[action]
            t = t + dt.timedelta(hours=rng.uniform(low, high))
            event_rows.append({"order": oid, "kind": "status", "action": action, "from_status": current,
                               "to_status": TARGETS[action], "actor_role": "owner", "created_at": t, "public": True,
                               "note": ""})
            current = TARGETS[action]
            if action == "verify_payment":
                payment_rows.append({"order": oid, "amount": subtotal + fee, "status": "approved", "created_at": t})
        if len(order_rows) >= 10_000:
            _flush(order_rows, item_rows, event_rows, payment_rows)
            log(f"orders: {n + 1} ({time.perf_counter() - started:.0f} s)")
    _flush(order_rows, item_rows, event_rows, payment_rows)
    log(f"done: {orders} orders, {customers} customers in {time.perf_counter() - started:.0f} s")
    return shop


def _flush(order_rows, item_rows, event_rows, payment_rows):
    from portal.core import orders as o

    _insert(o.Order, order_rows)
    _insert(o.OrderItem, item_rows)
    _insert(o.OrderEvent, event_rows)
    _insert(o.Payment, payment_rows)
    for rows in (order_rows, item_rows, event_rows, payment_rows):
        rows.clear()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:///instance/bench-analytics.db")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--replace", action="store_true", help="delete the bench shop first")
    args = parser.parse_args(argv)
    app = make_app(args.database_url)
    with app.app_context():
        generate(args.orders, args.customers, args.seed, args.replace)


if __name__ == "__main__":
    main()
