"""The shop's public pages: home, catalogue, categories, search, product, profile."""
from __future__ import annotations

from flask import Blueprint, g, render_template

bp = Blueprint("storefront", __name__, url_prefix="/s/<shop_slug>")


@bp.get("/")
def home():
    return render_template("shop/home.html", shop=g.shop)


@bp.get("/products")
def catalogue():
    return render_template("shop/home.html", shop=g.shop)


@bp.get("/profile")
def profile():
    return render_template("shop/profile.html", shop=g.shop)
