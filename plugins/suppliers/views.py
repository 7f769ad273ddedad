"""The supplier portal's pages: the shop team's back office and the supplier's own portal.

Back office (owner and staff) under ``/s/<shop_slug>/suppliers/manage/...``: core's
guard answers 404 for a shop with the plugin off. The supplier's portal lives at
``/supplier/`` — not under one shop, because a supplier may supply several — so its
rules are added to the app under this blueprint's name (``suppliers.portal...``; the
blueprint's own prefix is the shop's) and every view checks itself that the shop of
each purchase order has the plugin on. A supplier only ever sees purchase orders
addressed to a supplier record linked to them in a shop where they still hold the
supplier role, and never a customer's name, address, phone or payment.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from plugins.suppliers import planning, purchasing
from plugins.suppliers.forms import (
    UNIT_SHORT,
    AdjustForm,
    BomLineForm,
    ConfirmForm,
    CreateDraftsForm,
    DeleteForm,
    LinkOrderForm,
    MaterialForm,
    NewMaterialForm,
    NewPOForm,
    NoteForm,
    POActionForm,
    POLineForm,
    ReceiveForm,
    RejectForm,
    ShipForm,
    SupplierForm,
)
from plugins.suppliers.models import (
    ADJUSTED,
    DRAFT,
    OUTSOURCED,
    PO_STATUSES,
    ZERO,
    BomLine,
    Material,
    PurchaseOrder,
    StockMovement,
    Supplier,
)
from plugins.suppliers.purchasing import POError
from plugins.suppliers.stock import StockError, move
from portal.core.db import atomic_write
from portal.core.models import Product
from portal.core.orders import Order
from portal.core.permissions import role_in, staff_required
from portal.core.plugins import registry
from portal.core.shops import members
from portal.htmx import hx_redirect, render_page, wants_fragment

NAME = "suppliers"
bp = Blueprint(NAME, __name__, template_folder="templates", url_prefix="/s/<shop_slug>/suppliers")


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.app_template_filter("supplier_qty")
def supplier_qty(value) -> str:
    """A quantity in the reader's locale, without trailing zeros (``1,5`` in Indonesian)."""
    if value is None:
        return ""
    return format_decimal(Decimal(value).quantize(Decimal("0.001")), format="#,##0.###")


@bp.app_template_global("supplier_unit")
def supplier_unit(code: str) -> str:
    return str(UNIT_SHORT.get(code, code))


@bp.app_template_global("po_status_label")
def po_status_label(status: str) -> str:
    return str(purchasing.status_label(status))


@bp.app_template_global("po_event_label")
def po_event_label(action: str) -> str:
    return str(purchasing.EVENT_LABELS.get(action, action))


def _done(message: str, url: str, fragment=None):
    """After a successful change: the fresh fragment for htmx, else a flash and a redirect."""
    if wants_fragment() and fragment is not None:
        return fragment(message)
    flash(message, "success")
    return redirect(url, code=303)


# ---------------------------------------------------------------------------
# materials
# ---------------------------------------------------------------------------


def _suppliers(shop):
    return list(Supplier.select().where(Supplier.shop == shop).order_by(Supplier.name))


def _material(material_id: int) -> Material:
    material = Material.get_or_none((Material.id == material_id) & (Material.shop == g.shop))
    if material is None:
        abort(404)
    return material


def _supplier_of_shop(value) -> Supplier | None:
    if not value:
        return None
    try:
        return Supplier.get_or_none((Supplier.id == int(value)) & (Supplier.shop == g.shop))
    except (TypeError, ValueError):
        return None


def _materials_page(form, message=None):
    materials = list(Material.select().where(Material.shop == g.shop).order_by(Material.name))
    return render_page("suppliers/materials.html", "suppliers/_materials.html", shop=g.shop, materials=materials,
                       form=form, message=message)


@bp.route("/manage/", methods=["GET", "POST"])
@staff_required
def materials():
    form = NewMaterialForm(prefix="mat")
    form.set_choices(_suppliers(g.shop))
    if request.method == "POST" and form.validate_on_submit():
        if Material.select().where((Material.shop == g.shop) & (Material.name == form.name.data)).exists():
            form.name.errors.append(_("You already have a material with this name."))
        else:
            with atomic_write():
                material = Material.create(
                    shop=g.shop, name=form.name.data, unit=form.unit.data, reorder_level=form.reorder_level.data,
                    cost=form.cost.data, preferred_supplier=_supplier_of_shop(form.preferred_supplier.data),
                )
                if form.on_hand.data:
                    move(material, form.on_hand.data, ADJUSTED, reason=_("Opening stock"), actor=_user())
            message = _("%(name)s added.", name=material.name)
            fresh = NewMaterialForm(prefix="mat", formdata=None)
            fresh.set_choices(_suppliers(g.shop))
            return _done(message, url_for("suppliers.materials"), lambda m: _materials_page(fresh, m))
    return _materials_page(form)


def _material_page(material, form=None, adjust=None, message=None):
    if form is None:
        form = MaterialForm(prefix="mat", formdata=None, obj=material,
                            data={"preferred_supplier": str(material.preferred_supplier_id or "")})
    form.set_choices(_suppliers(g.shop))
    adjust = adjust or AdjustForm(prefix="adj", formdata=None)
    movements = list(StockMovement.select().where(StockMovement.material == material)
                     .order_by(StockMovement.created_at.desc(), StockMovement.id.desc()).limit(100))
    order_numbers = {o.id: o.number for o in Order.select(Order.id, Order.number)
                     .where(Order.id.in_([m.order_id for m in movements if m.order_id]))} if movements else {}
    po_numbers = {p.id: p.number for p in PurchaseOrder.select(PurchaseOrder.id, PurchaseOrder.number)
                  .where(PurchaseOrder.id.in_([m.po_id for m in movements if m.po_id]))} if movements else {}
    return render_page("suppliers/material.html", "suppliers/_material.html", shop=g.shop, material=material,
                       form=form, adjust=adjust, movements=movements, order_numbers=order_numbers,
                       po_numbers=po_numbers, message=message)


@bp.route("/manage/materials/<int:material_id>", methods=["GET", "POST"])
@staff_required
def material(material_id: int):
    item = _material(material_id)
    if request.method == "GET":
        return _material_page(item)
    form = MaterialForm(prefix="mat")
    form.set_choices(_suppliers(g.shop))
    if form.validate_on_submit():
        clash = Material.select().where((Material.shop == g.shop) & (Material.name == form.name.data)
                                        & (Material.id != item.id)).exists()
        if clash:
            form.name.errors.append(_("You already have a material with this name."))
        else:
            Material.update(name=form.name.data, unit=form.unit.data, reorder_level=form.reorder_level.data,
                            cost=form.cost.data,
                            preferred_supplier=_supplier_of_shop(form.preferred_supplier.data)).where(
                Material.id == item.id).execute()
            item = Material.get_by_id(item.id)
            return _done(_("Saved."), url_for("suppliers.material", material_id=item.id),
                         lambda m: _material_page(item, message=m))
    return _material_page(item, form=form)


@bp.post("/manage/materials/<int:material_id>/adjust")
@staff_required
def adjust(material_id: int):
    item = _material(material_id)
    form = AdjustForm(prefix="adj")
    if form.validate_on_submit():
        change = form.change.data
        try:
            with atomic_write():
                # Taking away cannot go below zero: there is nothing left to count, throw away or give.
                move(item, change, ADJUSTED, reason=form.reason.data, actor=_user(), floor=ZERO if change < 0 else None)
        except StockError:
            item = Material.get_by_id(item.id)
            form.change.errors.append(_("Only %(quantity)s %(unit)s on hand: you cannot take away more than that.",
                                        quantity=supplier_qty(max(item.on_hand, ZERO)), unit=supplier_unit(item.unit)))
            return _material_page(item, adjust=form)
        item = Material.get_by_id(item.id)
        return _done(_("Stock adjusted."), url_for("suppliers.material", material_id=item.id),
                     lambda m: _material_page(item, message=m))
    return _material_page(item, adjust=form)


# ---------------------------------------------------------------------------
# suppliers
# ---------------------------------------------------------------------------


def _supplier_members(shop):
    return list(members(shop, "supplier"))


def _linked_user(form, shop, current=None):
    """The team member chosen on the form, if they hold the supplier role here (else an error on the field)."""
    if not form.user_id.data:
        return None, True
    ids = {str(m.user.id): m.user for m in _supplier_members(shop)}
    user = ids.get(form.user_id.data)
    if user is None:
        form.user_id.errors.append(_("Choose a team member with the supplier role."))
        return None, False
    return user, True


def _suppliers_page(form, message=None):
    return render_page("suppliers/suppliers.html", "suppliers/_suppliers.html", shop=g.shop,
                       suppliers=_suppliers(g.shop), form=form, message=message)


@bp.route("/manage/suppliers", methods=["GET", "POST"])
@staff_required
def supplier_list():
    form = SupplierForm(prefix="sup")
    form.set_choices(_supplier_members(g.shop))
    if request.method == "POST" and form.validate_on_submit():
        user, ok = _linked_user(form, g.shop)
        if ok and Supplier.select().where((Supplier.shop == g.shop) & (Supplier.name == form.name.data)).exists():
            form.name.errors.append(_("You already have a supplier with this name."))
            ok = False
        if ok:
            with atomic_write():
                supplier = Supplier.create(shop=g.shop, name=form.name.data, contact_person=form.contact_person.data or "",
                                           email=form.email.data or "", phone=form.phone.data or "",
                                           address=form.address.data or "", lang=form.lang.data, user=user)
            fresh = SupplierForm(prefix="sup", formdata=None)
            fresh.set_choices(_supplier_members(g.shop))
            return _done(_("%(name)s added.", name=supplier.name), url_for("suppliers.supplier_list"),
                         lambda m: _suppliers_page(fresh, m))
    return _suppliers_page(form)


@bp.route("/manage/suppliers/<int:supplier_id>", methods=["GET", "POST"])
@staff_required
def supplier_edit(supplier_id: int):
    supplier = Supplier.get_or_none((Supplier.id == supplier_id) & (Supplier.shop == g.shop))
    if supplier is None:
        abort(404)
    message = None
    if request.method == "POST":
        form = SupplierForm(prefix="sup")
        form.set_choices(_supplier_members(g.shop))
        if form.validate_on_submit():
            user, ok = _linked_user(form, g.shop)
            if ok and Supplier.select().where((Supplier.shop == g.shop) & (Supplier.name == form.name.data)
                                              & (Supplier.id != supplier.id)).exists():
                form.name.errors.append(_("You already have a supplier with this name."))
                ok = False
            if ok:
                Supplier.update(name=form.name.data, contact_person=form.contact_person.data or "",
                                email=form.email.data or "", phone=form.phone.data or "",
                                address=form.address.data or "", lang=form.lang.data, user=user).where(
                    Supplier.id == supplier.id).execute()
                supplier = Supplier.get_by_id(supplier.id)
                if not wants_fragment():
                    flash(_("Saved."), "success")
                    return redirect(url_for("suppliers.supplier_edit", supplier_id=supplier.id), code=303)
                message = _("Saved.")
                form = None
    else:
        form = None
    if form is None:
        form = SupplierForm(prefix="sup", formdata=None, obj=supplier, data={"user_id": str(supplier.user_id or "")})
        form.set_choices(_supplier_members(g.shop))
    pos = list(PurchaseOrder.select().where(PurchaseOrder.supplier == supplier).order_by(PurchaseOrder.id.desc()).limit(50))
    return render_page("suppliers/supplier.html", "suppliers/_supplier_form.html", shop=g.shop, supplier=supplier,
                       form=form, pos=pos, message=message)


# ---------------------------------------------------------------------------
# bills of materials
# ---------------------------------------------------------------------------


@bp.get("/manage/bom")
@staff_required
def bom():
    products = list(Product.select().where(Product.shop == g.shop).order_by(Product.name))
    counts: dict[int, int] = {}
    for line in BomLine.select(BomLine.product).join(Material, on=(BomLine.material == Material.id)).where(
            Material.shop == g.shop):
        counts[line.product_id] = counts.get(line.product_id, 0) + 1
    return render_page("suppliers/bom.html", "suppliers/_bom_list.html", shop=g.shop, products=products, counts=counts)


def _product(product_id: int) -> Product:
    product = Product.get_or_none((Product.id == product_id) & (Product.shop == g.shop))
    if product is None:
        abort(404)
    return product


def _bom_page(product, form=None, message=None):
    materials = list(Material.select().where(Material.shop == g.shop).order_by(Material.name))
    if form is None:
        form = BomLineForm(prefix="bom", formdata=None)
    form.set_choices(materials)
    lines = list(BomLine.select(BomLine, Material).join(Material, on=(BomLine.material == Material.id))
                 .where(BomLine.product == product).order_by(Material.name))
    return render_page("suppliers/bom_product.html", "suppliers/_bom.html", shop=g.shop, product=product,
                       lines=lines, form=form, message=message, has_materials=bool(materials))


@bp.route("/manage/bom/<int:product_id>", methods=["GET", "POST"])
@staff_required
def bom_product(product_id: int):
    product = _product(product_id)
    if request.method == "GET":
        return _bom_page(product)
    form = BomLineForm(prefix="bom")
    form.set_choices(Material.select().where(Material.shop == g.shop))
    if form.validate_on_submit():
        material = Material.get_or_none((Material.id == int(form.material.data)) & (Material.shop == g.shop))
        if material is None:
            abort(404)
        with atomic_write():
            updated = BomLine.update(quantity=form.quantity.data).where(
                (BomLine.product == product) & (BomLine.material == material)).execute()
            if not updated:
                BomLine.create(product=product, material=material, quantity=form.quantity.data)
        return _done(_("Bill of materials saved."), url_for("suppliers.bom_product", product_id=product.id),
                     lambda m: _bom_page(product, message=m))
    return _bom_page(product, form=form)


@bp.post("/manage/bom/<int:product_id>/lines/<int:line_id>/delete")
@staff_required
def bom_delete(product_id: int, line_id: int):
    product = _product(product_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    line = BomLine.get_or_none((BomLine.id == line_id) & (BomLine.product == product))
    if line is None:
        abort(404)
    line.delete_instance()
    return _done(_("Line removed."), url_for("suppliers.bom_product", product_id=product.id),
                 lambda m: _bom_page(product, message=m))


# ---------------------------------------------------------------------------
# material requirements
# ---------------------------------------------------------------------------


def _requirements_page(message=None, created=()):
    rows = planning.requirements(g.shop)
    return render_page("suppliers/requirements.html", "suppliers/_requirements.html", shop=g.shop, rows=rows,
                       proposals=planning.proposals(rows), message=message, created=list(created),
                       form=CreateDraftsForm(formdata=None))


@bp.get("/manage/requirements")
@staff_required
def requirements():
    return _requirements_page()


@bp.post("/manage/requirements/drafts")
@staff_required
def create_drafts():
    if not CreateDraftsForm().validate_on_submit():
        abort(400)
    created = planning.create_drafts(g.shop, _user(), role_in(g.shop))
    if created:
        message = ngettext("%(num)d draft purchase order created.", "%(num)d draft purchase orders created.",
                           len(created))
    else:
        message = _("Nothing to order: every need is covered by stock, open orders or drafts.")
    if wants_fragment():
        return _requirements_page(message, created)
    flash(message, "success")
    return redirect(url_for("suppliers.purchase_orders", status=DRAFT) if created else url_for("suppliers.requirements"),
                    code=303)


# ---------------------------------------------------------------------------
# purchase orders: the team's side
# ---------------------------------------------------------------------------


@bp.route("/manage/purchase-orders", methods=["GET", "POST"])
@staff_required
def purchase_orders():
    suppliers = _suppliers(g.shop)
    form = NewPOForm(prefix="po")
    form.set_choices(suppliers)
    if request.method == "POST" and form.validate_on_submit():
        supplier = _supplier_of_shop(form.supplier.data)
        if supplier is None:
            abort(404)
        po = purchasing.create_po(g.shop, supplier, form.kind.data, actor=_user(), role=role_in(g.shop))
        return hx_redirect(url_for("suppliers.po_detail", po_id=po.id))
    status = request.args.get("status", "")
    query = PurchaseOrder.select(PurchaseOrder, Supplier).join(Supplier, on=(PurchaseOrder.supplier == Supplier.id)).where(
        PurchaseOrder.shop == g.shop)
    if status in PO_STATUSES:
        query = query.where(PurchaseOrder.status == status)
    else:
        status = ""
    pos = list(query.order_by(PurchaseOrder.id.desc()).limit(200))
    return render_page("suppliers/purchase_orders.html", "suppliers/_po_list.html", shop=g.shop, pos=pos, form=form,
                       status=status, statuses=PO_STATUSES, has_suppliers=bool(suppliers))


def _po(po_id: int) -> PurchaseOrder:
    po = purchasing.po_of_shop(g.shop, po_id)
    if po is None:
        abort(404)
    return po


def _po_page(po, message=None, error=None, forms=None):
    role = role_in(g.shop)
    lines = purchasing.lines_of(po)
    materials = list(Material.select().where(Material.shop == g.shop).order_by(Material.name))
    forms = forms or {}
    line_form = forms.get("line") or POLineForm(prefix="line", formdata=None)
    line_form.set_choices(materials)
    return render_page(
        "suppliers/po.html", "suppliers/_po.html", shop=g.shop, po=po, lines=lines, orders=purchasing.orders_of(po),
        events=purchasing.events_of(po), actions=purchasing.allowed(po, role), total=purchasing.total_of(lines),
        line_form=line_form, link_form=forms.get("link") or LinkOrderForm(prefix="link", formdata=None),
        receive_form=forms.get("receive") or ReceiveForm(prefix="rcv", formdata=None),
        note_form=forms.get("note") or NoteForm(prefix="note", formdata=None),
        receive_values=forms.get("receive_values", {}),
        message=message, error=error, can_receive=po.status in purchasing.PO_ACTIONS["receive"].sources,
    )


def _po_done(po, message):
    return _done(message, url_for("suppliers.po_detail", po_id=po.id),
                 lambda m: _po_page(purchasing.PurchaseOrder.get_by_id(po.id), message=m))


@bp.get("/manage/purchase-orders/<int:po_id>")
@staff_required
def po_detail(po_id: int):
    return _po_page(_po(po_id))


@bp.post("/manage/purchase-orders/<int:po_id>/action")
@staff_required
def po_act(po_id: int):
    po = _po(po_id)
    form = POActionForm()
    if not form.validate_on_submit():
        return _po_page(po, error=_("Unknown action.")), 400
    try:
        po = purchasing.act(po, form.action.data, _user(), role_in(g.shop))
    except POError as err:
        return _po_page(po, error=str(err)), 409
    messages = {
        "send": _("Sent to %(supplier)s.", supplier=po.supplier.name),
        "cancel": _("Purchase order cancelled."),
        "close": _("Purchase order closed."),
    }
    return _po_done(po, messages.get(form.action.data, _("Done.")))


@bp.post("/manage/purchase-orders/<int:po_id>/lines")
@staff_required
def po_add_line(po_id: int):
    po = _po(po_id)
    form = POLineForm(prefix="line")
    form.set_choices(Material.select().where(Material.shop == g.shop))
    if not form.validate_on_submit():
        return _po_page(po, forms={"line": form})
    material = None
    if form.material.data:
        material = Material.get_or_none((Material.id == int(form.material.data)) & (Material.shop == g.shop))
        if material is None:
            abort(404)
    description = form.description.data or (material.name if material else "")
    unit = material.unit if material else "piece"
    cost = form.unit_cost.data if form.unit_cost.data is not None else (material.cost if material else 0)
    try:
        purchasing.add_line(po, material, description, unit, form.quantity.data, cost)
    except POError as err:
        return _po_page(po, error=str(err)), 409
    return _po_done(po, _("Line added."))


@bp.post("/manage/purchase-orders/<int:po_id>/lines/<int:line_id>/delete")
@staff_required
def po_delete_line(po_id: int, line_id: int):
    po = _po(po_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    try:
        removed = purchasing.remove_line(po, line_id)
    except POError as err:
        return _po_page(po, error=str(err)), 409
    if not removed:
        abort(404)
    return _po_done(po, _("Line removed."))


@bp.post("/manage/purchase-orders/<int:po_id>/orders")
@staff_required
def po_link_order(po_id: int):
    po = _po(po_id)
    form = LinkOrderForm(prefix="link")
    if not form.validate_on_submit():
        return _po_page(po, forms={"link": form})
    order = Order.get_or_none((Order.shop == g.shop) & (Order.number == form.number.data))
    if order is None:
        form.number.errors.append(_("No order with this number in your shop."))
        return _po_page(po, forms={"link": form})
    try:
        purchasing.link_order(po, order)
    except POError as err:
        return _po_page(po, error=str(err)), 409
    return _po_done(po, _("Order %(number)s linked.", number=order.number))


@bp.post("/manage/purchase-orders/<int:po_id>/receive")
@staff_required
def po_receive(po_id: int):
    po = _po(po_id)
    form = ReceiveForm(prefix="rcv")
    lines = purchasing.lines_of(po)
    quantities: dict[int, Decimal] = {}
    raw = {}
    problems = []
    for line in lines:
        value = (request.form.get(f"rcv-line-{line.id}") or "").strip().replace(",", ".")
        raw[line.id] = value[:20]
        if not value:
            continue
        try:
            quantity = Decimal(value)
        except InvalidOperation:
            problems.append(line.description)
            continue
        if not quantity.is_finite() or quantity < 0 or quantity > Decimal("1000000"):
            problems.append(line.description)
            continue
        quantities[line.id] = quantity.quantize(Decimal("0.001"))
    forms = {"receive": form, "receive_values": raw}
    if not form.validate_on_submit():
        return _po_page(po, forms=forms)
    if problems:
        return _po_page(po, error=_("Enter a number of zero or more for: %(items)s", items=", ".join(problems)),
                        forms=forms)
    try:
        po = purchasing.receive(po, quantities, _user(), role_in(g.shop), form.note.data or "")
    except POError as err:
        return _po_page(po, error=str(err), forms=forms), 409
    return _po_done(po, _("Receipt recorded; stock updated."))


@bp.post("/manage/purchase-orders/<int:po_id>/notes")
@staff_required
def po_note(po_id: int):
    po = _po(po_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _po_page(po, forms={"note": form})
    purchasing.add_note(po, form.text.data, _user(), role_in(g.shop))
    return _po_done(po, _("Note added."))


# ---------------------------------------------------------------------------
# the supplier's portal (not under one shop)
# ---------------------------------------------------------------------------


def _enabled(shop) -> bool:
    return registry().is_enabled(shop, NAME)


def _my_records():
    return [s for s in purchasing.supplier_records(_user()) if _enabled(s.shop)]


def _portal_guard():
    """``None`` when the user may use the portal; otherwise the refusal to return.

    Not a supplier anywhere: 403. A supplier only of shops that switched the plugin
    off: 404, as any switched-off plugin's page.
    """
    if not current_user.is_authenticated:
        return hx_redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    records = list(purchasing.supplier_records(_user()))
    if not records:
        abort(403)
    if not any(_enabled(s.shop) for s in records):
        abort(404)
    return None


def _my_po(po_id: int) -> PurchaseOrder:
    po = purchasing.po_for_supplier(_user(), po_id, _enabled)
    if po is None:
        abort(404)
    return po


def portal():
    refusal = _portal_guard()
    if refusal is not None:
        return refusal
    records = _my_records()
    pos = list(PurchaseOrder.select().where(PurchaseOrder.supplier.in_([s.id for s in records])
                                            & (PurchaseOrder.status != DRAFT))
               .order_by(PurchaseOrder.updated_at.desc(), PurchaseOrder.id.desc()).limit(200))
    by_id = {s.id: s for s in records}
    waiting = sum(1 for p in pos if p.status == "sent")
    return render_page("suppliers/portal.html", "suppliers/_portal_list.html", pos=pos, suppliers=by_id,
                       waiting=waiting)


def _portal_page(po, message=None, error=None, forms=None):
    forms = forms or {}
    lines = purchasing.lines_of(po)
    # Outsourced work: the order numbers and what was ordered, never who ordered it.
    orders = purchasing.orders_of(po) if po.kind == OUTSOURCED else []
    items = {}
    for order in orders:
        items[order.id] = [(i.name, i.quantity) for i in order.items]
    return render_page(
        "suppliers/portal_po.html", "suppliers/_portal_po.html", po=po, lines=lines, orders=orders, items=items,
        events=purchasing.events_of(po), actions={a.name for a in purchasing.allowed(po, "supplier")},
        total=purchasing.total_of(lines), message=message, error=error,
        confirm_form=forms.get("confirm") or ConfirmForm(prefix="cf", formdata=None,
                                                         data={"promised_date": po.promised_date}),
        reject_form=forms.get("reject") or RejectForm(prefix="rj", formdata=None),
        ship_form=forms.get("ship") or ShipForm(prefix="sh", formdata=None),
        note_form=forms.get("note") or NoteForm(prefix="note", formdata=None),
    )


def _portal_done(po, message):
    return _done(message, url_for("suppliers.portal_po", po_id=po.id),
                 lambda m: _portal_page(PurchaseOrder.get_by_id(po.id), message=m))


def portal_po(po_id: int):
    refusal = _portal_guard()
    if refusal is not None:
        return refusal
    return _portal_page(_my_po(po_id))


def _portal_act(po_id: int, action: str, form, key: str, values):
    refusal = _portal_guard()
    if refusal is not None:
        return refusal
    po = _my_po(po_id)
    if not form.validate_on_submit():
        return _portal_page(po, forms={key: form})
    try:
        po = purchasing.act(po, action, _user(), "supplier", **values(form))
    except POError as err:
        return _portal_page(po, error=str(err), forms={key: form}), 409
    messages = {
        "confirm": _("Confirmed. Thank you!"),
        "reject": _("Rejected; the shop has been told."),
        "ship": _("Marked as shipped."),
        "reschedule": _("Delivery date changed."),
    }
    return _portal_done(po, messages[action])


def portal_confirm(po_id: int):
    return _portal_act(po_id, "confirm", ConfirmForm(prefix="cf"), "confirm",
                       lambda f: {"promised_date": f.promised_date.data, "note": f.note.data or ""})


def portal_reschedule(po_id: int):
    return _portal_act(po_id, "reschedule", ConfirmForm(prefix="cf"), "confirm",
                       lambda f: {"promised_date": f.promised_date.data, "note": f.note.data or ""})


def portal_reject(po_id: int):
    return _portal_act(po_id, "reject", RejectForm(prefix="rj"), "reject", lambda f: {"note": f.reason.data})


def portal_ship(po_id: int):
    return _portal_act(po_id, "ship", ShipForm(prefix="sh"), "ship", lambda f: {"note": f.note.data or ""})


def portal_note(po_id: int):
    refusal = _portal_guard()
    if refusal is not None:
        return refusal
    po = _my_po(po_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _portal_page(po, forms={"note": form})
    purchasing.add_note(po, form.text.data, _user(), "supplier")
    return _portal_done(po, _("Note added."))


PORTAL_RULES = [
    ("/supplier/", "portal", portal, ["GET"]),
    ("/supplier/orders/<int:po_id>", "portal_po", portal_po, ["GET"]),
    ("/supplier/orders/<int:po_id>/confirm", "portal_confirm", portal_confirm, ["POST"]),
    ("/supplier/orders/<int:po_id>/reschedule", "portal_reschedule", portal_reschedule, ["POST"]),
    ("/supplier/orders/<int:po_id>/reject", "portal_reject", portal_reject, ["POST"]),
    ("/supplier/orders/<int:po_id>/ship", "portal_ship", portal_ship, ["POST"]),
    ("/supplier/orders/<int:po_id>/notes", "portal_note", portal_note, ["POST"]),
]


@bp.record_once
def _add_portal_rules(state):
    # Under the blueprint's name, so core's guard still answers 404 when the platform disallows the plugin.
    for rule, endpoint, view, methods in PORTAL_RULES:
        state.app.add_url_rule(rule, f"{NAME}.{endpoint}", view, methods=methods)
