"""What a plugin declares about itself, and the small value types hooks return.

Everything here is public: a third-party plugin imports these from ``portal``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The plugin API this portal implements. A plugin declares the range it supports
# in ``PluginInfo.api``; bump the minor for additions, the major for changes that
# break existing hook signatures (tests/core/test_hookspecs.py guards this).
PLUGIN_API_VERSION = "1.2"


@dataclass(frozen=True)
class PluginInfo:
    """Metadata every plugin returns from ``portal_register_plugin``.

    :param name: the entry-point name, also the URL segment and table prefix.
    :param label: human name shown on the Modules page (wrap in ``lazy_gettext``).
    :param version: the plugin's own version.
    :param description: one sentence for the Modules page (``lazy_gettext``).
    :param roles: which parties it serves: any of ``customer``, ``owner``, ``staff``,
        ``supplier``, ``courier``.
    :param settings_form: a ``FlaskForm`` subclass whose fields are the per-shop settings.
    :param default_enabled: whether a shop that never touched the switch has it on.
    :param api: the plugin API versions it supports, as a PEP 440 specifier.
    """

    name: str
    label: Any
    version: str
    description: Any
    roles: tuple[str, ...] = ("customer", "owner")
    settings_form: type | None = None
    default_enabled: bool = True
    api: str = ">=1.0,<2"


@dataclass(frozen=True)
class NavItem:
    """A link a plugin adds to a menu.

    :param label: text shown (already translated, or a lazy string).
    :param url: where it goes (build it with ``url_for``).
    :param badge: an optional count shown beside the label (e.g. unread messages); text such
        as ``"99+"`` when counting further would cost a query that grows with the data.
    :param order: sort key; lower comes first.
    """

    label: Any
    url: str
    badge: int | str | None = None
    order: int = 50
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryOption:
    """A way to get an order to the customer, offered at checkout.

    :param code: unique, stable identifier stored on the order (``"pickup"``, ``"ojek"``).
    :param label: shown to the customer.
    :param fee: integer Rupiah added to the order total.
    :param description: an optional line under the label (area served, days).
    :param needs_address: whether the customer must give a delivery address.
    :param cash_on_delivery: the customer pays this order in cash to the shop's own
        rider on delivery instead of by bank transfer (the order's ``payment_method``
        becomes ``"cod"``; it goes from confirmed straight to production).
    """

    code: str
    label: Any
    fee: int
    description: Any = ""
    needs_address: bool = True
    cash_on_delivery: bool = False


@dataclass(frozen=True)
class Destination:
    """Where the customer wants an order delivered, as far as checkout knows it yet.

    :param city: city or regency (``"Kota Bandung"``), as typed or picked; may be empty.
    :param district: district (kecamatan); may be empty.
    :param postcode: five-digit postcode; may be empty.
    """

    city: str = ""
    district: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    """One line a plugin adds to an order's timeline.

    :param at: when it happened (naive UTC ``datetime``, like core's timestamps).
    :param label: what happened, translated (``_("Materials ordered")``).
    :param note: an optional detail line (plain text, escaped when shown).
    :param link_url: an optional link (a tracking page, say); only ``https`` or a local path.
    :param link_label: the link's text.
    :param kind: a CSS-friendly word for the marker (``"delivery"``, ``"materials"``).
    """

    at: Any
    label: Any
    note: str = ""
    link_url: str | None = None
    link_label: Any = None
    kind: str = "plugin"


@dataclass(frozen=True)
class CustomerSegment:
    """A named group of a shop's customers (for campaigns and reports).

    :param key: stable identifier (``"champions"``).
    :param label: shown to the owner (translated).
    :param customer_ids: ids of the :class:`User` rows in the segment.
    :param description: one line saying who is in it.
    """

    key: str
    label: Any
    customer_ids: tuple[int, ...] = ()
    description: Any = ""


@dataclass(frozen=True)
class Discount:
    """A reduction a plugin grants at checkout, in integer Rupiah.

    :param code: what it answers to: the voucher code as the customer typed it
        (or normalised), or the code of a :class:`DiscountOffer` the customer ticked.
    :param label: shown on the checkout page, the order and the invoice (translated).
    :param amount: integer Rupiah taken off, greater than zero. Core never lets the
        discounts together take the total below zero.
    """

    code: str
    label: Any
    amount: int


@dataclass(frozen=True)
class DiscountOffer:
    """An opt-in discount shown at checkout as a tick box (redeem loyalty points, say).

    Ticking it adds ``code`` to the ``codes`` the discount hook is asked with.

    :param code: a stable code (``"loyalty-points"``); it never collides with a voucher code.
    :param label: the tick box's text (translated).
    :param description: an optional line under it.
    """

    code: str
    label: Any
    description: Any = ""


@dataclass(frozen=True)
class DiscountRefusal:
    """A code the plugin knows but will not honour now, with the reason for the customer.

    :param code: the code refused.
    :param message: why, translated ("This voucher expired on 30 April.").
    """

    code: str
    message: Any
