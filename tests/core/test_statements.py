"""Bank-statement reconciliation: reading exports, matching credits, one-click approval, idempotency."""
from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path

import pytest
from payments_testkit import EN, awaiting_order, multipart, png_bytes, upload

from portal.config import ROOT
from portal.core import statements
from portal.core.models import Shop, User
from portal.core.orders import (
    PAID,
    BankStatement,
    Order,
    OrderEvent,
    Payment,
    StatementLine,
)
from portal.testing import make_client

SAMPLES = ROOT / "samples" / "statements"


def rp(amount: int) -> str:
    """``1,250,123.00`` as BCA writes it."""
    return f"{amount:,}.00"


def bca(*rows) -> bytes:
    """A BCA export; ``rows`` are ``(day, description, amount, "CR" | "DB")``."""
    lines = ["Informasi Rekening - Mutasi Rekening", "No. rekening : ,'1234567890", "",
             "Tanggal Transaksi,Keterangan,Cabang,Jumlah,Saldo"]
    for day, description, amount, marker in rows:
        lines.append(f'{day},{description},0000,"{rp(amount)} {marker}","10,000,000.00"')
    lines.append('Saldo Awal,"9,000,000.00"')
    return ("\r\n".join(lines) + "\r\n").encode()


def import_url(shop):
    return f"/s/{shop.slug}/manage/statements"


def post_statement(client, shop, data: bytes, preset="bca", filename="mutasi.csv", htmx=False):
    body, content_type = multipart({"statement": (data, filename)}, {"preset": preset})
    headers = {**EN, **({"HX-Request": "true"} if htmx else {})}
    return client.post(import_url(shop), data=body, content_type=content_type, headers=headers)


def only_line() -> StatementLine:
    [line] = list(StatementLine.select())
    return line


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("preset, credits, debits, first", [
    ("bca", 5, 2, (dt.date(2026, 11, 2), 1_250_123)),
    ("mandiri", 4, 2, (dt.date(2026, 11, 2), 1_250_123)),
    ("bri", 3, 2, (dt.date(2026, 11, 2), 1_250_123)),
    ("bni", 3, 2, (dt.date(2026, 11, 2), 1_250_123)),
])
def test_every_preset_reads_its_sample(preset, credits, debits, first):
    parsed = statements.parse_statement((SAMPLES / f"{preset}.csv").read_bytes(), statements.PRESETS[preset])
    assert len(parsed.credits) == credits and parsed.debits == debits
    assert (parsed.credits[0].booked_on, parsed.credits[0].amount) == first
    assert all(line.amount > 0 for line in parsed.credits)


@pytest.mark.parametrize("text, decimal, expected", [
    ("1.250.123,00", None, (Decimal("1250123.00"), None)),
    ("1,250,123.00", None, (Decimal("1250123.00"), None)),
    ("1,250,123.00 CR", ".", (Decimal("1250123.00"), "CR")),
    ("500,000.00DB", ".", (Decimal("500000.00"), "DB")),
    ("Rp 1.250.000", None, (Decimal(1250000), None)),
    ("(150,000.00)", None, (Decimal("-150000.00"), None)),
    ("-12.500,00", ",", (Decimal("-12500.00"), None)),
    ("1.250", None, (Decimal(1250), None)),
    ("", None, (None, None)),
])
def test_amounts_in_both_notations(text, decimal, expected):
    assert statements.parse_amount(text, decimal) == expected


@pytest.mark.parametrize("text, expected", [
    ("02/11/2026", dt.date(2026, 11, 2)), ("2026-11-02 09:12:33", dt.date(2026, 11, 2)),
    ("02-Nov-2026 09:15", dt.date(2026, 11, 2)), ("02 Agu 26", dt.date(2026, 8, 2)), ("02/11/26", dt.date(2026, 11, 2)),
    ("Saldo Awal", None), ("31/02/2026", None), ("", None),
])
def test_dates_day_first(text, expected):
    assert statements.parse_date(text) == expected


def test_order_numbers_in_bank_descriptions():
    found = statements.numbers_in("TRSF CR TWS202611270007 BUDI / tws 20261128 12", "TWS")
    assert {"TWS-20261127-0007", "TWS-20261128-0012"} <= found


# ---------------------------------------------------------------------------
# matching and approving
# ---------------------------------------------------------------------------


def test_exact_amount_is_proposed_and_approved_in_one_click(portal_app, shop, owner_client):
    order = awaiting_order(shop, price=1_250_000)
    response = post_statement(owner_client, shop, bca(("27/11/2026", "TRSF E-BANKING CR BUDI SANTOSO", order.amount_due, "CR")))
    assert response.status_code == 303
    line = only_line()
    assert (line.status, line.matched_order_id, line.amount) == ("proposed", order.id, order.amount_due)
    statement_page = owner_client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Approve: order paid" in statement_page

    clicked = owner_client.hx_post(f"/s/{shop.slug}/manage/statements/lines/{line.id}/approve", headers=EN)
    body = clicked.get_data(as_text=True)
    assert clicked.status_code == 200 and body.lstrip().startswith(f'<article id="line-{line.id}"')
    assert f"Approved: order {order.number} is paid." in body
    assert StatementLine.get_by_id(line.id).status == "approved"
    assert Order.get_by_id(order.id).status == PAID
    payment = Payment.get(Payment.order == order)
    assert (payment.status, payment.statement_line_id, payment.amount) == ("approved", line.id, order.amount_due)
    assert payment.reviewed_by.email == "owner@shop.test"
    assert OrderEvent.select().where((OrderEvent.order == order) & (OrderEvent.action == "verify_payment")).count() == 1


def test_approving_confirms_the_customers_proof(portal_app, shop, customer, customer_client, staff_client):
    order = awaiting_order(shop, customer=customer)
    upload(customer_client, order, png_bytes(), "r.png")
    post_statement(staff_client, shop, bca(("27/11/2026", "SETORAN", order.amount_due, "CR")))
    line = only_line()
    staff_client.post(f"/s/{shop.slug}/manage/statements/lines/{line.id}/approve", headers=EN)
    # One payment: the proof, now approved and tied to the statement line.
    [payment] = list(Payment.select().where(Payment.order == order))
    assert (payment.status, payment.statement_line_id) == ("approved", line.id) and payment.proof_file
    assert Order.get_by_id(order.id).status == PAID


def test_amount_and_number_agree_is_a_strong_match(portal_app, shop):
    order = awaiting_order(shop)
    description = f"TRSF E-BANKING CR {order.number.replace('-', '')} SITI"
    statements.import_statement(shop, "a.csv", bca(("27/11/2026", description, order.amount_due, "CR")), "bca")
    line = only_line()
    found = statements.assess_line(line)
    assert line.status == "proposed" and line.matched_order_id == order.id
    assert [o.id for o in found.by_amount] == [o.id for o in found.by_number] == [order.id]


def test_amount_and_description_naming_different_orders_is_ambiguous(portal_app, shop, owner_client):
    first = awaiting_order(shop)
    second = awaiting_order(shop)
    description = f"TRANSFER {second.number} BUDI"
    statements.import_statement(shop, "a.csv", bca(("27/11/2026", description, first.amount_due, "CR")), "bca")
    line = only_line()
    assert line.status == "ambiguous"
    assert {o.id for o in statements.assess_line(line).candidates} == {first.id, second.id}
    # The page offers both; the owner picks one.
    page = owner_client.get(import_url(shop), headers=EN).get_data(as_text=True)
    assert f"Approve for {first.number}" in page and f"Approve for {second.number}" in page
    response = owner_client.hx_post(f"/s/{shop.slug}/manage/statements/lines/{line.id}/approve",
                                     data={"order_number": second.number}, headers=EN)
    assert f"order {second.number} is paid" in response.get_data(as_text=True)
    assert Order.get_by_id(second.id).status == PAID and Order.get_by_id(first.id).status != PAID
    assert StatementLine.get_by_id(line.id).status == "approved"


def test_number_without_the_unique_amount_is_left_to_a_person(portal_app, shop):
    order = awaiting_order(shop)
    statements.import_statement(shop, "a.csv", bca(("27/11/2026", f"PAY {order.number}", order.total, "CR")), "bca")
    line = only_line()
    assert line.status == "ambiguous" and line.matched_order_id is None
    assert [o.id for o in statements.assess_line(line).candidates] == [order.id]


def test_unmatched_credit_can_be_assigned_or_set_aside(portal_app, shop, owner_client):
    order = awaiting_order(shop)
    data = bca(("27/11/2026", "SETORAN TUNAI", 777_777, "CR"), ("27/11/2026", "BUNGA", 1_234, "CR"))
    result = statements.import_statement(shop, "a.csv", data, "bca")
    assert result.counts == {"proposed": 0, "ambiguous": 0, "unmatched": 2}
    cash, interest = StatementLine.select().order_by(StatementLine.id)
    unknown = owner_client.hx_post(f"/s/{shop.slug}/manage/statements/lines/{cash.id}/approve",
                                   data={"order_number": "TWS-00000000-0000"}, headers=EN)
    assert "No order TWS-00000000-0000 in this shop." in unknown.get_data(as_text=True)
    owner_client.hx_post(f"/s/{shop.slug}/manage/statements/lines/{cash.id}/approve",
                         data={"order_number": order.number.lower()}, headers=EN)
    assert Order.get_by_id(order.id).status == PAID
    assert Payment.get(Payment.order == order).amount == 777_777
    response = owner_client.hx_post(f"/s/{shop.slug}/manage/statements/lines/{interest.id}/ignore", headers=EN)
    assert "Set aside." in response.get_data(as_text=True)
    assert StatementLine.get_by_id(interest.id).status == "ignored"


def test_only_credits_are_kept(portal_app, shop):
    order = awaiting_order(shop)
    # A debit of exactly the order's amount must not pay it.
    data = bca(("27/11/2026", "TRSF KE PT KULIT", order.amount_due, "DB"), ("27/11/2026", "BIAYA ADM", 15_000, "DB"),
               ("27/11/2026", "SETORAN", 50_000, "CR"))
    result = statements.import_statement(shop, "a.csv", data, "bca")
    assert (result.new_lines, result.debits) == (1, 2)
    assert only_line().amount == 50_000
    assert Order.get_by_id(order.id).status != PAID


def test_same_file_twice_changes_nothing(portal_app, shop, owner_client):
    order = awaiting_order(shop)
    data = bca(("27/11/2026", "TRSF CR A", order.amount_due, "CR"), ("27/11/2026", "TRSF CR B", 10_000, "CR"))
    post_statement(owner_client, shop, data)
    before = (BankStatement.select().count(), StatementLine.select().count(), Payment.select().count())
    again = post_statement(owner_client, shop, data)
    assert again.status_code == 303
    page = owner_client.get(again.headers["Location"], headers=EN).get_data(as_text=True)
    assert "This file was imported before" in page
    assert (BankStatement.select().count(), StatementLine.select().count(), Payment.select().count()) == before == (1, 2, 0)


def test_overlapping_exports_do_not_duplicate_lines(portal_app, shop):
    monday = ("23/11/2026", "TRSF CR BUDI", 100_001, "CR")
    tuesday = ("24/11/2026", "TRSF CR SITI", 200_002, "CR")
    twice = ("24/11/2026", "TRSF CR SITI", 200_002, "CR")  # the same transfer twice on one day: both real
    wednesday = ("25/11/2026", "TRSF CR AGUS", 300_003, "CR")
    statements.import_statement(shop, "week1.csv", bca(monday, tuesday, twice), "bca")
    second = statements.import_statement(shop, "week2.csv", bca(tuesday, twice, wednesday), "bca")
    assert (second.new_lines, second.duplicates) == (1, 2)
    assert sorted(line.amount for line in StatementLine.select()) == [100_001, 200_002, 200_002, 300_003]


def test_lines_of_one_shop_do_not_block_another(portal_app, shop, other_shop):
    data = bca(("27/11/2026", "TRSF CR", 123_456, "CR"))
    statements.import_statement(shop, "a.csv", data, "bca")
    assert statements.import_statement(other_shop, "a.csv", data, "bca").new_lines == 1


@pytest.mark.parametrize("data, preset, message", [
    (b"Tanggal;Uraian;Nominal\n01/11/2026;X;100\n", "bca", "does not have the columns the BCA format expects"),
    ((SAMPLES / "mandiri.csv").read_bytes(), "bca", "does not have the columns"),
    (b"", "bca", "The file is empty"),
    (png_bytes(), "bca", "This is not a CSV file"),
    (b"PK\x03\x04" + b"\x00" * 200, "mandiri", "This is not a CSV file"),
    (b"Tanggal Transaksi,Keterangan,Cabang,Jumlah,Saldo\n", "bca", "No transactions were found"),
    (b'Tanggal Transaksi,Keterangan,Cabang,Jumlah,Saldo\n01/11/2026,X,0000,"12x.00 CR",1\n', "bca",
     "Row 2: the amount cannot be read"),
])
def test_bad_files_get_a_message_and_nothing_is_stored(portal_app, shop, owner_client, data, preset, message):
    response = post_statement(owner_client, shop, data, preset=preset)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert BankStatement.select().count() == 0 and StatementLine.select().count() == 0


def test_htmx_refusal_returns_the_form_fragment(portal_app, shop, owner_client):
    response = post_statement(owner_client, shop, b"a,b\n1,2\n", htmx=True)
    body = response.get_data(as_text=True)
    assert 'id="statement-upload"' in body and "<!doctype" not in body.lower()
    assert "does not have the columns" in body


def test_rematch_after_a_later_confirmation(portal_app, shop, owner_client):
    statements.import_statement(shop, "a.csv", bca(("27/11/2026", "EARLY TRANSFER", 999_999, "CR")), "bca")
    assert only_line().status == "unmatched"
    order = awaiting_order(shop)
    StatementLine.update(amount=order.amount_due).execute()
    owner_client.post(f"/s/{shop.slug}/manage/statements/rematch", headers=EN)
    assert (only_line().status, only_line().matched_order_id) == ("proposed", order.id)


def test_stale_proposal_is_not_approved(portal_app, shop, owner_client, caplog):
    order = awaiting_order(shop)
    statements.import_statement(shop, "a.csv", bca(("27/11/2026", "X", order.amount_due, "CR")), "bca")
    owner_client.post(f"/s/{shop.slug}/manage/orders/{order.number}/mark-paid", headers=EN)
    line = only_line()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="portal.core.statements"):
        response = owner_client.hx_post(f"/s/{shop.slug}/manage/statements/lines/{line.id}/approve", headers=EN)
    assert "not waiting for a payment any more" in response.get_data(as_text=True)
    # Refused payment steps are logged (issue 11 item 2), once, by line and shop, without personal data.
    refusals = [r.getMessage() for r in caplog.records if r.name == "portal.core.statements"]
    assert len(refusals) == 1 and f"statement line {line.id} of shop {shop.id}" in refusals[0]
    assert order.name not in refusals[0] and order.email not in refusals[0]
    assert StatementLine.get_by_id(line.id).status == "proposed"
    assert Payment.select().where(Payment.order == order).count() == 1


# ---------------------------------------------------------------------------
# custom columns and samples
# ---------------------------------------------------------------------------


def test_owner_saves_custom_columns_and_imports_with_them(portal_app, shop, owner_client):
    order = awaiting_order(shop)
    response = owner_client.post(f"/s/{shop.slug}/manage/statements/columns", headers=EN, data={
        "date": "Tgl", "description": "Berita", "amount": "Nominal", "direction": "D/K", "decimal": ",",
    })
    assert response.status_code == 303
    mapping = Shop.get_by_id(shop.id).settings["statement_mapping"]
    assert mapping["amount"] == "Nominal" and mapping["credit"] is None
    amount = f"{order.amount_due:,}".replace(",", ".") + ",00"
    data = f"Tgl;Berita;Nominal;D/K\n27/11/2026;TRF DARI RUDI;{amount};K\n27/11/2026;BIAYA;5.000,00;D\n".encode()
    result = statements.import_statement(Shop.get_by_id(shop.id), "mine.csv", data, "custom")
    assert (result.new_lines, result.debits, result.counts["proposed"]) == (1, 1, 1)


def test_custom_columns_need_money(portal_app, shop, owner_client):
    response = owner_client.post(f"/s/{shop.slug}/manage/statements/columns", headers=EN,
                                 data={"date": "Tgl", "description": "Berita"})
    assert "Name either an amount column or a credit column." in response.get_data(as_text=True)
    assert "statement_mapping" not in Shop.get_by_id(shop.id).settings


def test_sample_files_download(portal_app, shop, staff_client):
    response = staff_client.get(f"/s/{shop.slug}/manage/statements/samples/bca.csv")
    assert response.status_code == 200 and response.data == (SAMPLES / "bca.csv").read_bytes()
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert staff_client.get(f"/s/{shop.slug}/manage/statements/samples/..%2Fsecret.csv").status_code == 404
    assert staff_client.get(f"/s/{shop.slug}/manage/statements/samples/unknown.csv").status_code == 404


def test_every_preset_has_a_sample():
    assert sorted(p.stem for p in Path(SAMPLES).glob("*.csv")) == sorted(statements.PRESETS)


# ---------------------------------------------------------------------------
# who may
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("who, expected", [
    ("owner", 200), ("staff", 200), ("customer", 403), ("supplier", 403), ("courier", 403), ("other_owner", 403),
    ("anonymous", 303),
])
def test_who_may_open_statements(portal_app, shop, other_shop, customer, who, expected):
    emails = {"owner": "owner@shop.test", "staff": "staff@shop.test", "customer": customer.email,
              "supplier": "supplier@shop.test", "courier": "courier@shop.test", "other_owner": "owner@other.test",
              "anonymous": None}
    client = make_client(portal_app, User.get(User.email == emails[who]) if emails[who] else None)
    assert client.get(import_url(shop)).status_code == expected
    if expected != 200:
        assert post_statement(client, shop, bca(("27/11/2026", "X", 1000, "CR"))).status_code == expected
        assert client.post(f"/s/{shop.slug}/manage/statements/rematch").status_code == expected
        assert BankStatement.select().count() == 0


@pytest.mark.parametrize("who, expected", [("owner", 200), ("staff", 403), ("customer", 403), ("anonymous", 303)])
def test_only_the_owner_sets_columns(portal_app, shop, customer, who, expected):
    emails = {"owner": "owner@shop.test", "staff": "staff@shop.test", "customer": customer.email, "anonymous": None}
    client = make_client(portal_app, User.get(User.email == emails[who]) if emails[who] else None)
    assert client.get(f"/s/{shop.slug}/manage/statements/columns").status_code == expected


@pytest.mark.parametrize("who", ["customer", "other_owner", "anonymous"])
def test_strangers_cannot_approve_lines(portal_app, shop, other_shop, customer, who):
    order = awaiting_order(shop)
    statements.import_statement(shop, "a.csv", bca(("27/11/2026", "X", order.amount_due, "CR")), "bca")
    line = only_line()
    emails = {"customer": customer.email, "other_owner": "owner@other.test", "anonymous": None}
    client = make_client(portal_app, User.get(User.email == emails[who]) if emails[who] else None)
    assert client.post(f"/s/{shop.slug}/manage/statements/lines/{line.id}/approve").status_code in (303, 403)
    assert client.post(f"/s/{shop.slug}/manage/statements/lines/{line.id}/ignore").status_code in (303, 403)
    assert StatementLine.get_by_id(line.id).status == "proposed"
    assert Order.get_by_id(order.id).status != PAID


def test_another_shops_line_or_statement_is_not_found(portal_app, shop, other_shop):
    order = awaiting_order(shop)
    result = statements.import_statement(shop, "a.csv", bca(("27/11/2026", "X", order.amount_due, "CR")), "bca")
    line = only_line()
    other_owner = make_client(portal_app, User.get(User.email == "owner@other.test"))
    assert other_owner.post(f"/s/{other_shop.slug}/manage/statements/lines/{line.id}/approve").status_code == 404
    assert other_owner.get(f"/s/{other_shop.slug}/manage/statements/{result.statement.id}").status_code == 404
    assert StatementLine.get_by_id(line.id).status == "proposed"


def test_order_page_links_the_team_to_statements(portal_app, shop, owner_client):
    order = awaiting_order(shop)
    page = owner_client.get(f"/s/{shop.slug}/manage/orders/{order.number}", headers=EN).get_data(as_text=True)
    assert f"/s/{shop.slug}/manage/statements" in page
