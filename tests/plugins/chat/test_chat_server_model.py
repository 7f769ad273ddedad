"""`portal run`'s server model for live chat: many threads per worker, one worker unless Redis spans processes."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from portal import cli


@pytest.fixture
def started(monkeypatch):
    calls = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    return calls


def _arg(cmd, name):
    return cmd[cmd.index(name) + 1]


def test_without_redis_one_worker_holds_every_stream(started, monkeypatch):
    monkeypatch.delenv("PORTAL_REDIS_URL", raising=False)
    result = CliRunner().invoke(cli.main, ["run", "--no-worker", "--workers", "2"])
    [cmd] = started
    assert result.exit_code == 0
    assert _arg(cmd, "--workers") == "1" and _arg(cmd, "--threads") == "256"
    assert _arg(cmd, "--worker-class") == "gthread"
    assert "live chat needs Redis" in result.output


def test_with_redis_the_workers_are_kept(started, monkeypatch):
    monkeypatch.setenv("PORTAL_REDIS_URL", "redis://127.0.0.1:6379/15")
    result = CliRunner().invoke(cli.main, ["run", "--no-worker", "--workers", "2", "--threads", "160"])
    [cmd] = started
    assert result.exit_code == 0
    assert (_arg(cmd, "--workers"), _arg(cmd, "--threads")) == ("2", "160")


def test_gunicorn_graceful_stop_ends_open_streams_cleanly(portal_database_url, shop, enable_plugin, tmp_path):
    """SIGTERM to a gthread worker: an open stream gets its closing comment and a proper end, at once."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from itsdangerous import URLSafeSerializer

    from plugins.chat import models
    from portal.testing import free_port

    enable_plugin(shop, "chat")
    secret = "graceful-stop-test-" + "s" * 30
    models.start_conversation(shop, name="Tamu", guest_key="k" * 32)
    cookie = URLSafeSerializer(secret, salt="portal-chat-guest").dumps("k" * 32)
    port = free_port()
    env = {**os.environ, "PORTAL_DATABASE_URL": portal_database_url, "PORTAL_SECRET_KEY": secret,
           "PORTAL_INSTANCE_DIR": str(tmp_path)}
    env.pop("PORTAL_REDIS_URL", None)
    root = Path(__file__).resolve().parents[3]
    with open(tmp_path / "server.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "-k", "gthread",
             "--threads", "4", "--graceful-timeout", "30", "--no-control-socket", "portal.wsgi:app"],
            cwd=root, env=env, stdout=log, stderr=log)
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/s/workshop/", timeout=2).read()
                    break
                except Exception:
                    time.sleep(0.2)
            with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
                sock.sendall(f"GET /s/workshop/chat/stream HTTP/1.1\r\nHost: t\r\n"
                             f"Cookie: portal_chat={cookie}\r\n\r\n".encode())
                data = sock.recv(65536)
                assert b"200 OK" in data and b"text/event-stream" in data
                proc.send_signal(signal.SIGTERM)
                while not data.endswith(b"0\r\n\r\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            assert b": bye" in data and data.endswith(b"0\r\n\r\n")  # the chunked answer ended properly
            proc.wait(timeout=120)  # a guard against hanging, not a speed limit
            assert proc.returncode == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
