"""The shop's team page: members and their roles, invitations by e-mail, revoking access.

Owner and staff see the list; only an owner invites, cancels invitations and
revokes memberships. The last owner of a shop cannot be removed.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Length

from portal.core import invitations, shops
from portal.core.db import utcnow
from portal.core.models import User
from portal.core.permissions import is_owner, owner_required, staff_required
from portal.forms import EmailAddress
from portal.i18n import current_language
from portal.web.manage import BACK_OFFICE_MENU, MenuLink  # noqa: E402

bp = Blueprint("team", __name__, url_prefix="/s/<shop_slug>/manage/team")
BACK_OFFICE_MENU.append(MenuLink("team.index", _l("Team"), order=85))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), EmailAddress()])
    role = SelectField(_l("Role"), choices=[SelectChoice(r, invitations.ROLE_LABELS[r]) for r in invitations.TEAM_ROLES])


def _page(form: InviteForm | None = None):
    shop = g.shop
    members = list(shops.members(shop).join(User).order_by(User.name))
    return render_template(
        "manage/team.html", shop=shop, members=members, invitations=list(invitations.pending(shop)),
        form=form or InviteForm(), can_manage=is_owner(shop), role_labels=invitations.ROLE_LABELS,
        now=utcnow(),
    )


@bp.get("/")
@staff_required
def index():
    return _page()


@bp.post("/invite")
@owner_required
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitations.invite(g.shop, form.email.data, form.role.data, invited_by=current_user._get_current_object(),
                               lang=current_language())
        except invitations.InvitationError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("team.index"), code=303)
    return _page(form)


@bp.post("/invitations/<int:invitation_id>/cancel")
@owner_required
def cancel_invitation(invitation_id: int):
    if not invitations.cancel(g.shop, invitation_id):
        abort(404)
    flash(_("The invitation is cancelled; its link no longer works."), "success")
    return redirect(url_for("team.index"), code=303)


@bp.post("/members/<int:membership_id>/revoke")
@owner_required
def revoke(membership_id: int):
    try:
        membership = shops.revoke_membership(g.shop, membership_id)
    except shops.LastOwnerError:
        flash(_("The shop needs at least one owner; this one stays."), "error")
        return redirect(url_for("team.index"), code=303)
    if membership is None:
        abort(404)
    flash(_("%(name)s no longer has access to this shop.", name=membership.user.name), "success")
    if membership.user_id == current_user.id:
        return redirect(url_for("storefront.home"), code=303)
    return redirect(url_for("team.index"), code=303)
