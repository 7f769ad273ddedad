"""The loyalty plugin's pages: back office under ``/s/<shop>/loyalty/manage``, customers' under ``/s/<shop>/loyalty``.

One blueprint, so core's guard answers 404 on all of them for a shop that has the
plugin switched off. Every object is looked up within the current shop: another
shop's id is simply not found.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from plugins.loyalty import campaigns as camp
from plugins.loyalty import models as m
from plugins.loyalty import rewards
from plugins.loyalty.forms import (
    ActionForm,
    AdjustPointsForm,
    CampaignForm,
    ScheduleForm,
    VoucherForm,
)
from portal.app import csrf
from portal.core.db import db
from portal.core.jobs import jobs
from portal.core.models import User
from portal.core.permissions import login_required, staff_required
from portal.htmx import render_page, wants_fragment
from portal.i18n import JAKARTA

bp = Blueprint("loyalty", __name__, template_folder="templates", url_prefix="/s/<shop_slug>/loyalty")

M = "/manage"


def _voucher_or_404(voucher_id: int) -> m.LoyaltyVoucher:
    voucher = m.LoyaltyVoucher.get_or_none((m.LoyaltyVoucher.id == voucher_id) & (m.LoyaltyVoucher.shop == g.shop))
    if voucher is None:
        abort(404)
    return voucher


def _campaign_or_404(campaign_id: int) -> m.LoyaltyCampaign:
    campaign = m.LoyaltyCampaign.get_or_none((m.LoyaltyCampaign.id == campaign_id)
                                             & (m.LoyaltyCampaign.shop == g.shop))
    if campaign is None:
        abort(404)
    return campaign


def _customer_or_404(customer_id: int) -> User:
    """A customer of this shop: one who ordered here or has points here."""
    if customer_id not in camp.reachable_ids(g.shop) and not m.LoyaltyAccount.select().where(
            (m.LoyaltyAccount.shop == g.shop) & (m.LoyaltyAccount.customer == customer_id)).exists():
        abort(404)
    return User.get_by_id(customer_id)


# ---------------------------------------------------------------------------
# vouchers
# ---------------------------------------------------------------------------


def _vouchers():
    return list(m.LoyaltyVoucher.select().where((m.LoyaltyVoucher.shop == g.shop) & m.LoyaltyVoucher.only_for.is_null())
                .order_by(m.LoyaltyVoucher.created_at.desc(), m.LoyaltyVoucher.id.desc()))


@bp.get(f"{M}/")
@staff_required
def manage():
    personal = m.LoyaltyVoucher.select().where((m.LoyaltyVoucher.shop == g.shop)
                                               & m.LoyaltyVoucher.only_for.is_null(False)).count()
    return render_page("loyalty/manage.html", "loyalty/_vouchers.html", shop=g.shop, vouchers=_vouchers(),
                       personal=personal, today=rewards.today(), toggle=ActionForm())


def _voucher_fields(form: VoucherForm) -> dict:
    return {"code": form.code.data, "kind": form.kind.data, "value": form.value.data,
            "min_order": form.min_order.data or 0, "starts_on": form.starts_on.data, "ends_on": form.ends_on.data,
            "max_uses": form.max_uses.data, "per_customer": form.per_customer.data, "note": form.note.data or "",
            "is_active": bool(form.is_active.data)}


def _code_taken(code: str, voucher_id: int | None = None) -> bool:
    query = m.LoyaltyVoucher.select().where((m.LoyaltyVoucher.shop == g.shop) & (m.LoyaltyVoucher.code == code))
    if voucher_id is not None:
        query = query.where(m.LoyaltyVoucher.id != voucher_id)
    return query.exists()


@bp.route(f"{M}/vouchers/new", methods=["GET", "POST"])
@staff_required
def voucher_new():
    form = VoucherForm()
    if form.validate_on_submit():
        if _code_taken(form.code.data):
            form.code.errors = [*form.code.errors, _("This shop already has a voucher with this code.")]
        else:
            voucher = rewards.create_voucher(g.shop, **_voucher_fields(form))
            flash(_("Voucher %(code)s saved.", code=voucher.code), "success")
            return redirect(url_for("loyalty.manage"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("loyalty/voucher_form.html", shop=g.shop, form=form, voucher=None), status


@bp.route(f"{M}/vouchers/<int:voucher_id>", methods=["GET", "POST"])
@staff_required
def voucher_edit(voucher_id: int):
    voucher = _voucher_or_404(voucher_id)
    form = VoucherForm(obj=voucher)
    if form.validate_on_submit():
        if _code_taken(form.code.data, voucher.id):
            form.code.errors = [*form.code.errors, _("This shop already has a voucher with this code.")]
        else:
            with db.atomic():
                # ``uses`` is never taken from the form: only placements move it.
                m.LoyaltyVoucher.update(**_voucher_fields(form)).where(m.LoyaltyVoucher.id == voucher.id).execute()
            flash(_("Voucher %(code)s saved.", code=form.code.data), "success")
            return redirect(url_for("loyalty.manage"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("loyalty/voucher_form.html", shop=g.shop, form=form, voucher=voucher,
                           uses=rewards.voucher_uses(voucher)), status


@bp.post(f"{M}/vouchers/<int:voucher_id>/toggle")
@staff_required
def voucher_toggle(voucher_id: int):
    voucher = _voucher_or_404(voucher_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    m.LoyaltyVoucher.update(is_active=~m.LoyaltyVoucher.is_active).where(m.LoyaltyVoucher.id == voucher.id).execute()
    voucher = m.LoyaltyVoucher.get_by_id(voucher.id)
    status = _("Active: customers can use it.") if voucher.is_active else _("Switched off: nobody can use it.")
    if wants_fragment():
        return render_template("loyalty/_voucher_row.html", shop=g.shop, v=voucher, today=rewards.today(),
                               toggle=ActionForm(), status=status)
    flash(status, "success")
    return redirect(url_for("loyalty.manage"), code=303)


# ---------------------------------------------------------------------------
# points
# ---------------------------------------------------------------------------


@bp.get(f"{M}/points")
@staff_required
def points_list():
    rows = (m.LoyaltyAccount.select(m.LoyaltyAccount, User).join(User)
            .where(m.LoyaltyAccount.shop == g.shop)
            .order_by(m.LoyaltyAccount.balance.desc(), User.name))
    return render_template("loyalty/points.html", shop=g.shop, accounts=list(rows), conf=rewards.settings(g.shop))


@bp.route(f"{M}/points/<int:customer_id>", methods=["GET", "POST"])
@staff_required
def points_customer(customer_id: int):
    customer = _customer_or_404(customer_id)
    form = AdjustPointsForm()
    result = None
    if form.validate_on_submit():
        if rewards.adjust(g.shop, customer, form.points.data, form.note.data, current_user._get_current_object()):
            result = _("Points adjusted.")
            form = AdjustPointsForm(formdata=None)
        else:
            form.points.errors = [*form.points.errors, _("The balance cannot go below zero.")]
    context = {"shop": g.shop, "customer": customer, "form": form, "result": result,
               "balance": rewards.balance(g.shop, customer), "entries": rewards.history(g.shop, customer),
               "labels": rewards.KIND_LABELS}
    status = 422 if request.method == "POST" and form.errors else 200
    return render_page("loyalty/points_customer.html", "loyalty/_points_panel.html", **context), status


@bp.get("/points")
@login_required
def my_points():
    me = current_user._get_current_object()
    return render_template("loyalty/my_points.html", shop=g.shop, balance=rewards.balance(g.shop, me),
                           entries=rewards.history(g.shop, me), labels=rewards.KIND_LABELS,
                           conf=rewards.settings(g.shop))


# ---------------------------------------------------------------------------
# campaigns
# ---------------------------------------------------------------------------


def _campaign_form(campaign=None) -> CampaignForm:
    form = CampaignForm(obj=campaign) if campaign is not None else CampaignForm()
    form.audience.choices = [SelectChoice("customers", _("A hand-picked list of customers"))] + [
        SelectChoice(f"segment:{s.key}", f"{s.label} ({len(s.customer_ids)})") for s in camp.segments(g.shop)]
    form.customer_ids.choices = [SelectChoice(u.id, f"{u.name} <{u.email}>")
                                 for u in camp.reachable_customers(g.shop)]
    form.shared_voucher.choices = [SelectChoice(0, "—")] + [SelectChoice(v.id, v.code) for v in _vouchers()]
    if campaign is not None and request.method == "GET":
        form.shared_voucher.data = campaign.shared_voucher_id or 0
    return form


def _campaign_fields(form: CampaignForm) -> dict:
    return {"name": form.name.data, "subject": form.subject.data, "body": form.body.data.replace("\r\n", "\n"),
            "audience": form.audience.data,
            "customer_ids": list(form.customer_ids.data or []) if form.audience.data == "customers" else [],
            "voucher_mode": form.voucher_mode.data,
            "shared_voucher": form.shared_voucher.data or None if form.voucher_mode.data == "shared" else None,
            "personal_kind": form.personal_kind.data, "personal_value": form.personal_value.data or 10,
            "personal_days": form.personal_days.data or 30}


@bp.get(f"{M}/campaigns")
@staff_required
def campaigns():
    rows = list(m.LoyaltyCampaign.select().where(m.LoyaltyCampaign.shop == g.shop)
                .order_by(m.LoyaltyCampaign.created_at.desc(), m.LoyaltyCampaign.id.desc()))
    return render_template("loyalty/campaigns.html", shop=g.shop, campaigns=rows,
                           reports={c.id: camp.report(c) for c in rows if c.status != m.DRAFT})


@bp.route(f"{M}/campaigns/new", methods=["GET", "POST"])
@staff_required
def campaign_new():
    form = _campaign_form()
    if request.method == "GET":
        form.body.data = _("Hello {name},\n\nThank you for ordering {last_product} from us.\n\n"
                           "As a thank-you, here is a voucher for your next pair: {voucher_code}\n")
    if form.validate_on_submit():
        campaign = m.LoyaltyCampaign.create(shop=g.shop, created_by=current_user._get_current_object(),
                                            **_campaign_fields(form))
        flash(_("Campaign saved. Check the preview, send a test, then schedule it."), "success")
        return redirect(url_for("loyalty.campaign", campaign_id=campaign.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("loyalty/campaign_form.html", shop=g.shop, form=form, campaign=None), status


def _campaign_page(campaign, form=None, schedule_form=None, result=None, status=200):
    campaign = m.LoyaltyCampaign.get_by_id(campaign.id)
    context = {"shop": g.shop, "campaign": campaign, "form": form or _campaign_form(campaign),
               "schedule_form": schedule_form or ScheduleForm(), "action": ActionForm(),
               "preview": camp.preview(campaign), "report": camp.report(campaign),
               "audience_size": len(camp.audience_ids(campaign)), "result": result}
    return render_page("loyalty/campaign.html", "loyalty/_campaign_status.html", **context), status


@bp.route(f"{M}/campaigns/<int:campaign_id>", methods=["GET", "POST"])
@staff_required
def campaign(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = _campaign_form(campaign)
    if request.method == "POST":
        if campaign.status != m.DRAFT:
            return _campaign_page(campaign, result=_("Only a draft can be changed."), status=409)
        if form.validate_on_submit():
            m.LoyaltyCampaign.update(**_campaign_fields(form)).where(
                (m.LoyaltyCampaign.id == campaign.id) & (m.LoyaltyCampaign.status == m.DRAFT)).execute()
            flash(_("Campaign saved."), "success")
            return redirect(url_for("loyalty.campaign", campaign_id=campaign.id), code=303)
        return _campaign_page(campaign, form=form, status=422)
    return _campaign_page(campaign, form=form)


@bp.post(f"{M}/campaigns/<int:campaign_id>/test")
@staff_required
def campaign_test(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    me = current_user._get_current_object()
    camp.send_test(campaign, me)
    return _campaign_page(campaign, result=_("A test copy was sent to %(email)s.", email=me.email))


@bp.post(f"{M}/campaigns/<int:campaign_id>/schedule")
@staff_required
def campaign_schedule(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _campaign_page(campaign, schedule_form=form, status=422)
    if campaign.status not in (m.DRAFT, m.SCHEDULED):
        return _campaign_page(campaign, result=_("This campaign has already been sent."), status=409)
    send_at = None
    if form.send_at.data:
        send_at = form.send_at.data.replace(tzinfo=JAKARTA).astimezone(dt.UTC).replace(tzinfo=None)
    camp.schedule(campaign, send_at)
    if send_at is None:
        # Now: the job queue sends it after this request has committed.
        jobs().defer("loyalty_send_campaign", campaign.id)
        result = _("Sending has started. The report below fills in as the e-mails go out.")
    else:
        result = _("Scheduled. It will be sent at the time you chose.")
    return _campaign_page(campaign, result=result)


@bp.post(f"{M}/campaigns/<int:campaign_id>/cancel")
@staff_required
def campaign_cancel(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    done = camp.cancel(campaign)
    return _campaign_page(campaign, result=_("Schedule cancelled; the campaign is a draft again.") if done
                          else _("Only a scheduled campaign can be cancelled."))


# ---------------------------------------------------------------------------
# unsubscribe (from the link in every campaign e-mail; no log-in needed)
# ---------------------------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """GET shows a button (link scanners only GET); POST unsubscribes.

    The signed token in the URL is the authorisation, so POST needs no log-in and
    no CSRF token: a mail program's one-click unsubscribe (RFC 8058) posts
    ``List-Unsubscribe=One-Click`` with no cookies and no form of ours.
    """
    email = camp.read_token(g.shop, token)
    if email is None:
        abort(404)
    form = ActionForm()
    done = camp.is_unsubscribed(g.shop, email)
    if request.method == "POST":
        camp.unsubscribe(g.shop, email)
        done = True
    return render_template("loyalty/unsubscribe.html", shop=g.shop, email=email, form=form, done=done)


# The token is the authorisation (see above); core's CSRF check would refuse a mail program's POST.
csrf.exempt(unsubscribe)
