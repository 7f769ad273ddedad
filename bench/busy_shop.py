"""Another shop on the platform keeps writing: a steady stream of stock changes.

Run beside a served portal by ``bench/run.py`` to show what the page cache keeps when
*another* shop is busy. Each write is made as a gunicorn worker's request would make it:
inside a request to that shop's URL (the real URL preprocessing sets ``g.shop``), in
its own transaction. ``--global`` makes the same writes outside any shop's URL, as a
job or a CLI command would, which every shop's cached pages must see.

    python bench/busy_shop.py --db sqlite:///bench/.data/demo/portal.db --shop batik-laweyan --rate 20
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--instance", default=None)
    parser.add_argument("--shop", required=True, help="the busy shop's slug")
    parser.add_argument("--rate", type=float, default=20.0, help="writes per second")
    parser.add_argument("--global", dest="global_", action="store_true", help="write outside the shop's URL")
    args = parser.parse_args(argv)

    from portal.app import create_app
    from portal.core.db import atomic_write
    from portal.core.models import Product, Shop

    config = {"DATABASE_URL": args.db}
    if args.instance:
        config["INSTANCE_DIR"] = args.instance
    app = create_app(config)
    with app.app_context():
        shop = Shop.get(Shop.slug == args.shop)
        # Products kept in stock: each write really changes a row (a made-to-order one has no stock to change).
        product_ids = [p.id for p in Product.select(Product.id).where(
            (Product.shop == shop) & Product.stock.is_null(False))]
    if not product_ids:
        sys.exit(f"shop {args.shop} has no products kept in stock")
    interval = 1.0 / args.rate
    writes = 0
    next_at = time.monotonic()
    while True:
        product_id = product_ids[writes % len(product_ids)]
        # One pass over the products adds one to each, the next takes it back: stock never goes below zero.
        step = 1 if (writes // len(product_ids)) % 2 == 0 else -1
        url = "/" if args.global_ else f"/s/{args.shop}/"
        with app.test_request_context(url):
            app.preprocess_request()  # the shop's URL sets g.shop as in a served request
            with atomic_write():
                Product.update(stock=Product.stock + step).where(
                    (Product.id == product_id) & Product.stock.is_null(False)).execute()
        writes += 1
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))


if __name__ == "__main__":
    main()
