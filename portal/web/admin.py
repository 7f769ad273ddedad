"""The platform admin's pages: shops and their owners, which plugins shops may enable, accounts.

The on/off switches (shop, plugin, account) are small forms: with htmx they
swap their own table row; without JavaScript they post and come back to the
list with a message.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from portal.core import accounts, shops
from portal.core.models import ROLE_OWNER, Invitation, Membership, Shop, User
from portal.core.permissions import admin_required
from portal.forms import EmailAddress, NoControlChars
from portal.htmx import render_page, wants_fragment
from portal.i18n import current_language

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class ShopCreateForm(FlaskForm):
    name = StringField(_l("Shop name"), filters=[_strip], validators=[DataRequired(), Length(max=120), NoControlChars()])
    slug = StringField(_l("Web address"), filters=[_strip], validators=[
        DataRequired(), Length(min=2, max=60),
        Regexp(shops.SLUG_RE.pattern, message=_l("Use lower-case letters, digits and hyphens only."))])
    order_prefix = StringField(_l("Order number prefix"), filters=[_upper], validators=[
        DataRequired(), Regexp(shops.ORDER_PREFIX_RE.pattern, message=_l("Use 2 to 6 capital letters, e.g. CBD."))])
    owner_email = EmailField(_l("Owner's e-mail"), validators=[DataRequired(), Length(max=254), EmailAddress()])
    owner_name = StringField(_l("Owner's name (optional)"), filters=[_strip],
                             validators=[Optional(), Length(max=120), NoControlChars()])

    def validate_slug(self, field):
        if shops.slug_taken(field.data):
            raise ValidationError(_l("This address is already taken."))


class SwitchForm(FlaskForm):
    """One on/off switch: ``value`` is the state asked for, so a repeated post changes nothing."""

    value = HiddenField(validators=[AnyOf(["0", "1"])])


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name or e-mail"), filters=[_strip], validators=[Optional(), Length(max=100)])


def _switched(fragment: str, list_endpoint: str, message: str, category: str = "success", **context):
    """After a switch: the row for htmx, otherwise back to the list with a message."""
    if wants_fragment():
        return render_template(fragment, note=message, note_category=category, **context)
    flash(message, category)
    return redirect(url_for(list_endpoint), code=303)


def _switch_value() -> bool:
    form = SwitchForm()
    if not form.validate_on_submit():
        abort(400)
    return form.value.data == "1"


# ---------------------------------------------------------------------------
# shops
# ---------------------------------------------------------------------------


def _owners_by_shop() -> tuple[dict, dict]:
    owners, pending = {}, {}
    for m in Membership.select(Membership, User).join(User).where(Membership.role == ROLE_OWNER):
        owners.setdefault(m.shop_id, []).append(m.user)
    for inv in Invitation.select().where((Invitation.role == ROLE_OWNER) & Invitation.accepted_at.is_null()):
        pending.setdefault(inv.shop_id, []).append(inv)
    return owners, pending


@bp.get("/")
@admin_required
def index():
    owners, pending = _owners_by_shop()
    return render_template("admin/index.html", shops=list(Shop.select().order_by(Shop.name)),
                           owners=owners, pending=pending)


@bp.route("/shops/new", methods=["GET", "POST"])
@admin_required
def new_shop():
    form = ShopCreateForm()
    if form.validate_on_submit():
        try:
            shop, link = shops.create_shop_with_owner(
                form.slug.data, form.name.data, form.owner_email.data, form.owner_name.data or "",
                form.order_prefix.data, invited_by=current_user._get_current_object(), lang=current_language())
        except shops.ShopError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            if link:
                flash(_("Shop %(name)s created; the owner's invitation was sent to %(email)s.",
                        name=shop.name, email=form.owner_email.data), "success")
            else:
                flash(_("Shop %(name)s created; %(email)s is its owner.",
                        name=shop.name, email=form.owner_email.data), "success")
            return redirect(url_for("admin.index"), code=303)
    return render_template("admin/shop_form.html", form=form)


@bp.post("/shops/<int:shop_id>/active")
@admin_required
def shop_active(shop_id: int):
    shop = Shop.get_or_none(Shop.id == shop_id) or abort(404)
    active = _switch_value()
    shops.set_shop_active(shop, active)
    message = _("%(name)s is open.", name=shop.name) if active else _("%(name)s is closed.", name=shop.name)
    owners, pending = _owners_by_shop()
    return _switched("admin/_shop_row.html", "admin.index", message, shop=shop, owners=owners, pending=pending)


# ---------------------------------------------------------------------------
# plugin allow-list
# ---------------------------------------------------------------------------


def _registry():
    return current_app.extensions["portal"]


def _plugin_rows():
    allowed = _registry().platform_allowed()
    return [(plugin, allowed.get(name, False)) for name, plugin in sorted(_registry().plugins.items())]


@bp.get("/plugins")
@admin_required
def plugins():
    return render_template("admin/plugins.html", rows=_plugin_rows(), refused=sorted(_registry().refused.items()))


@bp.post("/plugins/<name>")
@admin_required
def plugin_allowed(name: str):
    plugin = _registry().plugins.get(name) or abort(404)
    allowed = _switch_value()
    _registry().set_platform_allowed(name, allowed, user=current_user._get_current_object())
    message = (_("Shops may now use %(name)s.", name=plugin.info.label) if allowed
               else _("%(name)s is switched off for every shop; its data is kept.", name=plugin.info.label))
    return _switched("admin/_plugin_row.html", "admin.plugins", message, plugin=plugin, allowed=allowed)


# ---------------------------------------------------------------------------
# accounts
# ---------------------------------------------------------------------------


@bp.get("/users")
@admin_required
def users():
    form = UserSearchForm(request.args)
    query = form.q.data if form.validate() else ""
    page = request.args.get("page", 1, type=int)
    found, has_next = accounts.search_users(query or "", page=page)
    # ``page_no``: render_page's own first parameter is called ``page``.
    return render_page("admin/users.html", "admin/_users.html", form=form, users=found, q=query or "",
                       page_no=max(page, 1), has_next=has_next)


@bp.post("/users/<int:user_id>/active")
@admin_required
def user_active(user_id: int):
    user = User.get_or_none(User.id == user_id) or abort(404)
    active = _switch_value()
    if user.id == current_user.id and not active:
        # Locking oneself out would leave the platform without this admin.
        return _switched("admin/_user_row.html", "admin.users", _("You cannot disable your own account."),
                         "error", user=user)
    accounts.set_active(user, active)
    message = (_("%(email)s can log in again.", email=user.email) if active
               else _("%(email)s is disabled and logged out everywhere.", email=user.email))
    return _switched("admin/_user_row.html", "admin.users", message, user=user)
