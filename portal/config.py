"""Configuration read from the environment, with safe defaults for a laptop.

Every setting is a ``PORTAL_*`` environment variable; ``Config.from_env`` turns
them into the Flask config mapping used by ``create_app``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Keys that appear in tutorials and templates; a production start with one of
# these is refused because anybody could forge sessions with it.
WELL_KNOWN_KEYS = {
    "",
    "dev",
    "development",
    "secret",
    "changeme",
    "change-me",
    "please-change-me",
    "your-secret-key",
    "test",
}


class ConfigError(RuntimeError):
    """Raised when the environment describes a configuration that must not start."""


def instance_dir() -> Path:
    path = Path(os.environ.get("PORTAL_INSTANCE_DIR", ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(env: dict, production: bool, instance: Path) -> str:
    key = env.get("PORTAL_SECRET_KEY")
    if production:
        if key is None or key.strip().lower() in WELL_KNOWN_KEYS or len(key) < 32:
            raise ConfigError(
                "PORTAL_SECRET_KEY is missing, too short or well known; "
                "production mode refuses to start without a random key of 32+ characters."
            )
        return key
    if key:
        return key
    # Local use: generate once and keep it, so sessions survive a restart.
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def from_env(env: dict | None = None, **overrides) -> dict:
    """Build the Flask config mapping from ``env`` (default: ``os.environ``)."""
    env = dict(os.environ if env is None else env)
    instance = Path(overrides.get("INSTANCE_DIR") or env.get("PORTAL_INSTANCE_DIR") or instance_dir())
    instance.mkdir(parents=True, exist_ok=True)
    production = env.get("PORTAL_ENV", "development") == "production"
    redis_url = env.get("PORTAL_REDIS_URL") or None
    config = {
        "ENV_NAME": "production" if production else "development",
        "INSTANCE_DIR": str(instance),
        "DATABASE_URL": env.get("PORTAL_DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}",
        "REDIS_URL": redis_url,
        "MEDIA_DIR": env.get("PORTAL_MEDIA_DIR") or str(instance / "media"),
        # Pooled connections for a served portal; tests build an app per test and use plain ones.
        "DATABASE_POOL": env.get("PORTAL_DATABASE_POOL", "1") == "1",
        "BASE_URL": env.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        "MAIL_FROM": env.get("PORTAL_MAIL_FROM", "Portal <no-reply@portal.local>"),
        "SMTP_HOST": env.get("PORTAL_SMTP_HOST") or None,
        "SMTP_PORT": int(env.get("PORTAL_SMTP_PORT", "25")),
        "SMTP_USER": env.get("PORTAL_SMTP_USER") or None,
        "SMTP_PASSWORD": env.get("PORTAL_SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": env.get("PORTAL_SMTP_STARTTLS", "0") == "1",
        "TRUSTED_PROXIES": int(env.get("PORTAL_TRUSTED_PROXIES", "0")),
        "JOBS_IMMEDIATE": env.get("PORTAL_JOBS_IMMEDIATE", "0") == "1",
        # Anonymous storefront pages are served from a per-process cache for up to this
        # many seconds (0 turns it off); any database write makes them stale at once.
        "PAGE_CACHE_SECONDS": float(env.get("PORTAL_PAGE_CACHE_SECONDS", "60")),
        "PLUGINS_DISABLED": [p for p in env.get("PORTAL_PLUGINS_DISABLED", "").split(",") if p],
        # Flask and extensions
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production or env.get("PORTAL_SECURE_COOKIES") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": int(env.get("PORTAL_MAX_UPLOAD_BYTES", str(8 * 1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count in this process's memory meanwhile instead of failing the request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_ENABLED": env.get("PORTAL_RATELIMIT", "1") == "1",
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
    }
    config["SECRET_KEY"] = _secret_key(env, production, instance)
    config.update(overrides)
    return config
