"""The live chat in real browsers.

1. Two browsers on one server: a customer writes, the owner's inbox shows it live,
   the owner answers, the customer's widget shows it live (no reload on either side).
2. Two gunicorn processes sharing PostgreSQL and Redis: a message posted through one
   arrives live in a browser connected to the other.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from plugins.chat import models
from portal.core.models import User
from portal.testing import free_port
from tests.browser.session_kit import log_in

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def portal_config():
    return {"CHAT_STREAM_LIFETIME": 30, "CHAT_HEARTBEAT": 5, "CHAT_REDIS_URL": None}


@pytest.fixture
def chat_on(shop, enable_plugin):
    enable_plugin(shop, "chat")
    models.set_presence(shop, User.get(User.email == "owner@shop.test"), True)
    return shop


def set_marker(page):
    page.evaluate("window.__chatMarker = 1")


def no_reload(page) -> bool:
    return page.evaluate("window.__chatMarker") == 1


def customer_writes_first(tab, base, text):
    page = tab.page
    page.goto(f"{base}/")
    page.locator(".chat-launcher").click()
    page.locator("#chat-widget.chat-open").wait_for()
    page.locator("input[name=chat-name]").fill("Budi Santoso")
    page.locator("textarea[name=chat-body]").fill(text)
    page.locator("textarea[name=chat-body]").press("Enter")
    page.locator("#chat-log", has_text=text).wait_for()
    # The stream is open before anyone answers.
    page.wait_for_function("document.querySelector('#chat-live') && "
                           "document.querySelector('#chat-live').dataset.chatMode === 'sse'")
    set_marker(page)


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_customer_and_owner_chat_live(live_server, chat_on, open_tab, viewport):
    base = f"{live_server.url}/s/{chat_on.slug}"
    customer = open_tab(viewport, "chat-customer")
    owner = open_tab(viewport, "chat-owner")

    log_in(owner.page, live_server.url, "owner@shop.test")
    owner.page.goto(f"{base}/chat/manage/")
    owner.page.wait_for_load_state("networkidle")
    set_marker(owner.page)
    owner.shot("1-empty-inbox")

    customer_writes_first(customer, base, "Halo, ada pantofel ukuran 44?")
    customer.shot("2-customer-wrote")
    # Shift+Enter starts a new line instead of sending.
    box = customer.page.locator("textarea[name=chat-body]")
    box.fill("baris satu")
    box.press("Shift+Enter")
    assert box.input_value() == "baris satu\n"
    box.fill("")

    # The owner's inbox shows it without a reload.
    owner.page.locator("#chat-inbox-list", has_text="Budi Santoso").wait_for()
    assert no_reload(owner.page)
    owner.shot("3-inbox-live")
    owner.page.locator("#chat-inbox-list a", has_text="Budi Santoso").click()
    owner.page.locator(".chat-log", has_text="ukuran 44").wait_for()
    owner.page.wait_for_function("document.querySelector('#chat-staff-live').dataset.chatMode === 'sse'")
    set_marker(owner.page)

    reply = owner.page.locator("textarea[name=chat-body]")
    reply.fill("Ada, Pak Budi. Mau warna hitam?")
    reply.press("Enter")
    owner.page.locator(".chat-log", has_text="warna hitam").wait_for()
    owner.shot("4-owner-answered")

    # The customer's widget shows the answer live.
    customer.page.locator("#chat-log", has_text="Mau warna hitam?").wait_for()
    assert no_reload(customer.page)
    customer.shot("5-customer-sees-answer")
    customer.audit("widget-open")

    # And the customer's next message reaches the open conversation live.
    box.fill("Iya, hitam.")
    box.press("Enter")
    owner.page.locator(".chat-log", has_text="Iya, hitam.").wait_for()
    assert no_reload(owner.page)
    owner.shot("6-owner-sees-reply")
    owner.audit("conversation")
    assert customer.errors == [] and owner.errors == []


# ---------------------------------------------------------------------------
# two server processes
# ---------------------------------------------------------------------------


def _wait_up(url, proc, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


@pytest.fixture
def two_servers(portal_database_url, chat_on, tmp_path):
    redis_url = os.environ.get("PORTAL_TEST_REDIS_URL")
    if not portal_database_url.startswith("postgres") or not redis_url:
        pytest.skip("two server processes need a shared PostgreSQL and Redis: this test runs on the PostgreSQL "
                    "pass (PORTAL_TEST_DATABASE_URL and PORTAL_TEST_REDIS_URL set)")
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": portal_database_url,
        "PORTAL_REDIS_URL": redis_url,
        "PORTAL_SECRET_KEY": "two-process-chat-test-" + "k" * 24,
        "PORTAL_INSTANCE_DIR": str(tmp_path / "instance"),
        "PORTAL_JOBS_IMMEDIATE": "1",
        "PORTAL_RATELIMIT": "0",
    }
    procs, urls, logs = [], [], []
    for i in range(2):
        port = free_port()
        logs.append(open(tmp_path / f"server-{i}.log", "wb"))  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "-k", "gthread", "--threads", "16", "--graceful-timeout", "1", "--no-control-socket",
             "portal.wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=logs[-1],
        )
        procs.append(proc)
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, proc in zip(urls, procs, strict=True):
            _wait_up(f"{url}/s/{chat_on.slug}/", proc)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()


def test_a_message_crosses_between_two_server_processes(two_servers, chat_on, open_tab):
    server_a, server_b = two_servers
    customer = open_tab("desktop", "chat-two-proc-customer")
    owner = open_tab("desktop", "chat-two-proc-owner")

    customer_writes_first(customer, f"{server_a}/s/{chat_on.slug}", "Pesan lewat server A")
    conv = models.ChatConversation.get()

    log_in(owner.page, server_b, "owner@shop.test")
    owner.page.goto(f"{server_b}/s/{chat_on.slug}/chat/manage/{conv.id}")
    owner.page.locator(".chat-log", has_text="Pesan lewat server A").wait_for()
    owner.page.wait_for_function("document.querySelector('#chat-staff-live').dataset.chatMode === 'sse'")
    set_marker(owner.page)

    # Customer (server A) -> owner (server B), live.
    box = customer.page.locator("textarea[name=chat-body]")
    box.fill("Sudah sampai di server B?")
    box.press("Enter")
    owner.page.locator(".chat-log", has_text="Sudah sampai di server B?").wait_for()
    assert no_reload(owner.page)

    # Owner (server B) -> customer (server A), live.
    reply = owner.page.locator("textarea[name=chat-body]")
    reply.fill("Sudah, dijawab dari server B.")
    reply.press("Enter")
    customer.page.locator("#chat-log", has_text="dijawab dari server B").wait_for()
    assert no_reload(customer.page)
    customer.shot("two-processes")
    assert customer.errors == [] and owner.errors == []
