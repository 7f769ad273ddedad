"""The background job queue (huey): SQLite storage by default, Redis when configured.

Jobs are plain functions registered by name. Views never enqueue directly inside
a transaction: ``defer()`` holds the job until the request has finished without
error (and so after its commit), then hands it to huey, which retries failures.
Run the consumer with ``portal worker``; ``portal run`` starts one for you.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context
from huey import RedisHuey, SqliteHuey

from portal.core import changes

log = logging.getLogger(__name__)


class Jobs:
    def __init__(self):
        self.huey = None
        self.tasks = {}
        self.app: Flask | None = None

    def init_app(self, app: Flask):
        self.app = app
        if app.config.get("REDIS_URL"):
            self.huey = RedisHuey("portal", url=app.config["REDIS_URL"], immediate=app.config["JOBS_IMMEDIATE"])
        else:
            path = Path(app.config["INSTANCE_DIR"]) / "jobs.db"
            self.huey = SqliteHuey("portal", filename=str(path), immediate=app.config["JOBS_IMMEDIATE"])
        app.extensions["portal_jobs"] = self
        app.after_request(self._flush)
        app.teardown_request(self._drop)
        from portal.core import mail

        self.register("send_mail", mail.deliver, retries=5, retry_delay=60)
        from portal.core import payments

        payments.register_jobs(self)

    def _in_app(self, name: str, fn):
        app = self.app

        def run(*args, **kwargs):
            if has_app_context() and current_app._get_current_object() is app:
                # Run in place (immediate mode, or one job queueing another): a second
                # app context would close the caller's connection when it ends. A job may
                # write any shop's rows, whatever shop's URL queued it: its writes count as
                # global (portal.core.changes), as they do in the worker.
                with changes.global_writes():
                    return fn(*args, **kwargs)
            with app.app_context():
                from portal.core.db import db

                # The job's own connection: never share one with a request thread.
                with db.connection_context():
                    return fn(*args, **kwargs)

        run.__name__ = f"job_{name}"
        return run

    def register(self, name: str, fn, retries: int = 3, retry_delay: int = 30):
        """Make ``fn`` runnable as job ``name`` (it runs inside an app context)."""
        self.tasks[name] = self.huey.task(retries=retries, retry_delay=retry_delay, name=name)(self._in_app(name, fn))

    def register_periodic(self, name: str, fn, cron):
        """Run ``fn()`` on the consumer's clock, inside an app context.

        :param cron: a ``huey.crontab(...)`` (e.g. ``crontab(minute="*/5")``);
            ``portal worker`` runs it, tests call ``fn`` directly.
        """
        self.tasks[name] = self.huey.periodic_task(cron, name=name)(self._in_app(name, fn))

    def enqueue(self, name: str, *args, **kwargs):
        return self.tasks[name](*args, **kwargs)

    def defer(self, name: str, *args, **kwargs):
        """Enqueue after the current request succeeds; at once outside a request."""
        if has_request_context():
            g.setdefault("_portal_deferred_jobs", []).append((name, args, kwargs))
        else:
            self.enqueue(name, *args, **kwargs)

    def _flush(self, response):
        pending = g.pop("_portal_deferred_jobs", [])
        if response.status_code >= 500:
            return response
        # A job run in place (immediate mode) may defer more jobs — a plugin's job queueing
        # a mail, say — while the request context is still up: flush those too.
        while pending:
            for name, args, kwargs in pending:
                try:
                    self.enqueue(name, *args, **kwargs)
                except Exception:  # a queue outage must not turn a done order into an error page
                    log.exception("could not enqueue job %s", name)
            pending = g.pop("_portal_deferred_jobs", [])
        return response

    def _drop(self, exc):
        g.pop("_portal_deferred_jobs", None)


def jobs() -> Jobs:
    return current_app.extensions["portal_jobs"]
