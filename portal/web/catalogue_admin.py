"""The shop's catalogue back office: products, their pictures, categories, the shop profile.

Owner and staff manage products and categories; only the owner edits the shop's
profile and bank accounts (customers transfer money to those accounts).
Every object is looked up through the current shop, so another shop's ids answer 404.
"""
from __future__ import annotations

from types import SimpleNamespace

import peewee as pw
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from portal.core import catalogue, media
from portal.core.db import db
from portal.core.models import Category, Product, ProductImage
from portal.core.permissions import owner_required, staff_required
from portal.forms import EmailAddress, IndonesianPhone, NoControlChars, SubForm
from portal.htmx import hx_redirect, is_htmx, render_page
from portal.web.manage import BACK_OFFICE_MENU, MenuLink

bp = Blueprint("catalogue_admin", __name__, url_prefix="/s/<shop_slug>/manage/catalogue")

BACK_OFFICE_MENU.extend([
    MenuLink("catalogue_admin.products", _l("Products"), order=20),
    MenuLink("catalogue_admin.categories", _l("Categories"), order=25),
    MenuLink("catalogue_admin.shop_profile", _l("Shop profile"), order=80, roles=("owner",)),
])

ADMIN_PER_PAGE = 30
PROFILE_FIELDS = ("name", "tagline", "story", "address", "city", "postal_code", "phone", "whatsapp", "email",
                  "opening_hours", "order_prefix")
MAX_BANK_ACCOUNTS = 3


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lower_strip(value):
    return value.strip().lower() if isinstance(value, str) else value


def _upper_strip(value):
    return value.strip().upper() if isinstance(value, str) else value


# ---------------------------------------------------------------------------
# forms
# ---------------------------------------------------------------------------


class RupiahField(StringField):
    """Whole Rupiah typed as Indonesians write it: ``1.250.000``, ``Rp 1.250.000`` or ``1250000``."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            amount = catalogue.parse_rupiah(valuelist[0])
            if amount is None:
                raise ValueError(_l("Enter a whole amount in Rupiah, e.g. 1.250.000."))
            self.data = amount

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:,}".replace(",", ".") if isinstance(self.data, int) else ""


SLUG_MESSAGE = _l("Use lower-case letters, digits and hyphens only.")


class ProductForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=120), NoControlChars()], filters=[_strip])
    slug = StringField(
        _l("Web address"),
        [Optional(), Length(max=120), Regexp(catalogue.SLUG_RE, message=SLUG_MESSAGE)],
        filters=[_lower_strip],
        description=_l("Left empty, it is made from the name."),
    )
    category = SelectField(_l("Category"), coerce=int, default=0)
    description = TextAreaField(_l("Description"), [Optional(), Length(max=5000)], render_kw={"rows": 6})
    price = RupiahField(_l("Price (Rupiah)"), [InputRequired(), NumberRange(min=1, max=10_000_000_000)],
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    availability = RadioField(
        _l("Availability"),
        choices=[SelectChoice("stock", _l("Sold from stock")), SelectChoice("made_to_order", _l("Made to order"))],
        default="stock",
    )
    stock = IntegerField(_l("Items in stock"), [Optional(), NumberRange(min=0, max=1_000_000)],
                         render_kw={"inputmode": "numeric"})
    lead_time_days = IntegerField(_l("Days to make"), [Optional(), NumberRange(min=1, max=365)],
                                  render_kw={"inputmode": "numeric"})
    weight_grams = IntegerField(_l("Weight with packing (grams)"), [InputRequired(), NumberRange(min=1, max=100_000)],
                                default=1000, render_kw={"inputmode": "numeric"})
    is_active = BooleanField(_l("Shown in the shop"), default=True)

    def validate(self, extra_validators=None):
        # Which of stock / lead time is needed depends on the availability
        # chosen; an empty field stops its own chain at Optional(), so check here.
        ok = super().validate(extra_validators)
        if self.availability.data == "stock" and self.stock.data is None and not self.stock.errors:
            self.stock.errors.append(_("Enter how many are in stock (0 when sold out)."))
            ok = False
        if (self.availability.data == "made_to_order" and self.lead_time_days.data is None
                and not self.lead_time_days.errors):
            self.lead_time_days.errors.append(_("Enter how many days it takes to make."))
            ok = False
        return ok


class ImageForm(FlaskForm):
    picture = FileField(_l("Picture (JPEG, PNG or WebP)"), [FileRequired(_l("Choose a picture to upload."))],
                        render_kw={"accept": "image/jpeg,image/png,image/webp"})
    alt = StringField(_l("Short description of the picture"), [Optional(), Length(max=200), NoControlChars()],
                      filters=[_strip])


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=80), NoControlChars()], filters=[_strip])
    slug = StringField(
        _l("Web address"),
        [Optional(), Length(max=80), Regexp(catalogue.SLUG_RE, message=SLUG_MESSAGE)],
        filters=[_lower_strip],
        description=_l("Left empty, it is made from the name."),
    )
    description = TextAreaField(_l("Description"), [Optional(), Length(max=1000)], render_kw={"rows": 3})
    position = IntegerField(_l("Position in lists"), [Optional(), NumberRange(min=0, max=9999)], default=0)


class DeleteCategoryForm(FlaskForm):
    move_products = BooleanField(_l("Move its products to “no category”"))


class BankAccountForm(SubForm):
    """One bank account row; a row is either empty or complete."""

    bank = StringField(_l("Bank"), [Optional(), Length(max=60), NoControlChars()], filters=[_strip])
    number = StringField(_l("Account number"), [Optional(), Length(max=40),
                                                Regexp(r"^[0-9][0-9 .-]*$", message=_l("Digits only, please."))],
                         filters=[_strip], render_kw={"inputmode": "numeric"})
    holder = StringField(_l("Account holder"), [Optional(), Length(max=120), NoControlChars()], filters=[_strip])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        filled = [f for f in (self.bank, self.number, self.holder) if f.data]
        if filled and len(filled) < 3:
            for f in (self.bank, self.number, self.holder):
                if not f.data:
                    f.errors.append(_("Fill in the bank, the number and the holder, or leave the row empty."))
            return False
        if self.number.data:
            digits = "".join(c for c in self.number.data if c.isdigit())
            if not 5 <= len(digits) <= 20:
                self.number.errors.append(_("An account number has 5 to 20 digits."))
                return False
        return ok

    def as_dict(self) -> dict | None:
        if not self.bank.data:
            return None
        return {"bank": self.bank.data, "number": "".join(c for c in self.number.data if c.isdigit()),
                "holder": self.holder.data}


class ShopProfileForm(FlaskForm):
    name = StringField(_l("Shop name"), [DataRequired(), Length(max=120), NoControlChars()], filters=[_strip])
    tagline = StringField(_l("Tagline"), [Optional(), Length(max=200), NoControlChars()], filters=[_strip])
    story = TextAreaField(_l("Our story"), [Optional(), Length(max=10000)], render_kw={"rows": 8})
    address = TextAreaField(_l("Address"), [Optional(), Length(max=500)], render_kw={"rows": 3})
    city = StringField(_l("City"), [Optional(), Length(max=80), NoControlChars()], filters=[_strip])
    postal_code = StringField(_l("Postal code"), [Optional(), Regexp(r"^\d{5}$", message=_l("Five digits, please."))],
                              filters=[_strip], render_kw={"inputmode": "numeric"})
    phone = StringField(_l("Phone"), [Optional(), IndonesianPhone()], filters=[_strip], render_kw={"type": "tel"})
    whatsapp = StringField(_l("WhatsApp number"), [Optional(), IndonesianPhone()], filters=[_strip],
                           render_kw={"type": "tel"})
    email = StringField(_l("E-mail"), [Optional(), Length(max=254), EmailAddress()], filters=[_strip],
                        render_kw={"type": "email"})
    opening_hours = TextAreaField(_l("Opening hours"), [Optional(), Length(max=1000)], render_kw={"rows": 4})
    bank_accounts = FieldList(FormField(BankAccountForm), min_entries=MAX_BANK_ACCOUNTS,
                              max_entries=MAX_BANK_ACCOUNTS)
    order_prefix = StringField(
        _l("Order number prefix"),
        [DataRequired(), Regexp(r"^[A-Z]{2,6}$", message=_l("Use 2 to 6 capital letters, e.g. CBD."))],
        filters=[_upper_strip],
        description=_l("Order numbers start with it, e.g. CBD-20261127-0007."),
    )


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _product_or_404(product_id: int) -> Product:
    product = catalogue.product_by_id(g.shop, product_id)
    if product is None:
        abort(404)
    return product


def _category_or_404(category_id: int) -> Category:
    category = catalogue.category_by_id(g.shop, category_id)
    if category is None:
        abort(404)
    return category


def _category_choices():
    return [SelectChoice(0, _("No category"))] + [SelectChoice(c.id, c.name) for c in catalogue.categories(g.shop)]


def _product_initial(product: Product) -> dict:
    return {
        "name": product.name,
        "slug": product.slug,
        "category": product.category_id or 0,
        "description": product.description,
        "price": product.price,
        "availability": "made_to_order" if product.made_to_order else "stock",
        "stock": product.stock,
        "lead_time_days": product.lead_time_days or None,
        "weight_grams": product.weight_grams,
        "is_active": product.is_active,
    }


def _save_product(form: ProductForm, product: Product | None) -> Product | None:
    """Write the form into ``product`` (new when ``None``); ``None`` when the slug is taken."""
    shop = g.shop
    category = catalogue.category_by_id(shop, form.category.data) if form.category.data else None
    exclude = product.id if product is not None else None
    if form.slug.data:
        slug = form.slug.data
        taken = (
            Product.select(Product.id)
            .where((Product.shop == shop) & (Product.slug == slug) & (Product.id != (exclude or 0)))
            .exists()
        )
        if taken:
            form.slug.errors.append(_("Another product already uses this web address."))
            return None
    else:
        slug = catalogue.unique_slug(Product, shop, catalogue.slugify(form.name.data, 120), exclude, 120)
    made_to_order = form.availability.data == "made_to_order"
    fields = {
        "name": form.name.data,
        "slug": slug,
        "category": category,
        "description": (form.description.data or "").strip(),
        "price": form.price.data,
        "made_to_order": made_to_order,
        # Made-to-order products take production capacity, not stock (see the model).
        "stock": None if made_to_order else form.stock.data,
        "lead_time_days": form.lead_time_days.data if made_to_order else 0,
        "weight_grams": form.weight_grams.data,
        "is_active": form.is_active.data,
    }
    return _save_unique(Product, product, shop, fields, form.slug, _("Another product already uses this web address."))


# ---------------------------------------------------------------------------
# products
# ---------------------------------------------------------------------------


@bp.get("/")
@staff_required
def products():
    shop = g.shop
    category = None
    category_id = request.args.get("category", type=int)
    if category_id:
        category = catalogue.category_by_id(shop, category_id)
    result = catalogue.product_page(
        shop, category=category, q=request.args.get("q", ""), page=request.args.get("page", 1),
        per_page=ADMIN_PER_PAGE, include_inactive=True,
    )

    def page_url(page):
        return url_for("catalogue_admin.products", q=result.q or None,
                       category=category.id if category else None, page=page if page > 1 else None)

    return render_page(
        "manage/catalogue/products.html", "manage/catalogue/_products.html",
        shop=shop, result=result, category=category, categories=catalogue.categories(shop), page_url=page_url,
    )


@bp.route("/products/new", methods=["GET", "POST"])
@staff_required
def product_new():
    form = ProductForm()
    form.category.choices = _category_choices()
    if form.validate_on_submit():
        product = _save_product(form, None)
        if product is not None:
            flash(_("Product saved. Now add its pictures."), "success")
            return redirect(url_for("catalogue_admin.product_edit", product_id=product.id), code=303)
    return render_template("manage/catalogue/product_form.html", shop=g.shop, form=form, product=None)


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@staff_required
def product_edit(product_id: int):
    product = _product_or_404(product_id)
    form = ProductForm(data=None if request.method == "POST" else _product_initial(product))
    form.category.choices = _category_choices()
    if form.validate_on_submit() and _save_product(form, product) is not None:
        flash(_("Product saved."), "success")
        return redirect(url_for("catalogue_admin.product_edit", product_id=product.id), code=303)
    return render_template(
        "manage/catalogue/product_form.html", shop=g.shop, form=form, product=product,
        images=catalogue.images_of(product), image_form=ImageForm(formdata=None),
    )


def _images_response(product: Product, image_form=None, error=None, status=200):
    """The pictures block for htmx, or back to the product page for a plain form post."""
    if is_htmx():
        return render_template(
            "manage/catalogue/_product_images.html", shop=g.shop, product=product,
            images=catalogue.images_of(product), image_form=image_form or ImageForm(formdata=None), error=error,
        ), status
    if error:
        flash(error, "error")
    return redirect(url_for("catalogue_admin.product_edit", product_id=product.id) + "#pictures", code=303)


@bp.post("/products/<int:product_id>/images")
@staff_required
def image_upload(product_id: int):
    product = _product_or_404(product_id)
    form = ImageForm()
    if not form.validate_on_submit():
        # The errors show next to the fields; a plain post gets them as a flash.
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _images_response(product, form, error=None if is_htmx() else message)
    try:
        media.save_upload(product, form.picture.data.stream, alt=form.alt.data or "")
    except media.MediaError as exc:
        return _images_response(product, form, error=str(exc))
    return _images_response(product)


def _image_or_404(product: Product, image_id: int) -> ProductImage:
    image = ProductImage.get_or_none((ProductImage.id == image_id) & (ProductImage.product == product))
    if image is None:
        abort(404)
    return image


@bp.post("/products/<int:product_id>/images/<int:image_id>/delete")
@staff_required
def image_delete(product_id: int, image_id: int):
    product = _product_or_404(product_id)
    media.delete_image(_image_or_404(product, image_id))
    return _images_response(product)


@bp.post("/products/<int:product_id>/images/<int:image_id>/move")
@staff_required
def image_move(product_id: int, image_id: int):
    product = _product_or_404(product_id)
    image = _image_or_404(product, image_id)
    step = -1 if request.form.get("direction") == "up" else 1
    media.move_image(image, step)
    return _images_response(product)


# ---------------------------------------------------------------------------
# categories
# ---------------------------------------------------------------------------


def _save_category(form: CategoryForm, category: Category | None) -> Category | None:
    shop = g.shop
    exclude = category.id if category is not None else None
    if form.slug.data:
        slug = form.slug.data
        if Category.select().where((Category.shop == shop) & (Category.slug == slug)
                                   & (Category.id != (exclude or 0))).exists():
            form.slug.errors.append(_("Another category already uses this web address."))
            return None
    else:
        slug = catalogue.unique_slug(Category, shop, catalogue.slugify(form.name.data), exclude)
    fields = {"name": form.name.data, "slug": slug, "description": (form.description.data or "").strip(),
              "position": form.position.data or 0}
    return _save_unique(Category, category, shop, fields, form.slug, _("Another category already uses this web address."))


def _save_unique(model, instance, shop, fields: dict, slug_field, taken_message: str):
    """Create or update a shop's row; a slug taken meanwhile becomes a field error, not a 500."""
    try:
        with db.atomic():
            if instance is None:
                return model.create(shop=shop, **fields)
            for key, value in fields.items():
                setattr(instance, key, value)
            instance.save()
            return instance
    except pw.IntegrityError:
        # Two people saving the same web address at once: the unique index decides.
        slug_field.errors.append(taken_message)
        return None


def _categories_with_counts():
    return list(
        Category.select(Category, pw.fn.COUNT(Product.id).alias("product_count"))
        .join(Product, pw.JOIN.LEFT_OUTER, on=(Product.category == Category.id))
        .where(Category.shop == g.shop)
        .group_by(Category)
        .order_by(Category.position, Category.name)
    )


@bp.route("/categories", methods=["GET", "POST"])
@staff_required
def categories():
    form = CategoryForm()
    if form.validate_on_submit():
        category = _save_category(form, None)
        if category is not None:
            flash(_("Category “%(name)s” added.", name=category.name), "success")
            return redirect(url_for("catalogue_admin.categories"), code=303)
    return render_template("manage/catalogue/categories.html", shop=g.shop, form=form,
                           categories=_categories_with_counts())


def _product_count(category: Category) -> int:
    return Product.select().where(Product.category == category).count()


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@staff_required
def category_edit(category_id: int):
    category = _category_or_404(category_id)
    form = CategoryForm(obj=category)
    if form.validate_on_submit() and _save_category(form, category) is not None:
        flash(_("Category saved."), "success")
        return redirect(url_for("catalogue_admin.categories"), code=303)
    return render_template("manage/catalogue/category_form.html", shop=g.shop, form=form, category=category,
                           delete_form=DeleteCategoryForm(formdata=None), product_count=_product_count(category))


@bp.post("/categories/<int:category_id>/delete")
@staff_required
def category_delete(category_id: int):
    category = _category_or_404(category_id)
    form = DeleteCategoryForm()
    if not form.validate_on_submit():
        abort(400)
    with db.atomic():
        count = _product_count(category)
        if count and not form.move_products.data:
            flash(_("This category still holds %(n)s products: tick “move its products” to delete it anyway.",
                    n=count), "error")
            return hx_redirect(url_for("catalogue_admin.category_edit", category_id=category.id))
        Product.update(category=None).where(Product.category == category).execute()
        category.delete_instance()
    flash(_("Category “%(name)s” deleted.", name=category.name), "success")
    return hx_redirect(url_for("catalogue_admin.categories"))


# ---------------------------------------------------------------------------
# shop profile
# ---------------------------------------------------------------------------


@bp.route("/profile", methods=["GET", "POST"])
@owner_required
def shop_profile():
    shop = g.shop
    if request.method == "POST":
        form = ShopProfileForm()
    else:
        data = {name: getattr(shop, name) for name in PROFILE_FIELDS}
        # FormField reads each row as an object, so the stored dicts become namespaces.
        data["bank_accounts"] = [SimpleNamespace(**row) for row in (shop.bank_accounts or [])[:MAX_BANK_ACCOUNTS]]
        form = ShopProfileForm(data=data)
    if form.validate_on_submit():
        with db.atomic():
            for name in PROFILE_FIELDS:
                value = getattr(form, name).data or ""
                setattr(shop, name, value.strip() if name in ("story", "address", "opening_hours") else value)
            shop.bank_accounts = [row for row in (entry.form.as_dict() for entry in form.bank_accounts) if row]
            shop.save()
        flash(_("Shop profile saved."), "success")
        return redirect(url_for("catalogue_admin.shop_profile"), code=303)
    return render_template("manage/catalogue/shop_profile.html", shop=shop, form=form)
