"""Which social networks and marketplaces a shop may link to, and how a typed link is checked.

A shop owner types a handle (``@sepatucibaduyut``) or pastes an address. Only
``https`` addresses on the network's own domain come out; anything else — a
``javascript:`` or ``data:`` URL, another site, a login trick such as
``https://instagram.com@evil.example`` — is refused with a message saying why.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from flask_babel import lazy_gettext as _l

MAX_LENGTH = 300
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Characters an address never needs and markup loves.
_FORBIDDEN = set('<>"\'`\\{}|^')


@dataclass(frozen=True)
class Network:
    key: str
    label: str  # a brand name: the same in every language
    domains: tuple[str, ...]
    kind: str  # "social" or "market"
    handle: re.Pattern | None = None
    handle_url: str = ""  # "{handle}" is replaced
    example: str = ""


NETWORKS: tuple[Network, ...] = (
    Network("instagram", "Instagram", ("instagram.com", "instagr.am"), "social",
            re.compile(r"[A-Za-z0-9._]{1,30}"), "https://www.instagram.com/{handle}/", "@sepatucibaduyut"),
    Network("facebook", "Facebook", ("facebook.com", "fb.com", "fb.me"), "social",
            re.compile(r"[A-Za-z0-9.]{5,50}"), "https://www.facebook.com/{handle}", "@sepatucibaduyut"),
    Network("tiktok", "TikTok", ("tiktok.com",), "social",
            re.compile(r"[A-Za-z0-9._]{2,24}"), "https://www.tiktok.com/@{handle}", "@sepatucibaduyut"),
    Network("youtube", "YouTube", ("youtube.com", "youtu.be"), "social",
            re.compile(r"[A-Za-z0-9._\-]{3,30}"), "https://www.youtube.com/@{handle}", "@sepatucibaduyut"),
    Network("tokopedia", "Tokopedia", ("tokopedia.com", "tokopedia.link"), "market",
            example="https://www.tokopedia.com/sepatucibaduyut"),
    Network("shopee", "Shopee", ("shopee.co.id", "shp.ee"), "market",
            example="https://shopee.co.id/sepatucibaduyut"),
    Network("bukalapak", "Bukalapak", ("bukalapak.com",), "market",
            example="https://www.bukalapak.com/u/sepatucibaduyut"),
    Network("lazada", "Lazada", ("lazada.co.id",), "market",
            example="https://www.lazada.co.id/shop/sepatu-cibaduyut"),
    Network("blibli", "Blibli", ("blibli.com",), "market",
            example="https://www.blibli.com/merchant/sepatu-cibaduyut/SEC-60001"),
)
BY_KEY = {n.key: n for n in NETWORKS}


class LinkError(ValueError):
    """Why a typed link was refused (a lazy, translatable message)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _on_domain(host: str, domains) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _wrong_place(network: Network):
    if network.handle is not None:
        return LinkError(_l("Enter your %(network)s handle (e.g. %(example)s) or an https:// address on %(domain)s.",
                            network=network.label, example=network.example, domain=network.domains[0]))
    return LinkError(_l("Enter the https:// address of your store on %(domain)s, e.g. %(example)s.",
                        domain=network.domains[0], example=network.example))


def normalise(network: Network, raw: str) -> str:
    """The link to store for ``raw`` (``""`` for nothing); raises :class:`LinkError` when refused."""
    value = (raw or "").strip()
    if not value:
        return ""
    if len(value) > MAX_LENGTH:
        raise LinkError(_l("That address is too long (at most %(n)d characters).", n=MAX_LENGTH))
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") for c in value):
        raise LinkError(_l("Remove the spaces and invisible characters from the address."))
    if network.handle is not None:
        handle = value[1:] if value.startswith("@") else value
        if network.handle.fullmatch(handle):
            return network.handle_url.format(handle=handle)
    scheme = _SCHEME.match(value)
    if scheme is not None and scheme.group(1).lower() not in ("http", "https"):
        raise LinkError(_l("Only web addresses starting with https:// are allowed here."))
    if any(c in _FORBIDDEN for c in value):
        raise LinkError(_l("That address holds characters a web address cannot have."))
    if scheme is None:
        # "instagram.com/sepatucibaduyut" typed without its scheme.
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise _wrong_place(network) from None
    if parts.username is not None or parts.password is not None or port not in (None, 443) or not host:
        raise _wrong_place(network)
    if not _on_domain(host, network.domains):
        raise _wrong_place(network)
    # ``http`` on the network's own domain is the same page: keep it, over https.
    if not parts.path.strip("/") and not parts.query:
        raise LinkError(_l("Add the address of your own page, not only %(domain)s.", domain=host))
    return urlunsplit(("https", host, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class ShownLink:
    key: str
    label: str
    kind: str
    url: str


def shown_links(row) -> list[ShownLink]:
    """The shop's links in display order, WhatsApp first (``row`` is a ``SocialLinks`` or ``None``)."""
    if row is None:
        return []
    links = []
    wa = whatsapp_url(row.whatsapp)
    if wa:
        links.append(ShownLink("whatsapp", "WhatsApp", "social", wa))
    for network in NETWORKS:
        url = getattr(row, network.key, "")
        # Stored links were checked when saved; check again so a row written
        # by other means can never put a script into the footer.
        if url and _safe_stored(network, url):
            links.append(ShownLink(network.key, network.label, network.kind, url))
    return links


def _safe_stored(network: Network, url: str) -> bool:
    try:
        return normalise(network, url) == url
    except LinkError:
        return False


def whatsapp_url(number: str, text: str | None = None) -> str | None:
    """``https://wa.me/62…`` for a stored ``+62…`` number, with an optional prefilled message."""
    from urllib.parse import quote

    digits = (number or "").lstrip("+")
    if not (digits.isdigit() and digits.startswith("62") and 9 <= len(digits) <= 15):
        return None
    url = f"https://wa.me/{digits}"
    return f"{url}?text={quote(text, safe='')}" if text else url
