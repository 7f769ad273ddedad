"""Lighthouse on the storefront home, a product page and an order page (mobile profile); prints the four scores.

    make lighthouse            # or: .venv/bin/python bench/lighthouse.py

Serves the demo (every plugin on) with gunicorn on loopback, exactly as ``make bench``
does, and runs Lighthouse 12.2.3 (from ``bench/lighthouse/``, installed with npm; 13
needs a newer Node than Debian's) against Debian's Chromium. The order page is
audited logged in as the demo customer. Targets (issue 10): performance ≥ 95,
accessibility 100, best practices 100, SEO ≥ 95.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from run import Server, login_cookie, portal_env, prepare_demo, wait_for  # noqa: E402

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
                "--disable-sync --disable-quic --no-first-run")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 95}


def install():
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=LIGHTHOUSE.parents[2], check=True)


def audit(url: str, cookie: str | None = None) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
               f"--chrome-flags={CHROME_FLAGS}", "--only-categories=performance,accessibility,best-practices,seo"]
        if cookie:
            cmd.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
        subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
                       capture_output=True)
        data = json.loads(report.read_text())
    scores = {key: round((cat["score"] or 0) * 100) for key, cat in data["categories"].items()}
    failing = [f"{a['id']}: {a['title']}" for a in data["audits"].values()
               if a.get("score") is not None and a["score"] < 0.9 and a.get("scoreDisplayMode") == "binary"]
    return {**scores, "failing": failing}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="reuse the demo database of an earlier run")
    args = parser.parse_args(argv)
    install()
    url, folder = prepare_demo(args)

    from portal import create_app
    from portal.core.models import Product, Shop, User
    from portal.core.orders import Order

    app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": str(folder)})
    with app.app_context():
        shop = Shop.get(Shop.slug == "cibaduyut")
        product = Product.select().where((Product.shop == shop) & Product.is_active).order_by(Product.id).first()
        customer = User.get(User.email == "customer@demo.test")
        order = (Order.select().where((Order.shop == shop) & (Order.customer == customer))
                 .order_by(Order.created_at.desc()).first())
        paths = {"storefront home": (f"/s/{shop.slug}/", False), "product page": (f"/s/{shop.slug}/p/{product.slug}", False),
                 "order page": (f"/s/{shop.slug}/orders/{order.number}", True)}

    server = Server("portal.wsgi:app", portal_env(url, folder))
    try:
        wait_for(f"{server.url}/healthz")
        cookie = login_cookie(server.url, "customer@demo.test", "demo12345")
        print("| page | performance | accessibility | best practices | SEO |")
        print("| --- | ---: | ---: | ---: | ---: |")
        notes = []
        for name, (path, logged_in) in paths.items():
            scores = audit(server.url + path, cookie if logged_in else None)
            print(f"| {name} | {scores['performance']} | {scores['accessibility']} | {scores['best-practices']} | "
                  f"{scores['seo']} |", flush=True)
            notes += [f"{name}: {f}" for f in scores["failing"]]
        if notes:
            print("\nFailing audits:\n" + "\n".join(f"- {n}" for n in notes))
        print(f"\nTargets: {', '.join(f'{k} ≥ {v}' for k, v in TARGETS.items())}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
