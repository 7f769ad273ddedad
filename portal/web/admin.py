"""The platform admin's pages: shops, owners, and which plugins shops may enable."""
from __future__ import annotations

from flask import Blueprint, render_template

from portal.core.permissions import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@admin_required
def index():
    return render_template("admin/index.html")
