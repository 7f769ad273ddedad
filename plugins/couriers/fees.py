"""Delivery fees: the own riders' areas, the courier services' tables by city and weight,
the options offered at checkout, and importing a fee table from CSV.

Places are compared by a key, not as typed: case, punctuation, extra spaces and the
prefixes "Kota" and "Kecamatan"/"Kec." do not matter, so "Kota Bandung", "bandung"
and "BANDUNG " are one city. "Kabupaten"/"Kab." is kept (the regency of Bandung is
not the city of Bandung).

Weight is charged per started kilogram, at least the table row's minimum (usually
1 kg): 1 001 g costs 2 kg, as the Indonesian carriers charge it.
"""
from __future__ import annotations

import csv
import io
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask_babel import lazy_gettext as _l

from plugins.couriers import models as m
from portal.core.db import db
from portal.plugin_api import DeliveryOption, Destination

RIDER_CODE = "couriers:rider"
RIDER_COD_CODE = "couriers:rider-cod"
SERVICE_CODE_PREFIX = "couriers:svc-"

MAX_FEE = 100_000_000
MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000
SAMPLE_CSV = (
    "city,price_per_kg,min_kg,etd\r\n"
    "Kota Bandung,9000,1,1-2\r\n"
    "Kabupaten Bandung,11000,1,2-3\r\n"
    "Jakarta Selatan,12000,1,2-3\r\n"
    "Surabaya,15000,1,3-4\r\n"
)

_PREFIXES = re.compile(r"^(kota|kecamatan|kec)\s+")
_KAB = re.compile(r"^kab\s+")


def place_key(value: str | None) -> str:
    """The comparison key of a district or city name (see the module docstring)."""
    text = unicodedata.normalize("NFKC", value or "").casefold()
    # Letters and digits only; zero-width and direction marks, dots and commas become spaces.
    text = "".join(c if c.isalnum() else " " for c in text)
    text = " ".join(text.split())
    text = _KAB.sub("kabupaten ", text)
    text = _PREFIXES.sub("", text)
    return text[:80]


def charged_kg(weight_grams: int, min_kg: int = 1) -> int:
    """Kilograms charged for a parcel: every started kilogram, at least ``min_kg``."""
    return max(math.ceil(max(int(weight_grams or 0), 0) / 1000), int(min_kg or 1), 1)


def service_fee(rate: m.ServiceRate, weight_grams: int) -> int:
    return charged_kg(weight_grams, rate.min_kg) * int(rate.per_kg)


def rider_area_for(shop, destination: Destination) -> m.RiderArea | None:
    """The area a destination falls in: its district if listed, else its city; ``None`` if neither."""
    keys = [k for k in (place_key(destination.district), place_key(destination.city)) if k]
    if not keys:
        return None
    areas = {a.place_key: a for a in m.RiderArea.select().where((m.RiderArea.shop == shop) & m.RiderArea.place_key.in_(keys))}
    for key in keys:
        if key in areas:
            return areas[key]
    return None


@dataclass(frozen=True)
class ServiceQuote:
    service: m.CourierService
    rate: m.ServiceRate
    kg: int
    fee: int


def service_quotes(shop, destination: Destination, weight_grams: int) -> list[ServiceQuote]:
    """Every active service with a row for the destination city, cheapest first."""
    key = place_key(destination.city)
    if not key:
        return []
    rows = (m.ServiceRate.select(m.ServiceRate, m.CourierService)
            .join(m.CourierService)
            .where((m.CourierService.shop == shop) & (m.CourierService.is_active == True)  # noqa: E712
                   & (m.ServiceRate.city_key == key)))
    quotes = [ServiceQuote(r.service, r, charged_kg(weight_grams, r.min_kg), service_fee(r, weight_grams)) for r in rows]
    return sorted(quotes, key=lambda q: (q.fee, q.service.name))


def delivery_options(shop, cart, destination: Destination, cash_on_delivery: bool) -> list[DeliveryOption]:
    destination = destination or Destination()
    options = []
    area = rider_area_for(shop, destination)
    if area is not None:
        where = _l("Our own rider brings it to %(place)s.", place=area.place)
        options.append(DeliveryOption(RIDER_CODE, _l("Own rider (%(place)s)", place=area.place), int(area.fee), where))
        if cash_on_delivery:
            options.append(DeliveryOption(
                RIDER_COD_CODE, _l("Own rider, cash on delivery (%(place)s)", place=area.place), int(area.fee),
                _l("Pay the rider in cash when the parcel arrives; no bank transfer."), cash_on_delivery=True))
    for q in service_quotes(shop, destination, cart.total_weight):
        detail = (_l("%(kg)s kg to %(city)s, %(days)s days", kg=q.kg, city=q.rate.city, days=q.rate.etd)
                  if q.rate.etd else _l("%(kg)s kg to %(city)s", kg=q.kg, city=q.rate.city))
        options.append(DeliveryOption(f"{SERVICE_CODE_PREFIX}{q.service.id}", q.service.name, q.fee, detail))
    return options


# ---------------------------------------------------------------------------
# tracking links
# ---------------------------------------------------------------------------


def check_tracking_template(template: str) -> str | None:
    """``None`` if the template is usable, else the reason (for the form)."""
    if not template:
        return None
    if template.count("{waybill}") != 1:
        return _l("Put {waybill} exactly once where the waybill number goes.")
    probe = template.replace("{waybill}", "X")
    parts = urlsplit(probe)
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in probe) or "@" in parts.netloc:
        return _l("The tracking link must be a full https:// address.")
    if "{" in probe or "}" in probe:
        return _l("Only {waybill} may appear in braces.")
    return None


def tracking_url(template: str, waybill: str) -> str | None:
    """The tracking link of a waybill, or ``None`` (no template, or one no longer valid)."""
    if not template or not waybill or check_tracking_template(template) is not None:
        return None
    return template.replace("{waybill}", quote(waybill, safe=""))


WAYBILL_RE = re.compile(r"^[A-Za-z0-9-]{4,40}$")


# ---------------------------------------------------------------------------
# CSV import of a service's fee table
# ---------------------------------------------------------------------------


class RatesImportError(ValueError):
    """The file was refused as a whole; ``errors`` lists what to fix, row by row."""

    def __init__(self, errors: list):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class RateRow:
    city: str
    city_key: str
    per_kg: int
    min_kg: int
    etd: str


_AMOUNT = re.compile(r"^\d{1,3}([.,]\d{3})+$|^\d+$")


def _amount(text: str) -> int | None:
    text = text.strip()
    text = re.sub(r"^rp\.?\s*", "", text, flags=re.IGNORECASE)
    if not _AMOUNT.match(text):
        return None
    return int(re.sub(r"[.,]", "", text))


def _records(reader):
    """``(row number, cells)`` as a spreadsheet numbers rows; ``cells`` is ``None`` for a row the csv
    module cannot read (a cell over its size limit, a stray quote), and nothing follows it."""
    for number in itertools.count(1):
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield number, None
            return
        yield number, record


def parse_rates(data: bytes) -> list[RateRow]:
    """Read a fee table (see ``SAMPLE_CSV``); every problem is collected, none is skipped.

    :raises RatesImportError: with one message per bad row (nothing is imported then).
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise RatesImportError([_l("The file is larger than 1 MB.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RatesImportError([_l("The file is not UTF-8 text. Save it as \"CSV UTF-8\" and try again.")]) from None
    if not text.strip():
        raise RatesImportError([_l("The file is empty.")])
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    records = _records(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    _, first_record = next(records, (1, None))
    header = [h.strip().casefold() for h in first_record or ()]
    missing = [c for c in ("city", "price_per_kg") if c not in header]
    if missing:
        raise RatesImportError([_l("The first row must name the columns: city, price_per_kg (min_kg and etd are optional).")])
    col = {name: header.index(name) for name in ("city", "price_per_kg", "min_kg", "etd") if name in header}
    rows, errors, seen = [], [], {}
    for number, record in records:
        if record is None:
            errors.append(_l("Row %(row)s cannot be read: check its quotation marks and that no cell is very long.",
                             row=number))
            break
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) + len(errors) >= MAX_IMPORT_ROWS:
            errors.append(_l("More than %(n)s rows; split the file.", n=MAX_IMPORT_ROWS))
            break

        def cell(name, record=record):
            i = col.get(name)
            return record[i].strip() if i is not None and i < len(record) else ""

        city = " ".join(cell("city").split())
        key = place_key(city)
        problems = []
        if not key or len(city) > 80 or any(unicodedata.category(c) in ("Cc", "Cf") for c in city):
            problems.append(_l("the city is missing or not a plain name"))
        per_kg = _amount(cell("price_per_kg"))
        if per_kg is None or per_kg > MAX_FEE:
            problems.append(_l("the price per kg must be a whole number of Rupiah, e.g. 9000"))
        min_text = cell("min_kg")
        min_kg = int(min_text) if min_text.isdigit() and 1 <= int(min_text) <= 100 else (1 if not min_text else None)
        if min_kg is None:
            problems.append(_l("min_kg must be a whole number from 1 to 100"))
        etd = cell("etd")
        if len(etd) > 20 or not re.fullmatch(r"[0-9 \-–]*", etd):
            problems.append(_l("etd must be days like 2-3"))
        if key and key in seen:
            problems.append(_l("%(city)s is already on row %(row)s", city=city, row=seen[key]))
        if problems:
            errors.append(_l("Row %(row)s: %(problems)s.", row=number, problems="; ".join(str(p) for p in problems)))
            continue
        seen[key] = number
        rows.append(RateRow(city, key, per_kg, min_kg, etd))
    if errors:
        raise RatesImportError(errors)
    if not rows:
        raise RatesImportError([_l("The file has no rows under its header.")])
    return rows


def replace_rates(service: m.CourierService, rows: list[RateRow]) -> int:
    """Make ``rows`` the service's whole fee table, in one transaction."""
    with db.atomic():
        m.ServiceRate.delete().where(m.ServiceRate.service == service).execute()
        for start in range(0, len(rows), 200):
            m.ServiceRate.insert_many([
                {"service": service.id, "city": r.city, "city_key": r.city_key, "per_kg": r.per_kg,
                 "min_kg": r.min_kg, "etd": r.etd}
                for r in rows[start:start + 200]
            ]).execute()
    return len(rows)
