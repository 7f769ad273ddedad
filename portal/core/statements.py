"""Bank-statement reconciliation: read a bank's CSV export and match its credits to orders.

A shop downloads its account's transactions from internet banking as CSV and
uploads the file here. A *mapping* says which columns hold the date, the
description and the money; ready presets cover common Indonesian exports (BCA,
Mandiri, BRI, BNI – see ``samples/statements/``), and a shop can save its own
("custom") in its settings. Amounts are read in both Indonesian
(``1.250.123,00``) and English (``1,250,123.00``) notation.

Only credits (money coming in) are kept. Each is matched to the shop's orders
waiting for money by its exact unique amount (``Order.amount_due``) and by an
order number written in the description: both naming the same order is a
strong match, proposed for one-click approval; amount and description naming
different orders, or only a number with another amount, is *ambiguous* and left
to a person; nothing at all is *unmatched*.

Importing is idempotent: the file's hash makes a second import of the same file
a no-op, and each line's hash (date, description, amount and its occurrence in
the file) keeps overlapping exports from adding a transaction twice.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import peewee as pw
from flask_babel import lazy_gettext as _l

from portal.core import notifications
from portal.core.db import atomic_write, utcnow
from portal.core.order_flow import SHOP_TEAM, transition
from portal.core.orders import (
    AWAITING_PAYMENT,
    PAYMENT_SUBMITTED,
    BankStatement,
    Order,
    Payment,
    StatementLine,
)

log = logging.getLogger(__name__)

MAX_STATEMENT_BYTES = 2 * 1024 * 1024
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")
OPEN_LINE_STATUSES = ("proposed", "ambiguous", "unmatched")
MATCHABLE_ORDER_STATUSES = (AWAITING_PAYMENT, PAYMENT_SUBMITTED)
CREDIT_MARKERS = {"CR", "C", "K", "KR", "KREDIT", "CREDIT"}
DEBIT_MARKERS = {"DB", "D", "DR", "DEBET", "DEBIT"}
MAPPING_KEYS = ("date", "description", "amount", "direction", "credit", "debit")

# Column layouts of common exports. "decimal" is the decimal separator the bank
# writes; None lets each amount tell (see parse_amount).
PRESETS: dict[str, dict] = {
    "bca": {"label": "BCA", "date": "Tanggal Transaksi", "description": "Keterangan", "amount": "Jumlah",
            "decimal": "."},
    "mandiri": {"label": "Mandiri", "date": "Tanggal", "description": "Keterangan", "debit": "Debet",
                "credit": "Kredit", "decimal": ","},
    "bri": {"label": "BRI", "date": "Tanggal Transaksi", "description": "Uraian Transaksi", "debit": "Debet",
            "credit": "Kredit", "decimal": "."},
    "bni": {"label": "BNI", "date": "Post Date", "description": "Description", "amount": "Amount",
            "direction": "Db/Cr", "decimal": "."},
}
CUSTOM = "custom"

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "mei": 5, "jun": 6, "jul": 7, "aug": 8, "agu": 8,
    "agt": 8, "ags": 8, "sep": 9, "okt": 10, "oct": 10, "nov": 11, "des": 12, "dec": 12,
}
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[/\-.](\d{1,2})[/\-.](\d{2,4})\b")
_NAMED_DATE = re.compile(r"^(\d{1,2})[\s\-/]+([A-Za-z]{3,9})[\s\-/]+(\d{2,4})\b")


class StatementError(ValueError):
    """A file or action we refuse; ``str(error)`` is a message for the owner. Nothing stored."""


# ---------------------------------------------------------------------------
# mappings
# ---------------------------------------------------------------------------


def preset_choices(shop) -> list[tuple[str, str]]:
    choices = [(key, preset["label"]) for key, preset in PRESETS.items()]
    if custom_mapping(shop):
        choices.append((CUSTOM, str(_l("Custom (your saved columns)"))))
    return choices


def custom_mapping(shop) -> dict | None:
    mapping = (shop.settings or {}).get("statement_mapping")
    return dict(mapping) if mapping else None


def save_custom_mapping(shop, mapping: dict):
    """Store the shop's own column mapping (validated first)."""
    cleaned = {k: (mapping.get(k) or "").strip() or None for k in MAPPING_KEYS}
    cleaned["decimal"] = mapping.get("decimal") or None
    validate_mapping(cleaned)
    shop.settings = {**(shop.settings or {}), "statement_mapping": cleaned}
    shop.save(only=[type(shop).settings])


def validate_mapping(mapping: dict):
    if not mapping.get("date") or not mapping.get("description"):
        raise StatementError(_l("Name the date and the description columns."))
    if not mapping.get("amount") and not mapping.get("credit"):
        raise StatementError(_l("Name either an amount column or a credit column."))
    if mapping.get("decimal") not in (None, ",", "."):
        raise StatementError(_l("The decimal separator must be a comma or a dot."))


def mapping_for(shop, preset: str) -> dict:
    if preset == CUSTOM:
        mapping = custom_mapping(shop)
        if not mapping:
            raise StatementError(_l("No custom column mapping is saved yet."))
        return {"label": str(_l("Custom")), **mapping}
    if preset not in PRESETS:
        raise StatementError(_l("Choose a bank format."))
    return PRESETS[preset]


def required_columns(mapping: dict) -> list[str]:
    return [mapping[k] for k in MAPPING_KEYS if mapping.get(k)]


# ---------------------------------------------------------------------------
# reading values
# ---------------------------------------------------------------------------


def parse_date(text: str) -> dt.date | None:
    """A day-first date as Indonesian banks write it (``01/11/2026``, ``2026-11-01``, ``01-NOV-26``)."""
    text = (text or "").strip().strip("'")
    match = _NUMERIC_DATE.match(text)
    try:
        if match:
            a, b, c = match.groups()
            if len(a) == 4:
                year, month, day = int(a), int(b), int(c)
            else:
                day, month, year = int(a), int(b), int(c)
            return dt.date(year + 2000 if year < 100 else year, month, day)
        match = _NAMED_DATE.match(text)
        if match:
            day, name, year = match.groups()
            month = _MONTHS.get(name[:3].lower())
            if month is None:
                return None
            year = int(year)
            return dt.date(year + 2000 if year < 100 else year, month, int(day))
    except ValueError:
        return None
    return None


def parse_amount(text: str, decimal: str | None = None) -> tuple[Decimal | None, str | None]:
    """``(amount, marker)`` from a cell like ``1.250.123,00``, ``1,250,123.00 CR`` or ``(150,000.00)``.

    ``marker`` is a CR/DB suffix written in the cell. Without a known decimal
    separator, the last separator is a decimal one only when two digits (or
    one) follow it – Rupiah amounts never have three decimals.
    """
    raw = (text or "").strip().upper().replace("RP", "").replace("IDR", "").strip()
    if not raw or raw == "-":
        return None, None
    marker = None
    found = re.search(r"(?<=[\d\s.,)])\s*(CR|DB|DR|D|C|K)$", raw)
    if found:
        marker = found.group(1)
        raw = raw[: found.start()].strip()
    negative = raw.startswith("-") or (raw.startswith("(") and raw.endswith(")")) or raw.endswith("-")
    raw = raw.strip("()-+ ").replace(" ", "").replace("\u00a0", "")
    if not re.fullmatch(r"[\d.,]+", raw or "x"):
        raise ValueError(raw)
    if decimal is None:
        last = max(raw.rfind("."), raw.rfind(","))
        if last >= 0 and ((raw.count(raw[last]) == 1 and len(raw) - last - 1 in (1, 2))
                          or ("." in raw and "," in raw)):
            decimal = raw[last]
        else:
            decimal = ""
    thousands = {",": ".", ".": ","}.get(decimal, None)
    if thousands:
        raw = raw.replace(thousands, "")
        raw = raw.replace(decimal, ".")
    else:
        raw = raw.replace(".", "").replace(",", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(raw) from None
    return (-value if negative else value), marker


# ---------------------------------------------------------------------------
# reading a file
# ---------------------------------------------------------------------------


@dataclass
class ParsedLine:
    booked_on: dt.date
    description: str
    amount: int
    row: int


@dataclass
class ParsedStatement:
    credits: list[ParsedLine] = field(default_factory=list)
    debits: int = 0


def _decode(data: bytes) -> str:
    if not data.strip():
        raise StatementError(_l("The file is empty."))
    if b"\x00" in data[:4096] or data[:4] in (b"PK\x03\x04", b"%PDF") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise StatementError(_l("This is not a CSV file. In internet banking, download the statement as CSV."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _rows(text: str, delimiter: str) -> list[list[str]]:
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error:
        raise StatementError(_l("This is not a CSV file. In internet banking, download the statement as CSV.")) from None


def _norm(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def _find_header(text: str, mapping: dict) -> tuple[list[list[str]], int, dict[str, int]]:
    """The rows, the header row's index and each mapped column's position.

    Banks put account details above the header and write commas, semicolons or
    tabs between columns; the delimiter is the one under which the header appears.
    """
    wanted = {k: _norm(mapping[k]) for k in MAPPING_KEYS if mapping.get(k)}
    for delimiter in DELIMITERS:
        rows = _rows(text, delimiter)
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            cells = [_norm(c) for c in row]
            positions = {key: cells.index(name) for key, name in wanted.items() if name in cells}
            if len(positions) == len(wanted):
                return rows, index, positions
    raise StatementError(_l(
        "The file does not have the columns the %(bank)s format expects (%(columns)s). "
        "Choose the right bank, or save your own columns under Custom.",
        bank=mapping.get("label", ""), columns=", ".join(required_columns(mapping)),
    ))


def _cell(row: list[str], position: int | None) -> str:
    if position is None or position >= len(row):
        return ""
    return row[position]


def parse_statement(data: bytes, mapping: dict) -> ParsedStatement:
    """Read the credits of a CSV export with ``mapping``.

    Rows without a date (opening balance, totals, blank lines) are skipped; a
    dated row whose money cannot be read is an error naming the row.

    :raises StatementError: not a CSV, wrong columns, unreadable amounts, no transactions.
    """
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementError(_l("The file is larger than %(mb)s MB.", mb=MAX_STATEMENT_BYTES // (1024 * 1024)))
    rows, header, pos = _find_header(_decode(data), mapping)
    decimal = mapping.get("decimal")
    result = ParsedStatement()
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        booked_on = parse_date(_cell(row, pos["date"]))
        if booked_on is None:
            continue
        try:
            amount = _credit_amount(row, pos, decimal)
        except ValueError:
            raise StatementError(_l("Row %(row)s: the amount cannot be read.", row=number)) from None
        if amount is None or amount <= 0:
            result.debits += 1
            continue
        description = " ".join(_cell(row, pos["description"]).split())
        result.credits.append(ParsedLine(booked_on, description[:1000], amount, number))
    if not result.credits and not result.debits:
        raise StatementError(_l("No transactions were found in this file. Check that it is the right bank format."))
    return result


def _credit_amount(row, pos, decimal) -> int | None:
    """The credited Rupiah of a row, or None for a debit."""
    if "credit" in pos:
        credit, _ = parse_amount(_cell(row, pos["credit"]), decimal)
        if credit is not None and credit > 0:
            return int(credit)
        if "amount" not in pos:
            return None
    amount, marker = parse_amount(_cell(row, pos["amount"]), decimal)
    if amount is None:
        return None
    if "direction" in pos:
        marker = _cell(row, pos["direction"]).strip().upper() or marker
    if marker:
        if marker in CREDIT_MARKERS:
            return int(abs(amount))
        if marker in DEBIT_MARKERS:
            return None
    return int(amount) if amount > 0 else None


def line_hashes(shop_id: int, lines: list[ParsedLine]) -> list[str]:
    """One hash per line; identical transactions in one file are told apart by occurrence."""
    seen: dict[tuple, int] = {}
    out = []
    for line in lines:
        key = (line.booked_on.isoformat(), line.description.casefold(), line.amount)
        seen[key] = seen.get(key, 0) + 1
        raw = "\x1f".join([str(shop_id), *map(str, key), str(seen[key])])
        out.append(hashlib.sha256(raw.encode()).hexdigest())
    return out


# ---------------------------------------------------------------------------
# matching
# ---------------------------------------------------------------------------


@dataclass
class Assessment:
    status: str  # proposed | ambiguous | unmatched
    order: Order | None = None
    candidates: list[Order] = field(default_factory=list)
    by_amount: list[Order] = field(default_factory=list)
    by_number: list[Order] = field(default_factory=list)


def _number_pattern(prefix: str) -> re.Pattern:
    # Banks drop or change the hyphens of a reference: CBD-20261127-0007, CBD 20261127 0007, CBD202611270007.
    return re.compile(rf"{re.escape(prefix)}[\s\-/._]?(\d{{8}})[\s\-/._]?(\d{{1,6}})(?!\d)", re.IGNORECASE)


def numbers_in(description: str, prefix: str) -> set[str]:
    found = set()
    for day, seq in _number_pattern(prefix).findall(description or ""):
        found.add(f"{prefix}-{day}-{int(seq):04d}")
        found.add(f"{prefix}-{day}-{seq}")
    return found


def assess(shop, amount: int, description: str) -> Assessment:
    """How a credit of ``amount`` with ``description`` matches the shop's orders waiting for money."""
    waiting = Order.status.in_(MATCHABLE_ORDER_STATUSES)
    by_amount = list(Order.select().where((Order.shop == shop) & waiting & (Order.amount_due == amount)))
    prefix = (shop.order_prefix or "ORD").strip().upper()
    numbers = numbers_in(description, prefix)
    named = list(Order.select().where((Order.shop == shop) & Order.number.in_(numbers))) if numbers else []
    named_waiting = [o for o in named if o.status in MATCHABLE_ORDER_STATUSES]
    candidates = list({o.id: o for o in by_amount + named_waiting}.values())
    if len(by_amount) == 1 and (not named or {o.id for o in named} == {by_amount[0].id}):
        return Assessment("proposed", by_amount[0], candidates, by_amount, named)
    if not by_amount and not named_waiting:
        return Assessment("unmatched", None, candidates, by_amount, named)
    return Assessment("ambiguous", by_amount[0] if len(by_amount) == 1 else None, candidates, by_amount, named)


def assess_line(line: StatementLine) -> Assessment:
    return assess(line.shop, line.amount, line.description)


@dataclass
class ImportResult:
    statement: BankStatement
    already_imported: bool = False
    new_lines: int = 0
    duplicates: int = 0
    debits: int = 0
    counts: dict = field(default_factory=dict)


def import_statement(shop, filename: str, data: bytes, preset: str, user=None) -> ImportResult:
    """Import a statement export; the same file twice changes nothing.

    :raises StatementError: with a message for the owner; nothing is stored.
    """
    file_hash = hashlib.sha256(data).hexdigest()
    existing = BankStatement.get_or_none((BankStatement.shop == shop) & (BankStatement.file_hash == file_hash))
    if existing is not None:
        return ImportResult(existing, already_imported=True)
    mapping = mapping_for(shop, preset)
    parsed = parse_statement(data, mapping)
    hashes = line_hashes(shop.id, parsed.credits)
    counts = dict.fromkeys(OPEN_LINE_STATUSES, 0)
    try:
        with atomic_write():
            statement = BankStatement.create(shop=shop, filename=(filename or "statement.csv")[:200],
                                             file_hash=file_hash, preset=preset, uploaded_by=user)
            known = {h for (h,) in StatementLine.select(StatementLine.line_hash).where(
                (StatementLine.shop == shop) & StatementLine.line_hash.in_(hashes)).tuples()}
            new = 0
            for line, line_hash in zip(parsed.credits, hashes, strict=True):
                if line_hash in known:
                    continue
                found = assess(shop, line.amount, line.description)
                StatementLine.create(statement=statement, shop=shop, line_hash=line_hash, booked_on=line.booked_on,
                                     description=line.description, amount=line.amount, status=found.status,
                                     matched_order=found.order)
                counts[found.status] += 1
                new += 1
    except pw.IntegrityError:
        # The same file imported at the same moment by someone else.
        existing = BankStatement.get((BankStatement.shop == shop) & (BankStatement.file_hash == file_hash))
        return ImportResult(existing, already_imported=True)
    return ImportResult(statement, False, new, len(hashes) - new, parsed.debits, counts)


def rematch(shop) -> int:
    """Match the shop's open lines again (orders confirmed or paid since the import); return changes."""
    changed = 0
    for line in StatementLine.select().where((StatementLine.shop == shop) & StatementLine.status.in_(OPEN_LINE_STATUSES)):
        found = assess_line(line)
        if found.status != line.status or (found.order.id if found.order else None) != line.matched_order_id:
            changed += StatementLine.update(status=found.status, matched_order=found.order).where(
                (StatementLine.id == line.id) & (StatementLine.status == line.status)
            ).execute()
    return changed


def approve_line(line: StatementLine, actor, role: str, order: Order | None = None) -> Order:
    """Record the credit as the order's payment and mark the order paid, in one transaction.

    :param order: for an ambiguous or unmatched line, the order the owner chose;
        a proposed line uses its match.
    :raises StatementError: the line was handled already or the order is not waiting for money
        (logged as a warning, like every refused payment step; no personal data).
    """
    try:
        return _approve_line(line, actor, role, order)
    except StatementError as error:
        log.warning("refused approving statement line %s of shop %s for order %s by role %s (user %s): %s",
                    line.id, line.shop_id, getattr(order, "number", None), role, getattr(actor, "id", None),
                    str(error))
        raise


def _approve_line(line: StatementLine, actor, role: str, order: Order | None) -> Order:
    if role not in SHOP_TEAM:
        raise StatementError(_l("Only the shop's owner or staff may approve payments."))
    with notifications.collected(), atomic_write():
        current = StatementLine.get_by_id(line.id)
        if current.status not in OPEN_LINE_STATUSES:
            raise StatementError(_l("This line has already been handled."))
        target = order if order is not None else current.matched_order
        if target is None:
            raise StatementError(_l("Choose the order this money belongs to."))
        target = Order.get_or_none((Order.id == target.id) & (Order.shop == current.shop_id))
        if target is None:
            raise StatementError(_l("Choose the order this money belongs to."))
        if target.status not in MATCHABLE_ORDER_STATUSES:
            raise StatementError(_l("Order %(number)s is not waiting for a payment any more.", number=target.number))
        done = StatementLine.update(status="approved", matched_order=target).where(
            (StatementLine.id == current.id) & (StatementLine.status == current.status)
        ).execute()
        if done != 1:
            raise StatementError(_l("This line has already been handled."))
        now = utcnow()
        # The customer's proofs are the same money: they are confirmed by this line.
        confirmed = Payment.update(status="approved", statement_line=current, reviewed_by=actor, reviewed_at=now).where(
            (Payment.order == target) & (Payment.status == "submitted")
        ).execute()
        if not confirmed:
            Payment.create(order=target, amount=current.amount, status="approved", statement_line=current,
                           reviewed_by=actor, reviewed_at=now)
        return transition(target, "verify_payment", actor=actor, role=role)


def ignore_line(line: StatementLine, actor=None) -> bool:
    """Set aside a credit that is not an order payment (a refund, a transfer between accounts)."""
    return bool(StatementLine.update(status="ignored").where(
        (StatementLine.id == line.id) & StatementLine.status.in_(OPEN_LINE_STATUSES)
    ).execute())
