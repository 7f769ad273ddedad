"""Backups taken while orders are written, restored into a fresh database; files; refusals; the CLI."""
from __future__ import annotations

import io
import json
import sqlite3
import tarfile
import threading
import time
import types
import uuid
from urllib.parse import urlparse, urlunparse

import pytest
from click.testing import CliRunner
from orders_testkit import make_product, place
from PIL import Image

from portal import cli
from portal.core import backup as backups
from portal.core import media, proofs
from portal.core.db import db, make_database
from portal.core.models import Migration, Product, ProductImage
from portal.core.orders import Order, OrderEvent, OrderItem, Payment

CHECKED_MODELS = [Order, OrderItem, OrderEvent, Payment, Product, ProductImage, Migration]


def png(color=(200, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


def _admin(url: str):
    import psycopg2

    conn = psycopg2.connect(urlunparse(urlparse(url)._replace(path="/postgres")))
    conn.autocommit = True
    return conn


@pytest.fixture
def fresh_site(portal_database_url, tmp_path):
    """An empty installation of the same database kind: a new SQLite file, or a new PostgreSQL database."""
    folder = tmp_path / "restored"
    folder.mkdir()
    if portal_database_url.startswith("sqlite"):
        yield backups.Site(f"sqlite:///{folder / 'portal.db'}", folder, folder / "media")
        return
    name = f"portal_restore_{uuid.uuid4().hex[:10]}"
    admin = _admin(portal_database_url)
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield backups.Site(urlunparse(urlparse(portal_database_url)._replace(path=f"/{name}")), folder, folder / "media")
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class OrderWriter(threading.Thread):
    """Places orders, each followed by its payment claim, until stopped (a busy shop)."""

    def __init__(self, app, shop, product):
        super().__init__(daemon=True)
        self.app, self.shop_id, self.product_id = app, shop.id, product.id
        self.committed: list[tuple[int, float]] = []  # (order id, when its payment committed)
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def run(self):
        from portal.core.models import Shop

        with self.app.app_context():
            try:
                shop, product = Shop.get_by_id(self.shop_id), Product.get_by_id(self.product_id)
                while not self.stop.is_set():
                    with self.app.test_request_context():
                        order = place(shop, [(product, 1)], email=f"buyer{len(self.committed)}@example.test")
                    submit_payment(order)
                    self.committed.append((order.id, time.monotonic()))
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(exc)
            finally:
                db.close()

    def wait_for(self, count: int, timeout: float = 20):
        deadline = time.monotonic() + timeout
        while len(self.committed) < count and not self.errors and time.monotonic() < deadline:
            time.sleep(0.005)
        assert not self.errors, self.errors
        assert len(self.committed) >= count, "the order writer stalled"


def submit_payment(order, proof_name=None):
    with db.atomic():
        Payment.create(order=order, amount=order.total, payer_name=order.name, payer_bank="BCA",
                       proof_file=proof_name, proof_content_type="image/png" if proof_name else None)
        OrderEvent.create(order=order, kind="payment", action="payment_submitted", actor_role="customer",
                          note="transfer proof")


def test_backup_under_load_restores_every_committed_order(portal_app, shop, fresh_site, tmp_path, monkeypatch):
    site = backups.Site.from_config(portal_app.config)
    product = make_product(shop, price=125_000, stock=1_000_000)
    # Uploads of both kinds, each written before the row that names it commits.
    picture = media.save_pil_image(product, Image.new("RGB", (64, 64), (90, 60, 30)))
    with portal_app.test_request_context():
        first = place(shop, [(product, 2)])
    submit_payment(first, proofs.store(proofs.check_bytes(png())))

    writer = OrderWriter(portal_app, shop, product)
    copy_files = backups.copy_files

    def copy_files_once_more_orders_committed(*args, **kwargs):
        # However fast the snapshot was, orders keep committing while the backup is still running.
        writer.wait_for(len(writer.committed) + 2)
        return copy_files(*args, **kwargs)

    monkeypatch.setattr(backups, "copy_files", copy_files_once_more_orders_committed)
    writer.start()
    try:
        writer.wait_for(5)
        before = [order_id for order_id, _ in writer.committed] + [first.id]
        started = time.monotonic()
        path, manifest = backups.backup(site, tmp_path / "under-load.tar.gz")
        finished = time.monotonic()
        # The shop kept taking orders while the backup ran (and after it).
        writer.wait_for(len(writer.committed) + 3)
    finally:
        writer.stop.set()
        writer.join(timeout=20)
    assert not writer.errors, writer.errors
    during = [i for i, t in writer.committed if started < t < finished]
    assert during, "no order was written while the backup ran"

    assert manifest["database_kind"] == ("sqlite" if site.kind == "sqlite" else "postgresql")
    assert ["core", "0002_orders"] in manifest["migrations"]
    assert manifest["file_count"] == len(manifest["files"]) >= 2
    assert tarfile.is_tarfile(path) and (path.stat().st_mode & 0o077) == 0

    report = backups.restore(fresh_site, path)
    assert report.integrity == "ok"
    assert sorted(report.migrations) == sorted(manifest["migrations"])

    restored = make_database(fresh_site.database_url)
    try:
        with restored.bind_ctx(CHECKED_MODELS):
            if fresh_site.kind == "sqlite":
                assert restored.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
            orders = {o.id: o for o in Order.select()}
            assert set(before) <= set(orders)
            for order_id in before:
                items = list(OrderItem.select().where(OrderItem.order == order_id))
                assert items and sum(i.line_total for i in items) == orders[order_id].subtotal
                actions = {e.action for e in OrderEvent.select().where(OrderEvent.order == order_id)}
                assert {"place", "payment_submitted"} <= actions
                assert [p.amount for p in Payment.select().where(Payment.order == order_id)] == [orders[order_id].total]
            # A consistent snapshot: no order without its lines and its first event.
            for order_id in orders:
                assert OrderItem.select().where(OrderItem.order == order_id).exists()
                assert OrderEvent.select().where((OrderEvent.order == order_id) & (OrderEvent.action == "place")).exists()
            # Stock taken by exactly the orders in the snapshot.
            sold = sum(i.quantity for i in OrderItem.select())
            assert Product.get_by_id(product.id).stock == 1_000_000 - sold
            proof_name = Payment.get(Payment.order == first.id).proof_file
            assert ProductImage.get_by_id(picture.id).filename == picture.filename
    finally:
        restored.close()
    # The files the restored rows name are back, byte for byte.
    assert (fresh_site.instance_dir / "private" / "proofs" / proof_name).read_bytes() == \
        proofs.path_for(proof_name).read_bytes()
    variants = sorted(p.name for p in (site.media_dir / "products").glob(f"{picture.filename}*"))
    assert variants
    for name in variants:
        assert (fresh_site.media_dir / "products" / name).read_bytes() == \
            (site.media_dir / "products" / name).read_bytes()


def test_snapshot_neither_waits_for_nor_includes_an_open_transaction(portal_app, shop, fresh_site, tmp_path):
    """A checkout in the middle of its transaction during the backup is simply not in it (and not half in it)."""
    site = backups.Site.from_config(portal_app.config)
    product = make_product(shop, stock=10)
    with portal_app.test_request_context():
        committed = place(shop, [(product, 1)])
    opened, release = threading.Event(), threading.Event()
    errors = []

    def checkout_in_progress():
        try:
            with portal_app.app_context(), portal_app.test_request_context(), db.atomic():
                place(shop, [(Product.get_by_id(product.id), 2)], email="late@example.test")
                opened.set()
                assert release.wait(30)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            db.close()

    thread = threading.Thread(target=checkout_in_progress, daemon=True)
    thread.start()
    try:
        assert opened.wait(20), errors
        path, _manifest = backups.backup(site, tmp_path / "mid-transaction.tar.gz")
    finally:
        release.set()
        thread.join(timeout=20)
    assert not errors, errors
    assert Order.select().where(Order.email == "late@example.test").count() == 1  # it did commit afterwards

    backups.restore(fresh_site, path)
    restored = make_database(fresh_site.database_url)
    try:
        with restored.bind_ctx(CHECKED_MODELS):
            assert [o.id for o in Order.select()] == [committed.id]
            assert OrderItem.select().count() == 1
            assert Product.get_by_id(product.id).stock == 9
    finally:
        restored.close()


def test_files_restored_byte_identical(portal_app, fresh_site, tmp_path):
    site = backups.Site.from_config(portal_app.config)
    blobs = {
        "media/products/a_320.webp": bytes(range(256)) * 40,
        "media/deep/er/b.bin": b"\x00\xff" * 1000,
        "private/proofs/c.pdf": b"%PDF-1.4 receipt",
        "private/statements/d.csv": b"tanggal;keterangan;jumlah\n",
    }
    for rel, data in blobs.items():
        label, _, sub = rel.partition("/")
        target = site.file_roots()[label] / sub
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    # A half-written upload is not part of the backup.
    (site.media_dir / "products" / "e.part").write_bytes(b"half")

    path, manifest = backups.backup(site, tmp_path / "files-backup")  # a folder this time
    assert path.is_dir() and set(manifest["files"]) == set(blobs)
    report = backups.restore(fresh_site, path)
    assert report.files == len(blobs)
    for rel, data in blobs.items():
        label, _, sub = rel.partition("/")
        assert (fresh_site.file_roots()[label] / sub).read_bytes() == data
    assert not (fresh_site.media_dir / "products" / "e.part").exists()


def test_damaged_backup_is_refused_before_anything_changes(portal_app, shop, fresh_site, tmp_path):
    site = backups.Site.from_config(portal_app.config)
    proof = site.instance_dir / "private" / "proofs" / "x.png"
    proof.parent.mkdir(parents=True)
    proof.write_bytes(png())
    path, _manifest = backups.backup(site, tmp_path / "damaged")
    (path / "files" / "private" / "proofs" / "x.png").write_bytes(b"changed")
    with pytest.raises(backups.BackupError, match="damaged"):
        backups.restore(fresh_site, path)
    assert not (fresh_site.instance_dir / "private").exists()

    manifest = json.loads((path / "manifest.json").read_text())
    manifest["database_kind"] = "postgresql" if site.kind == "sqlite" else "sqlite"
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(backups.BackupError, match="backup; the portal is configured for"):
        backups.restore(fresh_site, path)


def test_restore_refuses_a_database_in_use(portal_app, shop, fresh_site, tmp_path):
    site = backups.Site.from_config(portal_app.config)
    path, _manifest = backups.backup(site, tmp_path / "b.tgz")
    if fresh_site.kind == "sqlite":
        holder = sqlite3.connect(fresh_site.sqlite_path)
        holder.execute("PRAGMA journal_mode = wal")
        holder.execute("CREATE TABLE newer (x)")
        holder.execute("INSERT INTO newer VALUES (42)")
        holder.commit()
    else:
        import psycopg2

        holder = psycopg2.connect(fresh_site.database_url)
    try:
        with pytest.raises(backups.RestoreRefused):
            backups.restore(fresh_site, path)
        if fresh_site.kind == "sqlite":
            assert holder.execute("SELECT x FROM newer").fetchone() == (42,)
    finally:
        holder.close()
    report = backups.restore(fresh_site, path, force=True)
    assert report.integrity == "ok"
    if fresh_site.kind == "sqlite":
        # The replaced database is kept beside the restored one, its last write included.
        kept = sqlite3.connect(report.previous_database)
        try:
            assert kept.execute("SELECT x FROM newer").fetchone() == (42,)
        finally:
            kept.close()


def test_pg_dump_missing_gives_a_clear_error(monkeypatch):
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    monkeypatch.setattr(backups.glob, "glob", lambda pattern: [])
    with pytest.raises(backups.BackupError, match=r"pg_dump was not found.*postgresql-client"):
        backups.find_pg_tool("pg_dump")


def test_pg_tools_are_found_beside_the_server_when_not_on_path(monkeypatch):
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    monkeypatch.setattr(backups.glob, "glob", lambda pattern: [pattern.replace("*", v) for v in ("9.6", "15", "13")])
    monkeypatch.setattr(backups.os, "access", lambda path, mode: True)
    assert backups.find_pg_tool("pg_restore") == "/usr/lib/postgresql/15/bin/pg_restore"


def test_password_stays_out_of_the_command_line():
    target, env = backups.libpq_target("postgresql://portal:s%3Acret@db.example:5433/shop?sslmode=require")
    assert target == "postgresql://portal@db.example:5433/shop?sslmode=require"
    assert env["PGPASSWORD"] == "s:cret"


def test_cli_backup_and_restore(portal_app, shop, fresh_site, tmp_path, monkeypatch):
    make_product(shop, name="Loafer Cokelat", stock=3)
    monkeypatch.setattr(cli, "_app", lambda: portal_app)
    runner = CliRunner()
    out = tmp_path / "cli.tar.gz"
    result = runner.invoke(cli.main, ["backup", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert f"backup written to {out}" in result.output and out.exists()
    again = runner.invoke(cli.main, ["backup", "--output", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output

    monkeypatch.setattr(cli, "_app", lambda: types.SimpleNamespace(config={
        "DATABASE_URL": fresh_site.database_url, "INSTANCE_DIR": str(fresh_site.instance_dir),
        "MEDIA_DIR": str(fresh_site.media_dir)}))
    refused = runner.invoke(cli.main, ["restore", str(out)], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    result = runner.invoke(cli.main, ["restore", str(out), "--yes"])
    assert result.exit_code == 0, result.output
    assert "integrity: ok" in result.output
    restored = make_database(fresh_site.database_url)
    try:
        with restored.bind_ctx([Product]):
            assert [p.name for p in Product.select()] == ["Loafer Cokelat"]
    finally:
        restored.close()
