"""Issue 10, item 6: two portal processes behind one database and one Redis behave as one portal.

Two gunicorn processes (threaded workers, as in production) and one job consumer
(`portal worker`) share the test database and a Redis database; a real SMTP server
receives the mail. Across the two processes: a session made on one is valid on the
other, log-in failures count against one limit, and a job queued by one is run by
the worker. Chat's fan-out across processes is tested with the chat plugin.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from urllib.parse import urlparse, urlunparse

import pytest

from portal.testing import TEST_PASSWORD, free_port, make_user, start_smtp_server

REDIS = os.environ.get("PORTAL_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS, reason="needs Redis: set PORTAL_TEST_REDIS_URL (CI and `make test` do)")


def _redis_url() -> str:
    # A Redis database of its own (14), emptied first: other tests use PORTAL_TEST_REDIS_URL's.
    return urlunparse(urlparse(REDIS)._replace(path="/14"))


def _wait(url: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


class Browser:
    """urllib with a cookie jar and the CSRF token of the last form read."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())

    def get(self, url):
        try:
            with self.opener.open(url, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_form(self, page_url, url, **fields):
        _, page = self.get(page_url)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, **fields}).encode()
        try:
            with self.opener.open(urllib.request.Request(url, data=data, method="POST"), timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def cluster(portal_app, portal_database_url, tmp_path):
    import redis

    redis.Redis.from_url(_redis_url()).flushdb()
    controller, handler = start_smtp_server()
    env = {**os.environ, "PORTAL_DATABASE_URL": portal_database_url, "PORTAL_REDIS_URL": _redis_url(),
           "PORTAL_SECRET_KEY": secrets.token_hex(32), "PORTAL_INSTANCE_DIR": str(tmp_path),
           "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(controller.port), "PORTAL_JOBS_IMMEDIATE": "0",
           "PORTAL_BASE_URL": "http://127.0.0.1"}
    procs, urls = [], []
    for _ in range(2):
        port = free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class",
             "gthread", "--threads", "4", "--graceful-timeout", "1", "--no-control-socket", "--log-level", "warning",
             "portal.wsgi:app"], env=env, start_new_session=True))
        urls.append(f"http://127.0.0.1:{port}")
    procs.append(subprocess.Popen([sys.executable, "-m", "portal.cli", "worker", "--workers", "1"], env=env,
                                  start_new_session=True))
    try:
        for url in urls:
            _wait(f"{url}/healthz")
        yield urls, handler
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        controller.stop()


def test_sessions_limits_and_jobs_work_across_two_processes(cluster, portal_app):
    (a, b), smtp = cluster
    user = make_user("dewi@example.test", "Dewi Lestari")

    # A session made by one process is honoured by the other (shared secret key, shared database).
    browser = Browser()
    assert browser.post_form(f"{a}/login", f"{a}/login", email=user.email, password=TEST_PASSWORD) in (302, 303)
    status, page = browser.get(f"{b}/account")
    assert status == 200 and "Dewi Lestari" in page

    # Log-in failures for one account count once, whichever process answers (limit: 5 per 15 minutes).
    attacker = Browser()
    statuses = [attacker.post_form(f"{url}/login", f"{url}/login", email=user.email, password="wrong-password")
                for url in (a, b, a, b, a, b, a)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429], statuses

    # A job queued by one process (the reset mail) is run by the worker and reaches the SMTP server.
    assert Browser().post_form(f"{b}/password/forgot", f"{b}/password/forgot", email=user.email) == 200
    deadline = time.monotonic() + 30
    while not smtp.envelopes and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [e.rcpt_tos for e in smtp.envelopes] == [[user.email]]
