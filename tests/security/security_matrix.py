"""The authorisation matrix: for every endpoint of the app, who may use it and how everybody else is refused.

Each ``Entry`` says which roles may use the endpoint on shop X's own objects
(``allow``) and how the others are refused (``kind``):

- ``"role"``: a back-office or account page — anonymous visitors are sent to
  log in, a logged-in user without the role gets 403;
- ``"hidden"``: a customer's order — everybody else gets 404, so the page
  never tells whether it exists;
- ``"public"``: open to everyone.

``own`` builds the URL on shop X with shop X's objects; each of ``wrong``
builds a URL that must reach nothing: shop X's address with shop Y's object
(cross-tenant), or an object that does not exist. On those, the roles that
pass the role check get 404 and the others the same refusal as on ``own``.
``overrides`` names roles whose outcome on ``own`` differs from that rule.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from security_kit import ROLES

ALLOW = "allow"  # used as intended; may change things
VIEW = "view"  # answered (2xx/3xx) but must change nothing
LOGIN = "login"  # sent to log in, nothing changed
FORBIDDEN = "403"
NOT_FOUND = "404"
NOOP = "noop"  # any answer but a 5xx, and nothing changed (e.g. a session-only cart line that is not there)

EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
TEAM_X = frozenset({"owner_x", "staff_x"})
OWNER_X = frozenset({"owner_x"})
ADMIN = frozenset({"admin"})
CUSTOMER_A = frozenset({"customer_a"})
MISSING_ID = 987654


@dataclass(frozen=True)
class Entry:
    kind: str
    allow: frozenset
    own: Callable
    wrong: tuple = ()
    overrides: dict = field(default_factory=dict)
    # Everybody's outcome on a ``wrong`` URL, when that is not the rule above.
    wrong_outcome: str | None = None
    # An allowed POST uses its object up (deletes, revokes): try it once only.
    consumes: bool = False
    # The plugin (entry-point name) serving the route; its entries apply only where it is installed.
    plugin: str | None = None

    def expect(self, role: str, variant: str = "own") -> str:
        if variant == "own" and role in self.overrides:
            return self.overrides[role]
        passes = role in self.allow or role in self.overrides
        if variant != "own":
            if self.wrong_outcome is not None:
                return self.wrong_outcome
            if self.kind in ("hidden", "public") or passes:
                return NOT_FOUND
        elif passes:
            return ALLOW
        if self.kind == "hidden":
            return NOT_FOUND
        return LOGIN if role == "anonymous" else FORBIDDEN


def s(w, key="X") -> str:
    return f"/s/{w.data(key).shop.slug}"


def sx(w) -> str:
    return s(w, "X")


def X(w):
    return w.x


def Y(w):
    return w.y


def _manage(path):
    return lambda w: f"{sx(w)}/manage{path}"


def _manage_plugin(name, path):
    return lambda w: f"{sx(w)}/{name}{path}"


def public(path_fn, wrong=()):
    return Entry("public", EVERYONE, path_fn, wrong)


def team(path_fn, wrong=(), owner_only=False, consumes=False):
    return Entry("role", OWNER_X if owner_only else TEAM_X, path_fn, wrong, consumes=consumes)


def admin(path_fn, wrong=()):
    return Entry("role", ADMIN, path_fn, wrong)


def logged_in(path_fn):
    return Entry("role", LOGGED_IN, path_fn)


def customer_order(path_fn, wrong=()):
    return Entry("hidden", CUSTOMER_A, path_fn, wrong)


def media_name(image) -> str:
    return f"{image.filename}-320.webp"


MATRIX: dict[str, Entry] = {
    # ---- platform -----------------------------------------------------------
    "platform.home": public(lambda w: "/"),
    "platform.healthz": public(lambda w: "/healthz"),
    "platform.set_language": public(lambda w: "/lang"),
    "platform.product_media": public(lambda w: f"/media/products/{media_name(w.x.image)}",
                                     wrong=(lambda w: "/media/products/0123456789abcdef01234567-320.webp",
                                            lambda w: "/media/products/..%2F..%2Fportal-test.db")),
    # ---- accounts -----------------------------------------------------------
    "auth.login": public(lambda w: "/login"),
    "auth.logout": public(lambda w: "/logout"),
    "auth.register": public(lambda w: "/register"),
    "auth.forgot_password": public(lambda w: "/password/forgot"),
    "auth.reset_password": public(lambda w: f"/password/reset/{w.reset_token}",
                                  wrong=(lambda w: "/password/reset/not-a-real-token",)),
    "auth.account": logged_in(lambda w: "/account"),
    "auth.change_password": logged_in(lambda w: "/account/password"),
    # The link is for customer A: anybody may read what it is, only they may accept it.
    "auth.invitation": Entry("role", CUSTOMER_A, lambda w: f"/invite/{w.customer_invitation_token}",
                             wrong=(lambda w: "/invite/not-a-real-token",),
                             overrides={"anonymous": VIEW}, wrong_outcome=NOT_FOUND, consumes=True),
    # ---- platform admin -----------------------------------------------------
    "admin.index": admin(lambda w: "/admin/"),
    "admin.plugins": admin(lambda w: "/admin/plugins"),
    "admin.plugin_allowed": admin(lambda w: "/admin/plugins/guestbook", wrong=(lambda w: "/admin/plugins/nosuchplugin",)),
    "admin.new_shop": admin(lambda w: "/admin/shops/new"),
    "admin.shop_active": admin(lambda w: f"/admin/shops/{w.x.shop.id}/active",
                               wrong=(lambda w: f"/admin/shops/{MISSING_ID}/active",)),
    "admin.users": admin(lambda w: "/admin/users"),
    "admin.user_active": admin(lambda w: f"/admin/users/{w.users['customer_b'].id}/active",
                               wrong=(lambda w: f"/admin/users/{MISSING_ID}/active",)),
    # ---- storefront ---------------------------------------------------------
    "storefront.home": public(lambda w: f"{sx(w)}/"),
    "storefront.catalogue": public(lambda w: f"{sx(w)}/products"),
    "storefront.category": public(lambda w: f"{sx(w)}/c/{w.x.category.slug}",
                                  wrong=(lambda w: f"{sx(w)}/c/{w.y.category.slug}",)),
    "storefront.product": public(lambda w: f"{sx(w)}/p/{w.x.product.slug}",
                                 wrong=(lambda w: f"{sx(w)}/p/{w.y.product.slug}",)),
    "storefront.profile": public(lambda w: f"{sx(w)}/profile"),
    # ---- cart and checkout --------------------------------------------------
    "cart.view": public(lambda w: f"{sx(w)}/cart/"),
    "cart.add": public(lambda w: f"{sx(w)}/cart/add/{w.x.product.id}",
                       wrong=(lambda w: f"{sx(w)}/cart/add/{w.y.product.id}",)),
    # Shop X's cart never holds shop Y's product, so there is no line to change.
    "cart.update": Entry("public", EVERYONE, lambda w: f"{sx(w)}/cart/update/{w.x.product.id}",
                         wrong=(lambda w: f"{sx(w)}/cart/update/{w.y.product.id}",), wrong_outcome=NOOP),
    "cart.remove": Entry("public", EVERYONE, lambda w: f"{sx(w)}/cart/remove/{w.x.product.id}",
                         wrong=(lambda w: f"{sx(w)}/cart/remove/{w.y.product.id}",), wrong_outcome=NOOP),
    "checkout.start": public(lambda w: f"{sx(w)}/checkout/"),
    # ---- the customer's orders ----------------------------------------------
    "orders.mine": logged_in(lambda w: "/orders"),
    "orders.mine_in_shop": logged_in(lambda w: f"{sx(w)}/orders"),
    "orders.detail": customer_order(
        lambda w: f"{sx(w)}/orders/{w.x.order_a.number}",
        wrong=(lambda w: f"{sx(w)}/orders/{w.y.order_a.number}",
               lambda w: f"{sx(w)}/orders/{w.x.guest_order.number}?t=wrong-token",
               lambda w: f"{sx(w)}/orders/{w.x.guest_order.number}?t={w.y.guest_order.access_token}")),
    "orders.status": customer_order(
        lambda w: f"{sx(w)}/orders/{w.x.order_a.number}/status",
        wrong=(lambda w: f"{sx(w)}/orders/{w.y.order_a.number}/status",
               lambda w: f"{sx(w)}/orders/{w.x.guest_order.number}/status?t=wrong-token")),
    "orders.act": customer_order(
        lambda w: f"{sx(w)}/orders/{w.x.extra['awaiting'].number}/actions/withdraw",
        wrong=(lambda w: f"{sx(w)}/orders/{w.y.extra['awaiting'].number}/actions/withdraw",
               lambda w: f"{sx(w)}/orders/{w.x.extra['awaiting'].number}/actions/deliver",
               lambda w: f"{sx(w)}/orders/{w.x.guest_order.number}/actions/withdraw?t=wrong-token")),
    "payments.upload_proof": customer_order(
        lambda w: f"{sx(w)}/orders/{w.x.extra['awaiting'].number}/proof",
        wrong=(lambda w: f"{sx(w)}/orders/{w.y.extra['awaiting'].number}/proof",)),
    # The order's customer and the shop team may download a proof; nobody else learns it exists.
    "payments.proof_file": Entry(
        "hidden", CUSTOMER_A | TEAM_X, lambda w: f"{sx(w)}/orders/{w.x.order_a.number}/proofs/{w.x.payment.id}",
        wrong=(lambda w: f"{sx(w)}/orders/{w.y.order_a.number}/proofs/{w.y.payment.id}",
               lambda w: f"{sx(w)}/orders/{w.x.order_a.number}/proofs/{w.y.payment.id}")),
    # ---- back office --------------------------------------------------------
    "manage.dashboard": team(_manage("/")),
    "manage.modules": team(_manage("/modules")),
    "manage.switch_module": team(_manage("/modules/guestbook/switch"), owner_only=True,
                                 wrong=(_manage("/modules/nosuchplugin/switch"),)),
    "manage.save_settings": team(_manage("/modules/guestbook/settings"), owner_only=True,
                                 wrong=(_manage("/modules/nosuchplugin/settings"),)),
    "manage.clear_error": team(_manage("/modules/guestbook/clear-error"), owner_only=True,
                               wrong=(_manage("/modules/nosuchplugin/clear-error"),)),
    "catalogue_admin.products": team(_manage("/catalogue/")),
    "catalogue_admin.product_new": team(_manage("/catalogue/products/new")),
    "catalogue_admin.product_edit": team(
        lambda w: f"{sx(w)}/manage/catalogue/products/{w.x.product.id}",
        wrong=(lambda w: f"{sx(w)}/manage/catalogue/products/{w.y.product.id}",)),
    "catalogue_admin.image_upload": team(
        lambda w: f"{sx(w)}/manage/catalogue/products/{w.x.product.id}/images",
        wrong=(lambda w: f"{sx(w)}/manage/catalogue/products/{w.y.product.id}/images",)),
    "catalogue_admin.image_delete": team(
        lambda w: f"{sx(w)}/manage/catalogue/products/{w.x.product.id}/images/{w.x.image.id}/delete",
        wrong=(lambda w: f"{sx(w)}/manage/catalogue/products/{w.y.product.id}/images/{w.y.image.id}/delete",
               lambda w: f"{sx(w)}/manage/catalogue/products/{w.x.product.id}/images/{w.y.image.id}/delete"),
        consumes=True),
    "catalogue_admin.image_move": team(
        lambda w: f"{sx(w)}/manage/catalogue/products/{w.x.product.id}/images/{w.x.image.id}/move",
        wrong=(lambda w: f"{sx(w)}/manage/catalogue/products/{w.y.product.id}/images/{w.y.image.id}/move",
               lambda w: f"{sx(w)}/manage/catalogue/products/{w.x.product.id}/images/{w.y.image.id}/move")),
    "catalogue_admin.categories": team(_manage("/catalogue/categories")),
    "catalogue_admin.category_edit": team(
        lambda w: f"{sx(w)}/manage/catalogue/categories/{w.x.category.id}",
        wrong=(lambda w: f"{sx(w)}/manage/catalogue/categories/{w.y.category.id}",)),
    "catalogue_admin.category_delete": team(
        lambda w: f"{sx(w)}/manage/catalogue/categories/{w.x.category.id}/delete",
        wrong=(lambda w: f"{sx(w)}/manage/catalogue/categories/{w.y.category.id}/delete",)),
    "catalogue_admin.shop_profile": team(_manage("/catalogue/profile"), owner_only=True),
    "team.index": team(_manage("/team/")),
    "team.invite": team(_manage("/team/invite"), owner_only=True),
    "team.cancel_invitation": team(
        lambda w: f"{sx(w)}/manage/team/invitations/{w.x.invitation.id}/cancel",
        wrong=(lambda w: f"{sx(w)}/manage/team/invitations/{w.y.invitation.id}/cancel",),
        owner_only=True, consumes=True),
    "team.revoke": team(
        lambda w: f"{sx(w)}/manage/team/members/{w.x.membership.id}/revoke",
        wrong=(lambda w: f"{sx(w)}/manage/team/members/{w.y.membership.id}/revoke",),
        owner_only=True, consumes=True),
    "order_admin.index": team(_manage("/orders/")),
    "order_admin.detail": team(lambda w: f"{sx(w)}/manage/orders/{w.x.order_a.number}",
                               wrong=(lambda w: f"{sx(w)}/manage/orders/{w.y.order_a.number}",)),
    "order_admin.act": team(lambda w: f"{sx(w)}/manage/orders/{w.x.order_b.number}/action",
                            wrong=(lambda w: f"{sx(w)}/manage/orders/{w.y.order_b.number}/action",)),
    "order_admin.stage": team(lambda w: f"{sx(w)}/manage/orders/{w.x.order_a.number}/stage",
                              wrong=(lambda w: f"{sx(w)}/manage/orders/{w.y.order_a.number}/stage",)),
    "order_admin.invoice": team(lambda w: f"{sx(w)}/manage/orders/{w.x.order_a.number}/invoice",
                                wrong=(lambda w: f"{sx(w)}/manage/orders/{w.y.order_a.number}/invoice",)),
    "order_admin.packing_slip": team(lambda w: f"{sx(w)}/manage/orders/{w.x.order_a.number}/packing-slip",
                                     wrong=(lambda w: f"{sx(w)}/manage/orders/{w.y.order_a.number}/packing-slip",)),
    "payments.review": team(lambda w: f"{sx(w)}/manage/orders/{w.x.order_a.number}/payment",
                            wrong=(lambda w: f"{sx(w)}/manage/orders/{w.y.order_a.number}/payment",)),
    "payments.mark_paid": team(lambda w: f"{sx(w)}/manage/orders/{w.x.extra['awaiting'].number}/mark-paid",
                               wrong=(lambda w: f"{sx(w)}/manage/orders/{w.y.extra['awaiting'].number}/mark-paid",)),
    "payments.approve": team(lambda w: f"{sx(w)}/manage/payments/{w.x.payment.id}/approve",
                             wrong=(lambda w: f"{sx(w)}/manage/payments/{w.y.payment.id}/approve",)),
    "payments.reject": team(lambda w: f"{sx(w)}/manage/payments/{w.x.payment.id}/reject",
                            wrong=(lambda w: f"{sx(w)}/manage/payments/{w.y.payment.id}/reject",)),
    "payments.statement_index": team(_manage("/statements")),
    "payments.statement_detail": team(lambda w: f"{sx(w)}/manage/statements/{w.x.statement.id}",
                                      wrong=(lambda w: f"{sx(w)}/manage/statements/{w.y.statement.id}",)),
    "payments.statement_mapping": team(_manage("/statements/columns"), owner_only=True),
    "payments.approve_line": team(lambda w: f"{sx(w)}/manage/statements/lines/{w.x.line.id}/approve",
                                  wrong=(lambda w: f"{sx(w)}/manage/statements/lines/{w.y.line.id}/approve",)),
    "payments.ignore_line": team(lambda w: f"{sx(w)}/manage/statements/lines/{w.x.line.id}/ignore",
                                 wrong=(lambda w: f"{sx(w)}/manage/statements/lines/{w.y.line.id}/ignore",)),
    "payments.rematch": team(_manage("/statements/rematch")),
    "payments.statement_sample": team(_manage("/statements/samples/bca.csv"),
                                      wrong=(_manage("/statements/samples/nosuchbank.csv"),)),
    "payments.outbox": team(_manage("/outbox")),
    "payments.outbox_mail": team(lambda w: f"{sx(w)}/manage/outbox/{w.x.mail.id}",
                                 wrong=(lambda w: f"{sx(w)}/manage/outbox/{w.y.mail.id}",)),
    "payments.outbox_retry": team(lambda w: f"{sx(w)}/manage/outbox/{w.x.mail.id}/retry",
                                  wrong=(lambda w: f"{sx(w)}/manage/outbox/{w.y.mail.id}/retry",)),
}

# An example third-party plugin (examples/backinstock), checked wherever it is installed.
MATRIX.update({
    "backinstock.subscribe": Entry("public", EVERYONE, lambda w: f"{sx(w)}/backinstock/products/{w.x.product.id}/alert",
                                   wrong=(lambda w: f"{sx(w)}/backinstock/products/{w.y.product.id}/alert",),
                                   plugin="backinstock"),
    "backinstock.index": Entry("role", TEAM_X, _manage_plugin("backinstock", "/"), plugin="backinstock"),
    "backinstock.notify_now": Entry("role", TEAM_X, _manage_plugin("backinstock", "/notify"), plugin="backinstock"),
})



def _merge_plugin_parts():
    # Imported here, at the end: the parts use Entry and the helpers defined above.
    from plugin_parts import parts

    for part in parts():
        clash = set(MATRIX) & set(part.MATRIX)
        assert not clash, f"{part.PLUGIN}: endpoints already in the matrix: {sorted(clash)}"
        MATRIX.update(part.MATRIX)


_merge_plugin_parts()

# Served by the web server in production; nothing personal behind it.
UNCHECKED = {"static"}


def installed_plugins() -> set[str]:
    from importlib.metadata import entry_points

    return {ep.name for ep in entry_points(group="portal.plugins")}


def applicable() -> dict[str, Entry]:
    """The entries of core and of the plugins installed here."""
    installed = installed_plugins()
    return {name: e for name, e in MATRIX.items() if e.plugin is None or e.plugin in installed}
