"""Payment pages: the customer's proof upload, proof files, the shop's review, statements, outbox.

Customers reach these through their order page (``orders.detail``), whose
access rule this module reuses: the order's registered customer, or a browser
that opened the order's secret link. Proof files are also served to the shop's
owner and staff – to nobody else, always as a download (``attachment``,
``nosniff``) and never cached by a shared cache.

The shop's side: approving or rejecting a proof, recording money seen in the
bank, importing bank statements and approving their matches in one click, and
the shop's mail outbox (every e-mail the portal sent or holds for it).
"""
from __future__ import annotations

import io

import peewee as pw
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.config import ROOT
from portal.core import payments, proofs, statements
from portal.core.jobs import jobs
from portal.core.models import OutboxMail
from portal.core.order_flow import TransitionError
from portal.core.orders import (
    AWAITING_PAYMENT,
    BankStatement,
    Order,
    Payment,
    StatementLine,
)
from portal.core.permissions import is_staff, owner_required, role_in, staff_required
from portal.core.ratelimit import limiter
from portal.forms import NoControlChars
from portal.htmx import hx_redirect, is_htmx, render_page
from portal.web.manage import BACK_OFFICE_MENU, MenuLink
from portal.web.orders import can_view, customer_order_or_404

bp = Blueprint("payments", __name__)

BACK_OFFICE_MENU.extend([
    MenuLink("payments.statement_index", _l("Bank statements"), order=30),
    MenuLink("payments.outbox", _l("E-mail outbox"), order=80),
])

SAMPLES_DIR = ROOT / "samples" / "statements"
OUTBOX_PER_PAGE = 30
LINES_PER_LIST = 100


def _upload_limit():
    return current_app.config.get("PROOF_UPLOAD_LIMIT", "30/hour")


# ---------------------------------------------------------------------------
# forms
# ---------------------------------------------------------------------------


class ProofForm(FlaskForm):
    proof = FileField(_l("Transfer receipt (photo, screenshot or PDF)"),
                      validators=[FileRequired(_l("Choose a file to upload."))],
                      render_kw={"accept": ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"})
    payer_name = StringField(_l("Name on the sending account (optional)"),
                             validators=[Optional(), Length(max=120), NoControlChars()])
    payer_bank = StringField(_l("Your bank (optional)"), validators=[Optional(), Length(max=60), NoControlChars()])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the customer sees it)"),
                           validators=[DataRequired(_l("Say why; the customer will read it.")), Length(max=1000)])


class NoteForm(FlaskForm):
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=300), NoControlChars()])


class StatementForm(FlaskForm):
    preset = SelectField(_l("Bank format"), validators=[DataRequired()])
    statement = FileField(_l("Statement file (CSV)"), validators=[FileRequired(_l("Choose the CSV file to import."))],
                          render_kw={"accept": ".csv,text/csv"})


class LineForm(FlaskForm):
    order_number = StringField(_l("Order number"), validators=[Optional(), Length(max=32), NoControlChars()])


class MappingForm(FlaskForm):
    date = StringField(_l("Date column"), validators=[DataRequired(), Length(max=80), NoControlChars()])
    description = StringField(_l("Description column"), validators=[DataRequired(), Length(max=80), NoControlChars()])
    amount = StringField(_l("Amount column"), validators=[Optional(), Length(max=80), NoControlChars()])
    direction = StringField(_l("Credit/debit marker column (CR/DB)"), validators=[Optional(), Length(max=80), NoControlChars()])
    credit = StringField(_l("Credit column"), validators=[Optional(), Length(max=80), NoControlChars()])
    debit = StringField(_l("Debit column"), validators=[Optional(), Length(max=80), NoControlChars()])
    decimal = SelectField(_l("Decimal separator"), choices=[
        SelectChoice("", _l("Recognise it (1.250.000,00 or 1,250,000.00)")),
        SelectChoice(",", _l("Comma: 1.250.000,00")),
        SelectChoice(".", _l("Dot: 1,250,000.00")),
    ], validators=[Optional()])


@bp.app_template_global()
def proof_upload_form():
    """A fresh proof form for ``orders/_payment.html`` when the order page includes it."""
    return ProofForm(formdata=None)


@bp.app_template_global()
def payment_reject_form():
    return RejectForm(formdata=None)


@bp.app_template_global()
def payment_summary(order: Order) -> dict:
    """What the payment panels show: the amount split for highlighting, proofs, the last refusal."""
    rows = list(Payment.select().where(Payment.order == order).order_by(Payment.created_at.desc(), Payment.id.desc()))
    amount = order.amount_due or order.total
    from portal.i18n import rupiah

    text = rupiah(amount)
    split = 3 if amount >= 1000 else len(str(amount))
    last_rejected = next((p for p in rows if p.status == "rejected"), None)
    return {
        "payments": rows,
        "submitted": [p for p in rows if p.status == "submitted"],
        "approved": [p for p in rows if p.status == "approved"],
        "amount_head": text[:-split],
        "amount_tail": text[-split:],
        "rejection": last_rejected if order.status == AWAITING_PAYMENT else None,
        "bank_accounts": order.shop.bank_accounts or [],
    }


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _me():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _shop_order_or_404(number: str) -> Order:
    order = Order.get_or_none((Order.shop == g.shop) & (Order.number == number[:32]))
    if order is None:
        abort(404)
    return order


def _shop_payment_or_404(payment_id: int) -> Payment:
    payment = (Payment.select(Payment, Order).join(Order)
               .where((Payment.id == payment_id) & (Order.shop == g.shop)).first())
    if payment is None:
        abort(404)
    return payment


def _shop_line_or_404(line_id: int) -> StatementLine:
    line = StatementLine.get_or_none((StatementLine.id == line_id) & (StatementLine.shop == g.shop))
    if line is None:
        abort(404)
    return line


def _private(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------
# customer: proof upload and proof files
# ---------------------------------------------------------------------------


@bp.post("/s/<shop_slug>/orders/<number>/proof")
@limiter.limit(_upload_limit, methods=["POST"])
def upload_proof(number: str):
    order = customer_order_or_404(number)
    form = ProofForm()
    error = None
    if form.validate_on_submit():
        try:
            payments.submit_proof(order, form.proof.data, actor=_me(),
                                  payer_name=form.payer_name.data or "", payer_bank=form.payer_bank.data or "")
        except proofs.ProofError as err:
            form.proof.errors = [*form.proof.errors, str(err)]
        except (payments.PaymentError, TransitionError) as err:
            error = str(err)
        else:
            flash(_("Thank you! We received your proof and are checking your payment."), "success")
            return _private(hx_redirect(url_for("orders.detail", number=order.number)))
    order = Order.get_by_id(order.id)
    return _private(render_page("payments/proof.html", "orders/_payment.html",
                                order=order, shop=g.shop, proof_form=form, payment_error=error))


@bp.get("/s/<shop_slug>/orders/<number>/proofs/<int:payment_id>")
def proof_file(number: str, payment_id: int):
    """A stored proof, to the order's customer (or link holder) and the shop team only."""
    order = Order.get_or_none((Order.shop == g.shop) & (Order.number == number[:32]))
    if order is None or not (is_staff(g.shop) or can_view(order)):
        abort(404)
    payment = Payment.get_or_none((Payment.id == payment_id) & (Payment.order == order))
    if payment is None or not payment.proof_file:
        abort(404)
    try:
        path = proofs.path_for(payment.proof_file)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    extension = path.suffix.lstrip(".")
    # Proofs are small (at most 5 MB): read at once, so no file handle outlives the request.
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=payment.proof_content_type or "application/octet-stream",
                         as_attachment=True,
                         download_name=f"{order.number}-proof-{payment.id}.{extension}", conditional=False, etag=False,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _private(response)


# ---------------------------------------------------------------------------
# shop: reviewing payments
# ---------------------------------------------------------------------------


def _after_review(order: Order, message):
    flash(message, "success")
    return hx_redirect(url_for("order_admin.detail", number=order.number))


def _review_panel(order: Order, error=None, reject_form=None, reject_payment_id=None):
    return render_page("payments/review.html", "manage/orders/_payment.html", order=order, shop=g.shop,
                       payment_error=error, reject_form=reject_form, reject_payment_id=reject_payment_id)


@bp.get("/s/<shop_slug>/manage/orders/<number>/payment")
@staff_required
def review(number: str):
    return _review_panel(_shop_order_or_404(number))


@bp.post("/s/<shop_slug>/manage/payments/<int:payment_id>/approve")
@staff_required
def approve(payment_id: int):
    payment = _shop_payment_or_404(payment_id)
    if not FlaskForm().validate_on_submit():
        return _review_panel(payment.order, error=_l("Please try again."))
    try:
        order = payments.approve_payment(payment, _me(), role_in(g.shop))
    except (payments.PaymentError, TransitionError) as err:
        return _review_panel(Order.get_by_id(payment.order_id), error=str(err))
    return _after_review(order, _l("Payment approved. Order %(number)s is paid.", number=order.number))


@bp.post("/s/<shop_slug>/manage/payments/<int:payment_id>/reject")
@staff_required
def reject(payment_id: int):
    payment = _shop_payment_or_404(payment_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _review_panel(payment.order, reject_form=form, reject_payment_id=payment.id)
    try:
        order = payments.reject_payment(payment, _me(), role_in(g.shop), form.reason.data)
    except (payments.PaymentError, TransitionError) as err:
        return _review_panel(Order.get_by_id(payment.order_id), error=str(err))
    return _after_review(order, _l("Proof not accepted; the customer has been told why."))


@bp.post("/s/<shop_slug>/manage/orders/<number>/mark-paid")
@staff_required
def mark_paid(number: str):
    order = _shop_order_or_404(number)
    form = NoteForm()
    if not form.validate_on_submit():
        return _review_panel(order, error=_l("Please try again."))
    try:
        order = payments.record_payment(order, _me(), role_in(g.shop), note=form.note.data or "")
    except (payments.PaymentError, TransitionError) as err:
        return _review_panel(Order.get_by_id(order.id), error=str(err))
    return _after_review(order, _l("Payment recorded. Order %(number)s is paid.", number=order.number))


# ---------------------------------------------------------------------------
# shop: bank statements
# ---------------------------------------------------------------------------


def _open_lines(status: str):
    return list(
        StatementLine.select(StatementLine, Order).join(Order, pw.JOIN.LEFT_OUTER, on=(StatementLine.matched_order == Order.id))
        .where((StatementLine.shop == g.shop) & (StatementLine.status == status))
        .order_by(StatementLine.booked_on.desc(), StatementLine.id.desc()).limit(LINES_PER_LIST)
    )


def _statements_page(form, status=200):
    recent = list(BankStatement.select().where(BankStatement.shop == g.shop)
                  .order_by(BankStatement.created_at.desc(), BankStatement.id.desc()).limit(20))
    line_counts = dict(StatementLine.select(StatementLine.statement, pw.fn.COUNT(StatementLine.id))
                       .where(StatementLine.statement.in_([s.id for s in recent]))
                       .group_by(StatementLine.statement).tuples()) if recent else {}
    response = render_page(
        "manage/statements/index.html", "manage/statements/_upload.html",
        shop=g.shop, form=form, recent=recent, line_counts=line_counts,
        proposed=_open_lines("proposed"), ambiguous=_open_lines("ambiguous"), unmatched=_open_lines("unmatched"),
        presets=statements.PRESETS, line_form=LineForm(formdata=None),
    )
    response.status_code = status
    return response


@bp.route("/s/<shop_slug>/manage/statements", methods=["GET", "POST"])
@staff_required
def statement_index():
    form = StatementForm()
    choices = statements.preset_choices(g.shop)
    form.preset.choices = [SelectChoice(value, label) for value, label in choices]
    if request.method == "GET":
        form.preset.data = (g.shop.settings or {}).get("statement_preset") or choices[0][0]
    if form.validate_on_submit():
        upload = form.statement.data
        data = upload.stream.read(statements.MAX_STATEMENT_BYTES + 1)
        try:
            result = statements.import_statement(g.shop, upload.filename or "", data, form.preset.data, _me())
        except statements.StatementError as err:
            form.statement.errors = [*form.statement.errors, str(err)]
        else:
            if result.already_imported:
                flash(_("This file was imported before (%(date)s); nothing changed.",
                        date=_format_dt(result.statement.created_at)), "info")
            else:
                flash(_("Imported %(new)s credits: %(proposed)s proposed, %(ambiguous)s to check, %(unmatched)s "
                        "unmatched; %(duplicates)s already known, %(debits)s debits skipped.",
                        new=result.new_lines, proposed=result.counts.get("proposed", 0),
                        ambiguous=result.counts.get("ambiguous", 0), unmatched=result.counts.get("unmatched", 0),
                        duplicates=result.duplicates, debits=result.debits), "success")
                _remember_preset(form.preset.data)
            return hx_redirect(url_for("payments.statement_detail", statement_id=result.statement.id))
    return _statements_page(form)


def _format_dt(value):
    from flask_babel import format_datetime

    return format_datetime(value, "short")


def _remember_preset(preset: str):
    if (g.shop.settings or {}).get("statement_preset") != preset:
        g.shop.settings = {**(g.shop.settings or {}), "statement_preset": preset}
        g.shop.save(only=[type(g.shop).settings])


@bp.get("/s/<shop_slug>/manage/statements/<int:statement_id>")
@staff_required
def statement_detail(statement_id: int):
    statement = BankStatement.get_or_none((BankStatement.id == statement_id) & (BankStatement.shop == g.shop))
    if statement is None:
        abort(404)
    lines = list(
        StatementLine.select(StatementLine, Order).join(Order, pw.JOIN.LEFT_OUTER, on=(StatementLine.matched_order == Order.id))
        .where(StatementLine.statement == statement).order_by(StatementLine.booked_on, StatementLine.id)
    )
    return render_page("manage/statements/detail.html", "manage/statements/_lines.html",
                       shop=g.shop, statement=statement, lines=lines, line_form=LineForm(formdata=None))


@bp.app_template_global()
def statement_line_view(line: StatementLine) -> dict:
    """Why a line is matched as it is, and what the team can do with it now."""
    found = statements.assess_line(line) if line.status in statements.OPEN_LINE_STATUSES else None
    order = line.matched_order if line.matched_order_id else None
    stale = bool(order and line.status == "proposed" and order.status not in statements.MATCHABLE_ORDER_STATUSES)
    return {"assessment": found, "order": order, "stale": stale,
            "open": line.status in statements.OPEN_LINE_STATUSES}


def _line_response(line: StatementLine, message=None, error=None, form=None):
    line = StatementLine.get_by_id(line.id)
    if is_htmx():
        return render_page("manage/statements/detail.html", "manage/statements/_line.html", shop=g.shop, line=line,
                           line_message=message, line_error=error, line_form=form or LineForm(formdata=None))
    if error:
        flash(error, "error")
    if message:
        flash(message, "success")
    return redirect(url_for("payments.statement_detail", statement_id=line.statement_id), code=303)


@bp.post("/s/<shop_slug>/manage/statements/lines/<int:line_id>/approve")
@staff_required
def approve_line(line_id: int):
    line = _shop_line_or_404(line_id)
    form = LineForm()
    if not form.validate_on_submit():
        return _line_response(line, error=_l("Please try again."), form=form)
    order = None
    number = (form.order_number.data or "").strip().upper()
    if number:
        order = Order.get_or_none((Order.shop == g.shop) & (Order.number == number))
        if order is None:
            form.order_number.errors = [_l("No order %(number)s in this shop.", number=number)]
            return _line_response(line, error=form.order_number.errors[0], form=form)
    try:
        order = statements.approve_line(line, _me(), role_in(g.shop), order=order)
    except (statements.StatementError, TransitionError) as err:
        return _line_response(line, error=str(err), form=form)
    return _line_response(line, message=_l("Approved: order %(number)s is paid.", number=order.number))


@bp.post("/s/<shop_slug>/manage/statements/lines/<int:line_id>/ignore")
@staff_required
def ignore_line(line_id: int):
    line = _shop_line_or_404(line_id)
    if not FlaskForm().validate_on_submit():
        return _line_response(line, error=_l("Please try again."))
    if not statements.ignore_line(line, _me()):
        return _line_response(line, error=_l("This line has already been handled."))
    return _line_response(line, message=_l("Set aside."))


@bp.post("/s/<shop_slug>/manage/statements/rematch")
@staff_required
def rematch():
    if FlaskForm().validate_on_submit():
        changed = statements.rematch(g.shop)
        flash(_("Matched again: %(n)s lines changed.", n=changed), "success")
    return hx_redirect(url_for("payments.statement_index"))


@bp.route("/s/<shop_slug>/manage/statements/columns", methods=["GET", "POST"])
@owner_required
def statement_mapping():
    saved = statements.custom_mapping(g.shop) or {}
    form = MappingForm(data={k: saved.get(k) or "" for k in (*statements.MAPPING_KEYS, "decimal")})
    error = None
    if form.validate_on_submit():
        mapping = {k: getattr(form, k).data for k in statements.MAPPING_KEYS}
        mapping["decimal"] = form.decimal.data or None
        try:
            statements.save_custom_mapping(g.shop, mapping)
        except statements.StatementError as err:
            error = str(err)
        else:
            flash(_("Your columns are saved; choose \"Custom\" when importing."), "success")
            return hx_redirect(url_for("payments.statement_index"))
    return render_page("manage/statements/mapping.html", "manage/statements/_mapping.html",
                       shop=g.shop, form=form, error=error, presets=statements.PRESETS)


@bp.get("/s/<shop_slug>/manage/statements/samples/<preset>.csv")
@staff_required
def statement_sample(preset: str):
    if preset not in statements.PRESETS or not (SAMPLES_DIR / f"{preset}.csv").is_file():
        abort(404)
    data = (SAMPLES_DIR / f"{preset}.csv").read_bytes()
    return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name=f"{preset}.csv")


# ---------------------------------------------------------------------------
# shop: outbox
# ---------------------------------------------------------------------------


def _page() -> int:
    try:
        return min(max(int(request.args.get("page", 1)), 1), 10_000)
    except ValueError:
        return 1


@bp.get("/s/<shop_slug>/manage/outbox")
@staff_required
def outbox():
    page = _page()
    status = request.args.get("status") or None
    query = OutboxMail.select().where(OutboxMail.shop == g.shop)
    if status in ("queued", "sent", "outbox", "failed"):
        query = query.where(OutboxMail.status == status)
    else:
        status = None
    rows = list(query.order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
                .offset((page - 1) * OUTBOX_PER_PAGE).limit(OUTBOX_PER_PAGE + 1))
    return render_page("manage/outbox/index.html", "manage/outbox/_list.html", shop=g.shop,
                       mails=rows[:OUTBOX_PER_PAGE], has_next=len(rows) > OUTBOX_PER_PAGE, page_number=page, status=status,
                       smtp=bool(current_app.config.get("SMTP_HOST")))


def _shop_mail_or_404(mail_id: int) -> OutboxMail:
    mail = OutboxMail.get_or_none((OutboxMail.id == mail_id) & (OutboxMail.shop == g.shop))
    if mail is None:
        abort(404)
    return mail


@bp.get("/s/<shop_slug>/manage/outbox/<int:mail_id>")
@staff_required
def outbox_mail(mail_id: int):
    return render_template("manage/outbox/detail.html", shop=g.shop, mail=_shop_mail_or_404(mail_id),
                           smtp=bool(current_app.config.get("SMTP_HOST")))


@bp.post("/s/<shop_slug>/manage/outbox/<int:mail_id>/retry")
@staff_required
def outbox_retry(mail_id: int):
    mail = _shop_mail_or_404(mail_id)
    if FlaskForm().validate_on_submit():
        if not current_app.config.get("SMTP_HOST"):
            flash(_("No mail server is set up (PORTAL_SMTP_HOST), so mails stay here."), "error")
        elif mail.status in ("failed", "queued", "outbox"):
            OutboxMail.update(status="queued", attempts=0).where(OutboxMail.id == mail.id).execute()
            jobs().defer("send_mail", mail.id)
            flash(_("The mail is queued to be sent again."), "success")
    return hx_redirect(url_for("payments.outbox_mail", mail_id=mail.id))
