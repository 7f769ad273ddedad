"""The ``portal`` command: run the server, upgrade the database, load demo data, manage plugins."""
from __future__ import annotations

import os
import subprocess
import sys

import click


def _app():
    from portal import create_app

    return create_app()


@click.group()
def main():
    """Portal: an E-CRM shop portal for small businesses."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--threads", default=256, show_default=True, type=int,
              help="Threads per worker; each open live-chat stream holds one (see plugins/chat/README.md).")
@click.option("--worker/--no-worker", "with_worker", default=True, show_default=True,
              help="Also start the background job consumer.")
def run(host, port, workers, threads, with_worker):
    """Serve the portal with gunicorn (threaded workers)."""
    if workers > 1 and not os.environ.get("PORTAL_REDIS_URL"):
        # Live chat fans messages out in process without Redis: every stream must be
        # served by the process that takes the posts, so one worker (with many threads).
        click.echo(f"PORTAL_REDIS_URL is not set: starting 1 worker with {threads} threads "
                   f"instead of {workers} (live chat needs Redis to span processes).")
        workers = 1
    consumer = None
    if with_worker:
        consumer = subprocess.Popen([sys.executable, "-m", "portal.cli", "worker"])
    cmd = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--graceful-timeout", "5",
        "--no-control-socket",
        "--access-logfile", "-",
        "portal.wsgi:app",
    ]
    click.echo(f"Portal on http://{host}:{port}/")
    try:
        raise SystemExit(subprocess.call(cmd))
    finally:
        if consumer is not None:
            consumer.terminate()
            consumer.wait(timeout=10)


@main.command()
@click.option("--workers", default=2, show_default=True, type=int)
def worker(workers):
    """Run the background job consumer (mail, reminders, expiry)."""
    from huey.consumer import Consumer

    app = _app()
    huey = app.extensions["portal_jobs"].huey
    Consumer(huey, workers=workers, worker_type="thread", periodic=True).run()


@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
def db_upgrade():
    """Apply pending migrations (core first, then plugins). Safe to run again."""
    from portal.core import migrations

    app = _app()
    with app.app_context():
        result = migrations.upgrade(app.extensions["portal"])
    registry = app.extensions["portal"]
    for label, ran in result.items():
        click.echo(f"{label}: {', '.join(ran) if ran else 'up to date'}")
    for name, reason in registry.refused.items():
        click.echo(f"plugin {name} refused: {reason}", err=True)


@main.command()
def demo():
    """Load the demo shop, customers and accounts (idempotent)."""
    from portal.demo import load_demo

    app = _app()
    with app.app_context():
        summary = load_demo()
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


@main.group()
def plugins():
    """Installed plugins."""


@plugins.command("list")
def plugins_list():
    """List installed plugins, whether the platform allows them, and refusals."""
    app = _app()
    registry = app.extensions["portal"]
    with app.app_context():
        allowed = registry.platform_allowed()
    for name, plugin in sorted(registry.plugins.items()):
        state = "allowed" if allowed.get(name) else "not allowed"
        click.echo(f"{name} {plugin.info.version} [{state}] - {plugin.info.description}")
    for name, reason in sorted(registry.refused.items()):
        click.echo(f"{name} REFUSED - {reason}")


@plugins.command("allow")
@click.argument("name")
def plugins_allow(name):
    """Let shops enable plugin NAME."""
    _set_allowed(name, True)


@plugins.command("disallow")
@click.argument("name")
def plugins_disallow(name):
    """Switch plugin NAME off for every shop (use when its pages will not load). Data is kept."""
    _set_allowed(name, False)


@plugins.command("new")
@click.argument("name")
@click.option("--dir", "directory", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Where to create the portal-NAME folder.")
def plugins_new(name, directory):
    """Create portal-NAME/, an installable plugin package to start from."""
    from portal.scaffold import ScaffoldError, create_plugin

    try:
        root = create_plugin(name, directory)
    except ScaffoldError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from exc
    click.echo(f"created {root}")
    click.echo(f"next: pip install -e {root} && portal db upgrade && portal plugins allow {name}")


def _set_allowed(name: str, allowed: bool):
    from portal.core.plugins import registry

    app = _app()
    with app.app_context():
        registry().set_platform_allowed(name, allowed)
    click.echo(f"{name}: {'allowed' if allowed else 'not allowed'}")


@main.group()
def docs():
    """The plugin documentation."""


@docs.command("build")
def docs_build():
    """Regenerate docs/hooks/ from the hookspec docstrings."""
    from portal.docs import write

    for path in write():
        click.echo(f"wrote {path}")


@main.group()
def shop():
    """Shops on this platform."""


@shop.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--owner-email", required=True)
@click.option("--owner-name", default="")
@click.option("--prefix", default="ORD", help="Order number prefix, e.g. CBD.")
def shop_create(slug, name, owner_email, owner_name, prefix):
    """Create a shop; an existing account becomes its owner, anyone else is invited by e-mail."""
    from portal.core.shops import ShopError, create_shop_with_owner

    app = _app()
    with app.app_context(), app.test_request_context(base_url=app.config["BASE_URL"]):
        try:
            shop_obj, link = create_shop_with_owner(slug=slug, name=name, owner_email=owner_email,
                                                    owner_name=owner_name, order_prefix=prefix)
        except ShopError as exc:
            raise click.BadParameter(str(exc)) from exc
        # Mail is queued when a request finishes; this command's request ends here.
        app.process_response(app.response_class())
    click.echo(f"shop {shop_obj.slug} created")
    if link:
        click.echo(f"the owner accepts the invitation (register or log in) at: {link}")


@main.command("backup")
@click.option("--output", type=click.Path(dir_okay=True, path_type=str), default=None,
              help="A .tar.gz file (or a folder for any other name); default: INSTANCE_DIR/backups/.")
def backup_cmd(output):
    """Back up the database (a consistent snapshot, safe while orders come in) and the uploaded files."""
    from portal import __version__
    from portal.core import backup as backups

    app = _app()
    try:
        path, manifest = backups.backup(backups.Site.from_config(app.config), output, portal_version=__version__)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {path}")
    click.echo(f"{manifest['database_kind']} database, {len(manifest['migrations'])} migrations, "
               f"{manifest['file_count']} files, sha256 {manifest['database_sha256']}")


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, path_type=str))
@click.option("--yes", is_flag=True, help="Do not ask; replace the database even if it looks in use.")
def restore_cmd(path, yes):
    """Replace the database and restore the uploaded files from the backup at PATH."""
    from portal.core import backup as backups
    from portal.core.db import db as database

    app = _app()
    site = backups.Site.from_config(app.config)
    if not yes:
        click.confirm(f"Replace the {site.kind} database and restore the files from {path}?", abort=True)
    # This process's own connection must not count as "in use" nor hold locks.
    if not database.is_closed():
        database.close()
    try:
        report = backups.restore(site, path, force=yes)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = report.manifest
    click.echo(f"restored the backup of {manifest['created_at']} (portal {manifest['portal_version']})")
    click.echo(f"integrity: {report.integrity}; migrations: {len(report.migrations)}; files: {report.files}")
    if report.previous_database:
        click.echo(f"the replaced database was kept as {report.previous_database}")
    click.echo("restart the portal (web and worker) now")


@main.command("export")
@click.option("--shop", "slug", required=True, help="The shop's slug.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="The JSON file to write ('-' for standard output); default: SLUG-export-<time>.json.")
def export_cmd(slug, output):
    """Write all of one shop's data as JSON (for a shop that leaves the platform)."""
    from portal.core import export
    from portal.core.db import utcnow
    from portal.core.models import Shop

    app = _app()
    with app.app_context():
        shop_obj = Shop.get_or_none(Shop.slug == slug)
        if shop_obj is None:
            raise click.BadParameter(f"no shop with the slug {slug!r}", param_hint="--shop")
        if output == "-":
            click.echo(export.to_json(export.export_shop(shop_obj)))
            return
        output = output or f"{slug}-export-{utcnow().strftime('%Y%m%dT%H%M%SZ')}.json"
        data = export.write_export(shop_obj, output)
    counts = data["counts"]
    click.echo(f"{slug}: {counts['orders']} orders, {counts['products']} products, "
               f"{counts['customers']} customers written to {output}")


# ``portal plugin new NAME`` reads better than ``portal plugins new NAME``; both work.
main.add_command(plugins, name="plugin")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
