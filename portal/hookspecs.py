"""Every hook the portal calls, in one module; the docstrings are the plugin reference.

Grouped by kind: setup hooks (``portal_register_*``) run once when the app is made;
menu hooks (``portal_*_nav_items``) and slot hooks (``portal_slot_<page>_<place>``) run
per request, only for the plugins the current shop has switched on; event hooks
(``portal_order_*``, ``portal_shop_*``) run when something happens to a shop's data.

A plugin implements any of them with ``from portal import hookimpl``. An
implementation may accept fewer arguments than the spec lists.
"""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("portal")


# ---------------------------------------------------------------------------
# Setup: called once per app, for every installed and allowed plugin
# ---------------------------------------------------------------------------


@hookspec
def portal_register_plugin():
    """Describe the plugin: name, label, version, description, roles, settings form.

    :return: a :class:`portal.PluginInfo`. A plugin without one is refused at start-up.

    Example::

        @hookimpl
        def portal_register_plugin():
            return PluginInfo(name="backinstock", label=_l("Back in stock"),
                              version="1.0", description=_l("Tell me when it returns"))
    """


@hookspec
def portal_register_models():
    """Hand over the plugin's peewee models (subclasses of ``portal.core.db.Model``).

    They are used for the plugin's first migration, backups and shop exports.

    :return: a list of model classes.

    Example::

        @hookimpl
        def portal_register_models():
            return [Alert]
    """


@hookspec
def portal_register_migrations():
    """Contribute versioned schema migrations, applied by ``portal db upgrade``.

    Each migration is a ``(name, function)`` pair; the function receives the
    database and a ``playhouse.migrate`` migrator. Names are applied once, in list
    order, and recorded per plugin; never rename or remove a shipped one.

    :return: a list of ``(name, callable(db, migrator))``.

    Example::

        @hookimpl
        def portal_register_migrations():
            return [("0001_initial", lambda db, m: db.create_tables([Alert]))]
    """


@hookspec
def portal_register_blueprints():
    """Contribute Flask blueprints (routes, templates, static files).

    Put shop pages under ``url_prefix="/s/<shop_slug>/<plugin name>"``: the portal
    answers 404 on them for every shop that has the plugin switched off, and the
    view finds the shop in ``portal.current_shop``.

    :return: a list of ``flask.Blueprint``.

    Example::

        bp = Blueprint("backinstock", __name__, template_folder="templates",
                       url_prefix="/s/<shop_slug>/backinstock")

        @hookimpl
        def portal_register_blueprints():
            return [bp]
    """


@hookspec
def portal_register_translations():
    """Point at the plugin's compiled translations (a Babel ``translations`` folder).

    :return: a directory path holding ``<lang>/LC_MESSAGES/messages.mo``, or ``None``.

    Example::

        @hookimpl
        def portal_register_translations():
            return str(Path(__file__).parent / "translations")
    """


@hookspec
def portal_register_demo_data(shop):
    """Fill a demo shop with this plugin's sample data (``portal demo``, ``make run``).

    Called once per demo shop after core's catalogue, customers and orders exist,
    inside an application context. Must be idempotent: ``portal demo`` runs again
    on every ``make run``, so create only what is missing.

    :param shop: a demo :class:`portal.core.models.Shop` (``sepatu-cibaduyut`` is the
        one with the demo staff, supplier, courier and ``customer@demo.test``).
    :return: a dict of counts for the summary (``{"forum threads": 12}``), or ``None``.

    Example::

        @hookimpl
        def portal_register_demo_data(shop):
            if not Thread.select().where(Thread.shop == shop).exists():
                Thread.create(shop=shop, title="Perawatan sepatu kulit")
            return {"forum threads": Thread.select().where(Thread.shop == shop).count()}
    """


# ---------------------------------------------------------------------------
# Menus: per request, only for plugins switched on in the current shop
# ---------------------------------------------------------------------------


@hookspec
def portal_shop_nav_items(shop, user):
    """Links for the storefront's navigation bar.

    :param shop: the :class:`portal.core.models.Shop` being viewed.
    :param user: the logged-in user, or ``None`` for a guest.
    :return: a list of :class:`portal.NavItem` (may be empty).

    Example::

        @hookimpl
        def portal_shop_nav_items(shop):
            return [NavItem(_("Guestbook"), url_for("guestbook.index"))]
    """


@hookspec
def portal_owner_nav_items(shop, user):
    """Links for the back-office menu seen by the shop's owner and staff.

    :param shop: the shop being managed.
    :param user: the logged-in owner or staff member.
    :return: a list of :class:`portal.NavItem`.

    Example::

        @hookimpl
        def portal_owner_nav_items(shop):
            return [NavItem(_("Guestbook"), url_for("guestbook.moderate"))]
    """


@hookspec
def portal_account_nav_items(user):
    """Links in the header's account menu, on every page, for a logged-in user.

    For portals that are not tied to one shop: a supplier's purchase orders across
    every shop they supply, a rider's deliveries. Asked of every plugin the platform
    allows (whatever a shop has switched), so answer only when the user has
    something there, and keep it to one cheap query: it runs on every page.

    :param user: the logged-in :class:`portal.core.models.User`.
    :return: a list of :class:`portal.NavItem` (may be empty).

    Example::

        @hookimpl
        def portal_account_nav_items(user):
            if Delivery.select().where(Delivery.rider == user).exists():
                return [NavItem(_("My deliveries"), url_for("couriers.mine"))]
    """


# ---------------------------------------------------------------------------
# Template slots: HTML fragments joined into core pages
# ---------------------------------------------------------------------------
# Each returns an HTML string (``render_template`` output) or ``None``. Output
# from every enabled plugin is joined in plugin order. A plugin that raises is
# left out of the page, logged, and reported on the shop's Modules page.


@hookspec
def portal_slot_shop_home_main(shop, user):
    """Fragment below the product grid on the shop's home page.

    Renders in ``templates/shop/home.html``.

    :param shop: the shop.
    :param user: the logged-in user or ``None``.
    :return: HTML or ``None``.

    Example::

        @hookimpl
        def portal_slot_shop_home_main(shop):
            return render_template("backinstock/_promo.html", shop=shop)
    """


@hookspec
def portal_slot_shop_profile_main(shop, user):
    """Fragment below the story, address and opening hours on the shop's profile page.

    Renders in ``templates/shop/profile.html``.

    :param shop: the shop.
    :param user: the logged-in user or ``None``.
    :return: HTML or ``None``.

    Example::

        @hookimpl
        def portal_slot_shop_profile_main(shop):
            return render_template("guestbook/_entries.html", shop=shop)
    """


@hookspec
def portal_slot_product_detail_main(shop, product, user):
    """Fragment below a product's description on its detail page.

    Renders in ``templates/shop/product.html``.

    :param shop: the shop.
    :param product: the :class:`portal.core.models.Product` shown.
    :param user: the logged-in user or ``None``.
    :return: HTML or ``None``.

    Example::

        @hookimpl
        def portal_slot_product_detail_main(shop, product):
            if product.stock == 0:
                return render_template("backinstock/_form.html", product=product)
    """


@hookspec
def portal_slot_footer_links(shop):
    """Fragment in the storefront footer (social links, contact shortcuts).

    Renders in ``templates/_base.html`` on every page of a shop.

    :param shop: the shop.
    :return: HTML or ``None``.

    Example::

        @hookimpl
        def portal_slot_footer_links(shop):
            return render_template("social/_links.html", shop=shop)
    """


@hookspec
def portal_slot_page_end(shop, user):
    """Fragment at the end of every storefront page's body (floating widgets).

    Renders in ``templates/_base.html`` on every page of a shop.

    :param shop: the shop.
    :param user: the logged-in user or ``None``.
    :return: HTML or ``None``.

    Example::

        @hookimpl
        def portal_slot_page_end(shop):
            return render_template("chat/_launcher.html", shop=shop)
    """


@hookspec
def portal_slot_dashboard_cards(shop, user):
    """Cards on the owner's dashboard (one ``<article>`` each).

    Renders in ``templates/manage/dashboard.html``.

    :param shop: the shop being managed.
    :param user: the owner or staff member.
    :return: HTML or ``None``.

    Example::

        @hookimpl
        def portal_slot_dashboard_cards(shop):
            return render_template("guestbook/_card.html", pending=3)
    """


@hookspec
def portal_slot_order_customer(shop, order, user):
    """Fragment on the customer's order page, below the timeline.

    Renders in ``templates/orders/detail.html`` for the order's customer (or a
    guest holding the order link). Never put other customers' data here.

    :param shop: the shop.
    :param order: the :class:`portal.core.orders.Order` shown.
    :param user: the logged-in user or ``None`` for a guest with the link.
    :return: HTML or ``None``.

    Example::

        @hookimpl
        def portal_slot_order_customer(order):
            return render_template("chat/_order_link.html", order=order)
    """


@hookspec
def portal_slot_order_sidebar(shop, order, user):
    """Fragment beside an order in the owner's order detail page.

    Renders in ``templates/manage/orders/detail.html`` for owner and staff.

    :param shop: the shop.
    :param order: the order shown.
    :param user: the owner or staff member.
    :return: HTML or ``None``.

    Example::

        @hookimpl
        def portal_slot_order_sidebar(order):
            return render_template("couriers/_booking.html", order=order)
    """


@hookspec
def portal_slot_customer_profile(shop, customer, user):
    """A section on the back office's single view of one customer.

    Renders on the customer page that a plugin such as analytics provides (with
    ``slot('customer_profile', customer=customer)``); owner and staff only. Return
    one ``<section>`` with an ``<h2>``: the customer's messages, posts, points...

    :param shop: the shop.
    :param customer: the :class:`portal.core.models.User` shown.
    :param user: the owner or staff member looking.
    :return: HTML or ``None`` (nothing to show for this customer).

    Example::

        @hookimpl
        def portal_slot_customer_profile(shop, customer):
            entries = GuestbookEntry.select().where(GuestbookEntry.author == customer)
            return render_template("guestbook/_customer.html", entries=entries)
    """


# ---------------------------------------------------------------------------
# Products, orders and customers: data plugins add to core pages
# ---------------------------------------------------------------------------


@hookspec
def portal_product_card_badges(shop, products, user):
    """Small badges on product cards (a star rating, "new"), for a whole grid at once.

    Called once per grid of cards (home, category, search), never once per card, so
    a plugin answers with one query. Renders inside each card in ``templates/shop/_cards.html``.

    :param shop: the shop.
    :param products: the list of :class:`portal.core.models.Product` on the page.
    :param user: the logged-in user or ``None``.
    :return: a dict from product id to an HTML fragment (``Markup`` or escaped
        ``render_template`` output); products left out get nothing.

    Example::

        @hookimpl
        def portal_product_card_badges(shop, products):
            stars = average_ratings([p.id for p in products])
            return {pid: render_template("comments/_stars.html", s=s) for pid, s in stars.items()}
    """


@hookspec
def portal_order_timeline(shop, order, audience):
    """Lines a plugin adds to an order's timeline, merged with core's status history by time.

    Shown on the customer's order page (``audience="customer"``) and the team's
    order page (``audience="staff"``). For the customer, say what is happening, not
    who does it (no supplier's name, no rider's other jobs).

    :param shop: the shop.
    :param order: the :class:`portal.core.orders.Order`.
    :param audience: ``"customer"`` or ``"staff"``.
    :return: a list of :class:`portal.TimelineEntry` (may be empty).

    Example::

        @hookimpl
        def portal_order_timeline(order, audience):
            return [TimelineEntry(d.picked_up_at, _("Picked up by the rider")) for d in deliveries(order)]
    """


@hookspec
def portal_customer_segments(shop):
    """Named groups of the shop's customers, offered wherever customers are picked in bulk.

    A campaign plugin asks this to offer "send to champions", say, without
    importing the plugin that computes the segments.

    :param shop: the shop.
    :return: a list of :class:`portal.CustomerSegment` (may be empty).

    Example::

        @hookimpl
        def portal_customer_segments(shop):
            return [CustomerSegment("lost", _("Lost"), tuple(lost_customer_ids(shop)))]
    """


# ---------------------------------------------------------------------------
# Checkout and order events
# ---------------------------------------------------------------------------


@hookspec
def portal_checkout_delivery_options(shop, cart, destination):
    """Offer delivery methods at checkout, beside core's pick-up and flat-fee delivery.

    Asked again whenever the customer changes the delivery address, and once
    more at placement, where the fee is taken from this answer (never from the form).

    :param shop: the shop.
    :param cart: the :class:`portal.core.cart.Cart` being checked out (lines with
        products, quantities, subtotal and total weight in grams).
    :param destination: a :class:`portal.Destination` (city, district, postcode as far
        as the customer has typed them; empty strings when not yet known).
    :return: a list of :class:`portal.DeliveryOption` (may be empty). The fee of
        the chosen option is recomputed on the server at placement.

    Example::

        @hookimpl
        def portal_checkout_delivery_options(shop, cart):
            return [DeliveryOption("ojek", _("Own rider (Bandung)"), 15000)]
    """


@hookspec
def portal_checkout_discounts(shop, cart, customer, codes):
    """Grant, refuse or offer discounts at checkout (vouchers, loyalty points).

    Asked when the checkout page is shown, when the customer applies a voucher code
    or ticks an offer, and once more at placement, inside the placement transaction,
    where the amounts are taken from this answer (never from the form). Answer only
    for codes you know; another plugin may know the others. A code nobody grants is
    refused by core ("unknown voucher code").

    :param shop: the shop.
    :param cart: the :class:`portal.core.cart.Cart` (lines, ``subtotal`` in Rupiah).
    :param customer: the logged-in :class:`portal.core.models.User`, or ``None`` for a guest.
    :param codes: a tuple of the codes asked for: voucher codes as typed (stripped;
        compare them case-insensitively) and the codes of ticked offers.
    :return: a list (may be empty) of :class:`portal.Discount` (granted),
        :class:`portal.DiscountRefusal` (a known code refused, with the reason) and
        :class:`portal.DiscountOffer` (an opt-in shown as a tick box).

    Example::

        @hookimpl
        def portal_checkout_discounts(shop, cart, codes):
            if "WELCOME" in {c.upper() for c in codes}:
                return [Discount("WELCOME", _("Welcome voucher"), min(cart.subtotal, 20000))]
            return []
    """


@hookspec
def portal_checkout_discounts_used(shop, order, discounts, customer):
    """Claim the discounts you granted, inside the transaction that places the order.

    Called once per plugin that granted discounts, after the order row is written
    and before commit. Claim with conditional updates (``uses = uses + 1 WHERE uses
    < max_uses``) so two customers racing for the last use get one discount. Refusing
    (or raising) rolls the whole placement back: nothing is written and the customer
    sees the message. Side effects (e-mail) belong in ``portal_order_after_transition``.

    :param shop: the shop.
    :param order: the new :class:`portal.core.orders.Order` (``discount`` and
        ``discounts`` already set; not yet committed).
    :param discounts: the list of :class:`portal.Discount` this plugin granted.
    :param customer: the :class:`portal.core.models.User` ordering, or ``None`` for a guest.
    :return: ``None`` when claimed, or a message (translated) to refuse the placement.

    Example::

        @hookimpl
        def portal_checkout_discounts_used(order, discounts):
            if not claim_voucher(discounts[0].code, order):
                return _("Sorry, that voucher has just run out.")
    """


@hookspec
def portal_order_before_transition(order, action, from_status, to_status, actor, role):
    """Veto a status change before it is written (inside its transaction).

    :param order: the locked :class:`portal.core.orders.Order` (still in ``from_status``).
    :param action: the action name from ``portal.core.order_flow.ACTIONS``.
    :param from_status: the current status.
    :param to_status: the status it would move to.
    :param actor: the :class:`User` acting, or ``None`` for the system.
    :param role: ``customer``, ``owner``, ``staff``, ``courier`` or ``system``.
    :return: ``None`` to allow, or a message (the reason shown to the user) to refuse.
        Every enabled plugin is asked; any refusal stops the change. A plugin that
        raises is logged and left out (it refuses nothing).

    Example::

        @hookimpl
        def portal_order_before_transition(order, action):
            if action == "start_production" and not materials_ready(order):
                return _("Materials have not arrived yet.")
    """


@hookspec
def portal_order_transition_writes(order, action, from_status, to_status, actor, role):
    """Write what must change together with an order's status, inside the status change's transaction.

    Called after core has written the new status and its ``OrderEvent`` (and given back
    reserved stock when the order ended early), before the commit: on every step of
    ``portal.core.order_flow.transition`` and on the order's placement (``action="place"``).
    What you write here is committed with the status or not at all. Database writes
    only: e-mail and other side effects belong in ``portal_order_after_transition``.

    Unlike other hooks, a plugin that raises here is **not** isolated, because its part
    may be half written: the whole step is rolled back, the user reads that your module
    could not record its part and nothing was changed, and the error is logged and shown
    on the shop's Modules page. To refuse on purpose, return a message: the step is rolled
    back and the user reads it. (A check that needs no writes belongs in
    ``portal_order_before_transition``, asked before anything is written.)

    :param order: the locked :class:`portal.core.orders.Order`, already in ``to_status``
        (not yet committed).
    :param action: the action name from ``portal.core.order_flow.ACTIONS``, or ``"place"``.
    :param from_status: the previous status (``None`` when the order is being placed).
    :param to_status: the new status.
    :param actor: the :class:`User` acting, or ``None`` for the system or a guest.
    :param role: ``customer``, ``owner``, ``staff``, ``courier`` or ``system``.
    :return: ``None`` when your part is written, or a message (translated) to refuse the
        step. Plugins are asked one at a time; the first refusal stops the step.

    Example::

        @hookimpl
        def portal_order_transition_writes(order, to_status, actor):
            if to_status == "in_production":
                need = leather_needed(order)
                taken = Leather.update(on_hand=Leather.on_hand - need).where(
                    (Leather.shop == order.shop_id) & (Leather.on_hand >= need)).execute()
                if not taken:
                    return _("Not enough leather in stock; production was not started.")
                LeatherMovement.create(order=order, quantity=-need, actor=actor)
    """


@hookspec
def portal_order_blocked_actions(shop, order, actions, user):
    """Hold back steps on the team's order page, with the reason shown in place of their buttons.

    Asked when the order page of the shop's team (``templates/manage/orders/_detail.html``)
    is drawn, with the steps core would offer there now; answer only about those. It
    changes the page only: refuse the step itself in ``portal_order_before_transition``
    too (a page opened earlier, or another way in, may still ask for it).

    :param shop: the shop.
    :param order: the :class:`portal.core.orders.Order` shown.
    :param actions: the names of the steps offered now, from
        ``portal.core.order_flow.ACTIONS`` (e.g. ``["hand_over"]``). Never empty: when
        there is no step to offer, nobody is asked.
    :param user: the owner or staff member looking.
    :return: a dict from action name to the reason (translated) shown instead of that
        step's button, or ``None``. When several plugins hold back one step, the first
        reason is shown.

    Example::

        @hookimpl
        def portal_order_blocked_actions(order, actions):
            job = open_job(order) if "hand_over" in actions else None
            if job is not None:
                return {"hand_over": _("Booked to rider %(name)s — the rider marks the hand-over.",
                                       name=job.rider.name)}
    """


@hookspec
def portal_order_after_transition(order, action, from_status, to_status, actor, role):
    """Told after a status change has been committed (never for a refused one).

    Do side effects here (e-mail, fan-out), never inside the transaction. Writes that
    must change together with the status belong in ``portal_order_transition_writes``:
    what fails here is logged, and the status change stays.

    :param order: the order, reloaded after the change.
    :param action: the action name.
    :param from_status: the previous status (``None`` when the order was just placed).
    :param to_status: the new status.
    :param actor: the :class:`User` who acted, or ``None`` for the system.
    :param role: the role they acted in.
    :return: nothing.

    Example::

        @hookimpl
        def portal_order_after_transition(order, to_status):
            if to_status == "ready":
                jobs().defer("send_pickup_sms", order.id)
    """


# ---------------------------------------------------------------------------
# Shop events
# ---------------------------------------------------------------------------


@hookspec
def portal_shop_module_toggled(shop, plugin, enabled, user):
    """Told after a plugin was switched on or off for a shop (after commit).

    The shop's owner flips the switch on the Modules page; the platform admin's
    allow-list switches the plugin on or off at once for every shop that has it on,
    and each of those shops is told too. Switching off must never delete data; use
    this to pause work (stop sending reminders, say), or to learn that events were
    missed while off.

    :param shop: the shop.
    :param plugin: the plugin's name.
    :param enabled: the new state.
    :param user: who flipped the switch (``None`` from the command line).
    :return: nothing.

    Example::

        @hookimpl
        def portal_shop_module_toggled(shop, plugin, enabled):
            if plugin == "backinstock" and not enabled:
                log.info("alerts paused for %s", shop.slug)
    """
