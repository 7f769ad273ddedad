"""Property-based fuzzing of every form the app accepts (issue 11, item 10).

For each POST endpoint a hypothesis strategy builds form data from the fields
of the WTForms form the view validates: hostile and arbitrary text, numbers that
are not numbers, choices outside the list, random files, missing fields and
fields the form does not have. Whatever arrives, the answer is never a 5xx, a
re-rendered form explains every rejection in words, and no submitted
``<script`` comes back unescaped.
"""
from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plugin_parts import parts
from security_kit import EN, _form, _names
from security_matrix import MATRIX, installed_plugins
from wtforms import fields as wtf

MARKER = "<script>alert('fz')</script>"

HOSTILE_TEXT = [
    MARKER,
    f"Budi{MARKER}",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    '<div hx-get="/admin/" hx-trigger="load">x</div>',
    '" hx-post="/logout" x="',
    "Siti\r\nBcc: victim@example.test",
    "subject%0d%0aBcc:%20victim@example.test",
    "\u200b\u200c\u200d\ufeff",
    "\u202eabc\u202d",
    "\x00\x01\x07\x1b[31m",
    "x" * 20_000,
    "",
    " ",
    "0",
    "-1",
    "../../etc/passwd",
    "' OR 1=1 --",
    "😀" * 50,
]
NUMBERS = ["0", "-1", "-999999999999", "99999999999999999999999999", "1e309", "-1e309", "NaN", "inf", "1.5",
           "1,5", "Rp1.000", "abc", "", " 12 ", "0x10", "٣"]
BOOLEANS = ["y", "on", "true", "1", "", "false", "0", "n", MARKER]
EXTRA = ("status", "shop_id", "price", "total", "is_admin", "order_id", "user_id")

text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=300),
                 st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
number = st.one_of(st.sampled_from(NUMBERS), st.integers().map(str), text)


def _one_line(value: str) -> str:
    # A browser percent-encodes line breaks in a part's headers; the test client refuses them outright.
    return value.replace("\r", "%0D").replace("\n", "%0A")


def upload():
    content = st.one_of(st.binary(max_size=2048), st.sampled_from([
        b"<html><script>alert(1)</script></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"\x89PNG\r\n\x1a\n<script>alert(1)</script>",
        b"%PDF-1.4\n%%EOF",
        b"Tanggal Transaksi,Keterangan,Cabang,Jumlah,Saldo\r\n01/01/2026,x,0,\"1e309 CR\",NaN\r\n",
    ]))
    filename = st.one_of(st.sampled_from(["x.png", "x.png.php", "../../x.png", "", "a\r\nb.png", "x.svg",
                                          "mutasi.csv", f"{MARKER}.jpg", "x" * 300 + ".png", "a%0D%0ABcc.png"]),
                         text.map(_one_line))
    ctype = st.sampled_from(["image/png", "image/jpeg", "text/html", "image/svg+xml", "text/csv",
                             "application/octet-stream", "", "image/png; x=<script>", "image/png\u2028X-Evil: 1"])
    return st.tuples(content, filename, ctype).map(
        lambda t: (io.BytesIO(t[0]), t[1] or "upload", t[2]) if t[2] else (io.BytesIO(t[0]), t[1] or "upload"))


def _leaves(form):
    """Every input of the form, with FieldList/FormField rows opened up (their names carry the row index)."""
    for f in form:
        if isinstance(f, (wtf.FormField, wtf.FieldList)):
            yield from _leaves(f)
        elif not isinstance(f, (wtf.SubmitField,)) and f.short_name != "csrf_token":
            yield f


def _choices(f) -> list[str]:
    try:
        return [str(c[0]) for c in (f.choices or [])] if not callable(f.choices) else []
    except (TypeError, IndexError):
        return []


def value_for(f):
    if isinstance(f, (wtf.FileField, wtf.MultipleFileField)):
        return upload()
    if isinstance(f, (wtf.IntegerField, wtf.DecimalField, wtf.FloatField, wtf.IntegerRangeField,
                      wtf.DecimalRangeField)):
        return number
    if isinstance(f, wtf.BooleanField):
        return st.sampled_from(BOOLEANS)
    if isinstance(f, (wtf.SelectField, wtf.RadioField, wtf.SelectMultipleField)):
        valid = _choices(f)
        return st.one_of(st.sampled_from(valid), text) if valid else text
    return text


# ---- which form each POST endpoint validates, and as whom it is fuzzed ----------------------------------------


A, W, P, C, M, T, AD = ("portal.web.auth", "portal.web.payments",
                           "portal.web.catalogue_admin", "portal.web.cart", "portal.web.manage", "portal.web.team",
                           "portal.web.admin")
OA, CH, B = "portal.web.order_admin", "portal.web.checkout", "portal_backinstock.forms"

# endpoint -> (role, fields): ``fields`` builds the view's form (or lists the plain names a view reads).
FORMS = {
    "platform.set_language": ("customer_a", _names("lang", "next")),
    "auth.login": ("anonymous", _form(A, "LoginForm")),
    "auth.register": ("anonymous", _form(A, "RegisterForm")),
    "auth.account": ("customer_a", _form(A, "ProfileForm", prefix="profile")),
    "auth.change_password": ("customer_a", _form(A, "PasswordChangeForm", prefix="pw")),
    "auth.forgot_password": ("anonymous", _form(A, "ForgotForm")),
    "auth.reset_password": ("anonymous", _form(A, "ResetForm")),
    "auth.invitation": ("customer_a", _form(A, "AcceptForm")),
    "manage.switch_module": ("owner_x", _form(M, "ModuleSwitchForm", prefix="switch-guestbook")),
    "manage.clear_error": ("owner_x", _form(M, "ClearErrorForm")),
    "catalogue_admin.product_new": ("staff_x", _form(P, "ProductForm")),
    "catalogue_admin.product_edit": ("staff_x", _form(P, "ProductForm")),
    "catalogue_admin.image_upload": ("staff_x", _form(P, "ImageForm")),
    "catalogue_admin.image_move": ("staff_x", _names("direction")),
    "catalogue_admin.categories": ("staff_x", _form(P, "CategoryForm")),
    "catalogue_admin.category_edit": ("staff_x", _form(P, "CategoryForm")),
    "catalogue_admin.category_delete": ("staff_x", _form(P, "DeleteCategoryForm")),
    "catalogue_admin.shop_profile": ("owner_x", _form(P, "ShopProfileForm")),
    "admin.new_shop": ("admin", _form(AD, "ShopCreateForm")),
    "admin.shop_active": ("admin", _form(AD, "SwitchForm")),
    "admin.plugin_allowed": ("admin", _form(AD, "SwitchForm")),
    "admin.user_active": ("admin", _form(AD, "SwitchForm")),
    "team.invite": ("owner_x", _form(T, "InviteForm")),
    "cart.add": ("customer_a", _form(C, "QuantityForm")),
    "cart.update": ("customer_a", _form(C, "QuantityForm")),
    "checkout.start": ("customer_a", _form(CH, "CheckoutForm")),
    "order_admin.act": ("staff_x", _form(OA, "ActionForm")),
    "order_admin.stage": ("staff_x", _form(OA, "StageForm")),
    "payments.upload_proof": ("customer_a", _form(W, "ProofForm")),
    "payments.reject": ("staff_x", _form(W, "RejectForm")),
    "payments.mark_paid": ("staff_x", _form(W, "NoteForm")),
    "payments.statement_index": ("staff_x", _form(W, "StatementForm")),
    "payments.approve_line": ("staff_x", _form(W, "LineForm")),
    "payments.statement_mapping": ("owner_x", _form(W, "MappingForm")),
    "backinstock.subscribe": ("customer_a", _form(B, "AlertForm", prefix="bis")),
    "backinstock.notify_now": ("staff_x", _form(B, "NotifyForm")),
}

# POST endpoints whose form is a bare FlaskForm (only the CSRF token): nothing to fuzz but
# the extra fields, which they must ignore. Fuzzed with extras only.
CSRF_ONLY = {
    "auth.logout", "catalogue_admin.image_delete", "team.cancel_invitation", "team.revoke", "cart.remove",
    "orders.act", "payments.approve", "payments.ignore_line", "payments.rematch", "payments.outbox_retry",
}

_PLUGIN_OF = {"backinstock": "backinstock", "guestbook": "guestbook"}

for _part in parts():
    FORMS.update(_part.FORMS)
    CSRF_ONLY |= set(getattr(_part, "CSRF_ONLY", ()))
    _PLUGIN_OF.update({endpoint.split(".")[0]: _part.PLUGIN for endpoint in {*_part.FORMS, *getattr(_part, "CSRF_ONLY", ())}})


def _applies(endpoint: str) -> bool:
    plugin = _PLUGIN_OF.get(endpoint.split(".")[0])
    return plugin is None or plugin in installed_plugins()


FUZZED = sorted(e for e in {*FORMS, *CSRF_ONLY} if _applies(e))


def test_every_post_endpoint_is_fuzzed(portal_app):
    posts = {r.endpoint for r in portal_app.url_map.iter_rules() if "POST" in r.methods}
    missing = posts - set(FORMS) - CSRF_ONLY
    assert not missing, f"POST endpoints with no form in the fuzz map: {sorted(missing)}"
    assert not set(FORMS) & CSRF_ONLY


_ERROR_RE = re.compile(r'<small id="[^"]*-error" class="field-error">(.*?)</small>', re.S)
_INVALID_RE = re.compile(r'<(?:input|select|textarea)\b[^>]*\baria-invalid="true"[^>]*>')
_DESCRIBED_RE = re.compile(r'aria-describedby="([^"]+)"')


def _check(response, endpoint: str, headers: dict):
    label = f"{endpoint} {'htmx' if headers.get('HX-Request') else 'plain'}"
    assert response.status_code < 500, f"{label}: {response.status_code}"
    if not response.mimetype.startswith("text/html"):
        return
    body = response.get_data(as_text=True)
    assert MARKER not in body, f"{label}: submitted <script> came back unescaped"
    if response.status_code in (200, 400, 422):
        invalid = [_DESCRIBED_RE.search(tag) for tag in _INVALID_RE.findall(body)]
        for described in (m.group(1) for m in invalid if m):
            # The element the input points at (a ``field-error`` or a widget's own message) says why.
            match = re.search(rf'\bid="{re.escape(described)}"[^>]*>(.*?)</', body, re.S)
            assert match and match.group(1).strip(), f"{label}: a field marked invalid has no message"
        for message in _ERROR_RE.findall(body):
            if message.strip():
                assert re.search(r"[A-Za-z]{2}", message), f"{label}: unreadable field error {message!r}"


def _fields(app, endpoint: str, url: str) -> list:
    """(name, strategy) of every input of the endpoint's form, built as the view would build it."""
    if endpoint in CSRF_ONLY:
        return []
    build = FORMS[endpoint][1]
    with app.test_request_context(url, method="GET", headers=EN):
        app.preprocess_request()
        made = build()
        if isinstance(made, tuple):
            return [(name, text) for name in made]
        return [(f.name, value_for(f)) for f in _leaves(made)]


@pytest.mark.parametrize("endpoint", FUZZED)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_form(world, endpoint, data):
    entry = MATRIX[endpoint]
    role = FORMS[endpoint][0] if endpoint in FORMS else min(entry.allow & {"owner_x", "customer_a", "admin"})
    assert role in entry.allow, f"{endpoint} is fuzzed as {role}, who may not use it"
    url = MATRIX[endpoint].own(world)
    client = world.client(role)
    if endpoint == "checkout.start":
        # An empty cart never reaches the form: put a pair of shoes in it first.
        client.post(f"/s/{world.x.shop.slug}/cart/add/{world.x.product.id}", data={"quantity": "1"},
                    headers={"X-CSRFToken": world.csrf(role)})
    form = {}
    for name, strategy in _fields(world.app, endpoint, url):
        if data.draw(st.integers(0, 9), label=f"omit {name}?") == 0:
            continue
        form[name] = data.draw(strategy, label=name)
    for name in data.draw(st.lists(st.sampled_from(EXTRA), unique=True, max_size=3), label="extra"):
        form[name] = data.draw(st.one_of(number, text), label=name)
    htmx = data.draw(st.booleans(), label="htmx")
    headers = {"X-CSRFToken": world.csrf(role), **EN, **({"HX-Request": "true"} if htmx else {})}
    response = client.post(url, data=form, headers=headers, content_type="multipart/form-data")
    _check(response, endpoint, headers)
    # The fuzz reached the view: the chosen role is let in (a used-up object may answer 404).
    assert response.status_code != 403, f"{endpoint}: {role} was refused"
    if not endpoint.startswith("auth."):
        assert "/login" not in response.headers.get("Location", ""), f"{endpoint}: {role} was sent to log in"


def test_the_error_check_sees_the_marked_fields(client):
    # Guards the checks above against matching nothing: an empty sign-up marks fields invalid with words.
    response = client.post("/register", data={"email": MARKER}, headers=EN)
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 400, 422) and _INVALID_RE.findall(body)
    assert all(m.strip() for m in _ERROR_RE.findall(body) if m) and any(m.strip() for m in _ERROR_RE.findall(body))
    _check(response, "auth.register", {})
