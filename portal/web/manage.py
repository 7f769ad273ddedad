"""The shop's back office: dashboard and the Modules page."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from portal.core.permissions import staff_required

bp = Blueprint("manage", __name__, url_prefix="/s/<shop_slug>/manage")


@bp.get("/")
@staff_required
def dashboard():
    return render_template("manage/dashboard.html", shop=g.shop)
