"""Platform-wide pages: the list of shops, language choice, health, product media."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, send_from_directory
from flask_login import current_user
from werkzeug.exceptions import NotFound

from portal.core.db import db
from portal.core.models import Shop
from portal.i18n import LANGUAGES, remember_language
from portal.web.safety import safe_next

bp = Blueprint("platform", __name__)


@bp.get("/")
def home():
    shops = list(Shop.select().where(Shop.is_active == True).order_by(Shop.name))  # noqa: E712
    return render_template("platform/home.html", shops=shops)


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        remember_language(lang)
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
            current_user.save(only=["locale"])
    return redirect(safe_next(request.form.get("next")) or "/", code=303)


@bp.get("/healthz")
def healthz():
    try:
        db.execute_sql("SELECT 1")
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        current_app.logger.error("health check failed: %s", exc)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/media/products/<path:filename>")
def product_media(filename: str):
    """Product pictures (public); generated names, so they can be cached for long."""
    folder = Path(current_app.config["MEDIA_DIR"]) / "products"
    try:
        response = send_from_directory(folder, filename, max_age=31536000)
    except NotFound:
        raise
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
