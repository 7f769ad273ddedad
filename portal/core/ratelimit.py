"""Rate limits (Flask-Limiter): in memory by default, in Redis when configured.

The client address comes from ``request.remote_addr``; it is only taken from
``X-Forwarded-For`` when ``PORTAL_TRUSTED_PROXIES`` says how many proxies to
trust (ProxyFix in ``create_app``), so a forged header cannot reset a limit.
"""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app):
    limiter.init_app(app)
