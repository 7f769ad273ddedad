"""Every figure of the analytics against the hand-made shop in conftest.py, worked out by hand below.

Current period: 2026-03-02 .. 2026-03-15 (Jakarta), grouped per week; the previous
period is 2026-02-16 .. 2026-03-01.

Orders placed in the current period (Jakarta weeks starting Mon 2 and Mon 9 March):
  week of 2 March: O11 (02 Mar 00:30 WIB, 300k, ready), O1 (500k, completed), O2 (400k, delivered),
                   O3 (600k, paid), O4 (200k, paid then cancelled: no revenue)
                   -> 5 placed, 4 paid, revenue 1,800,000
  week of 9 March: O5 (09 Mar 01:00 WIB, 1,000k, handed over), O6 (guest, 100k + 20k fee, completed),
                   O7 (placed), O8 (rejected), O9 (15 Mar 23:30 WIB, awaiting payment)
                   -> 5 placed, 2 paid, revenue 1,120,000
  O10 (15 Mar 17:30 UTC = 16 Mar 00:30 WIB) is outside.
Previous period: P1 (500k completed), P2 (200k paid), P3 (01 Mar 23:00 WIB, expired)
                   -> 3 placed, 2 paid, revenue 700,000
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from analytics_testkit import EN

from plugins.analytics import queries
from plugins.analytics.queries import Period

PERIOD = Period(dt.date(2026, 3, 2), dt.date(2026, 3, 15), "week")
ARGS = "start=2026-03-02&end=2026-03-15&by=week"
BASE = "/s/workshop/manage/analytics"


def read_csv(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_revenue_and_orders_per_week(data):
    points = queries.series(data.shop, PERIOD)
    assert [(p.day, p.orders, p.paid_orders, p.revenue) for p in points] == [
        (dt.date(2026, 3, 2), 5, 4, 1_800_000),
        (dt.date(2026, 3, 9), 5, 2, 1_120_000),
    ]


def test_revenue_per_day_puts_orders_on_their_jakarta_day(data):
    points = {p.day: p for p in queries.series(data.shop, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 2), "day"))}
    # P3 (01 Mar 16:00 UTC = 23:00 WIB) is on the 1st; O11 (01 Mar 17:30 UTC) and O1 on the 2nd.
    assert (points[dt.date(2026, 3, 1)].orders, points[dt.date(2026, 3, 1)].revenue) == (1, 0)
    assert (points[dt.date(2026, 3, 2)].orders, points[dt.date(2026, 3, 2)].revenue) == (2, 800_000)


def test_revenue_per_month_and_empty_buckets(data):
    points = queries.series(data.shop, Period(dt.date(2025, 11, 1), dt.date(2026, 3, 31), "month"))
    assert [(p.day.isoformat(), p.revenue) for p in points] == [
        ("2025-11-01", 500_000), ("2025-12-01", 900_000), ("2026-01-01", 700_000),
        ("2026-02-01", 1_200_000), ("2026-03-01", 3_420_000),
    ]
    quiet = queries.series(data.shop, Period(dt.date(2025, 1, 6), dt.date(2025, 1, 19), "week"))
    assert [(p.day, p.orders, p.revenue) for p in quiet] == [(dt.date(2025, 1, 6), 0, 0), (dt.date(2025, 1, 13), 0, 0)]


def test_totals_previous_period_and_deltas(data):
    current = queries.totals_of(queries.series(data.shop, PERIOD))
    before = queries.totals(data.shop, PERIOD.previous())
    assert PERIOD.previous() == Period(dt.date(2026, 2, 16), dt.date(2026, 3, 1), "week")
    assert (current.orders, current.paid_orders, current.revenue) == (10, 6, 2_920_000)
    assert (before.orders, before.paid_orders, before.revenue) == (3, 2, 700_000)
    assert current.average_order == 486_667 and before.average_order == 350_000
    assert queries.delta_percent(current.revenue, before.revenue) == 317.1
    assert queries.delta_percent(current.orders, before.orders) == 233.3
    assert queries.delta_percent(current.average_order, before.average_order) == 39.0
    assert queries.delta_percent(5, 0) is None


def test_top_products_and_categories(data):
    assert [(r.label, r.quantity, r.revenue) for r in queries.top_products(data.shop, PERIOD)] == [
        ("Pantofel", 4, 2_000_000), ("Dompet", 5, 500_000), ("Sandal Kulit", 2, 400_000),
    ]
    assert [(r.label, r.quantity, r.revenue) for r in queries.top_categories(data.shop, PERIOD)] == [
        ("Sepatu", 4, 2_000_000), ("", 5, 500_000), ("Sandal", 2, 400_000),
    ]


def test_funnel_counts_and_drop_off(data):
    steps = queries.funnel(data.shop, PERIOD)
    # O7 was never confirmed and O8 rejected; O9 awaits payment; O4 was paid, then cancelled.
    assert [(s.key, s.count, s.drop_off) for s in steps] == [
        ("placed", 10, None), ("confirmed", 8, 20.0), ("paid", 7, 12.5), ("delivered", 3, 57.1),
    ]


def test_lead_time_medians(data):
    spans = {s.key: (s.median_hours, s.orders) for s in queries.lead_times(data.shop, PERIOD)}
    # placed -> paid: O1 5, O2 3, O3 1, O4 6, O5 7, O6 2, O11 4 hours -> median 4
    # paid -> handed over: O1 24, O2 48, O5 10, O6 30 -> (24 + 30) / 2 = 27
    # handed over -> delivered: O1 10, O2 20, O6 6 -> 10
    assert spans == {"to_payment": (4.0, 7), "to_handover": (27.0, 4), "to_delivery": (10.0, 3)}


def test_lead_times_without_data(shop):
    assert [(s.median_hours, s.orders) for s in queries.lead_times(shop, PERIOD)] == [(None, 0)] * 3


def test_orders_by_city(data):
    assert [(c.name, c.orders, c.revenue) for c in queries.cities(data.shop, PERIOD)] == [
        ("Bandung", 6, 1_400_000), ("Jakarta", 2, 520_000), ("", 1, 0), ("Cimahi", 1, 1_000_000),
    ]


# ---------------------------------------------------------------------------
# customers
# ---------------------------------------------------------------------------

# cid: (R, F, M, segment). Worked out in the module docstring of queries._rfm's test notes:
#  last order (R, oldest first): C4, C6 | C9, C10 | C8, C1 | C2, C3 | C5, C7
#  orders (F): one order C3 C4 C5 C7 C8 C9 C10 -> all F1; two C2, C6 -> F4; three C1 -> F5
#  revenue (M): 200k C4 C10 -> 1; 300k C8 -> 2; 500k C7 C9 -> 2; 600k C2 C3 -> 3; 1.0M C5 -> 4; 1.2M C6, 1.5M C1 -> 5
EXPECTED_RFM = {
    "C1": (3, 5, 5, "loyal"),
    "C2": (4, 4, 3, "champions"),
    "C3": (4, 1, 3, "new"),
    "C4": (1, 1, 1, "lost"),
    "C5": (5, 1, 4, "new"),
    "C6": (1, 4, 5, "at_risk"),
    "C7": (5, 1, 2, "new"),
    "C8": (3, 1, 2, "hibernating"),
    "C9": (2, 1, 2, "hibernating"),
    "C10": (2, 1, 1, "hibernating"),
}


def test_rfm_scores_and_segment_of_each_customer(data):
    for key, expected in EXPECTED_RFM.items():
        member = queries.customer_rfm(data.shop, data.c[key].id)
        assert (member.r, member.f, member.m, member.segment) == expected, key


def test_segment_counts_revenue_and_lifetime_value(data):
    rows = {s.key: (s.customers, s.revenue, s.clv) for s in queries.segments(data.shop)}
    assert rows == {
        "champions": (1, 600_000, 600_000),
        "loyal": (1, 1_500_000, 1_500_000),
        "new": (3, 2_100_000, 700_000),
        "at_risk": (1, 1_200_000, 1_200_000),
        "hibernating": (3, 1_000_000, 333_333),
        "lost": (1, 200_000, 200_000),
    }


def test_segment_members_are_paged_biggest_spender_first(data):
    members, has_next = queries.segment_members(data.shop, "new", 1, 2)
    assert [m.name for m in members] == ["Pelanggan 5", "Pelanggan 3"] and has_next
    members, has_next = queries.segment_members(data.shop, "new", 2, 2)
    assert [m.name for m in members] == ["Pelanggan 7"] and not has_next


def test_customer_without_paid_order_has_no_segment(data, customer):
    assert queries.customer_rfm(data.shop, customer.id) is None


def test_repeat_rate_and_lifetime_value(data):
    r = queries.retention(data.shop)
    # Ten registered customers with a paid order (the guest's O6 is not one); C1, C2, C6 came back.
    assert (r.customers, r.repeat_customers, r.repeat_rate, r.revenue, r.clv) == (10, 3, 30.0, 6_600_000, 660_000)


def test_cohort_table_cells(data):
    table = {c.month: c for c in queries.cohorts(data.shop)}
    assert sorted(table) == ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert {m: c.size for m, c in table.items()} == {
        "2025-11": 1, "2025-12": 1, "2026-01": 2, "2026-02": 2,
        # O11 was placed on 1 March UTC but 2 March in Jakarta: C8 is a March customer.
        "2026-03": 4,
    }
    assert table["2025-11"].share(1) == 100.0 and table["2025-11"].share(2) == 0.0
    assert table["2026-01"].share(1) == 50.0 and table["2026-01"].share(2) == 100.0
    assert table["2025-12"].returned == {} and table["2026-02"].returned == {} and table["2026-03"].returned == {}


def test_week_so_far_against_the_same_days_last_week(data):
    # Thursday 12 March 12:00 WIB: this week from Mon 9 March 00:00 WIB (O5, O6),
    # last week Mon 2 March 00:00 to Thu 5 March 12:00 WIB (O11, O1, O2, O3; O4 was cancelled).
    assert queries.week_so_far(data.shop, dt.datetime(2026, 3, 12, 5, 0)) == (1_120_000, 1_800_000)


# ---------------------------------------------------------------------------
# the same figures on the page and in the CSV files
# ---------------------------------------------------------------------------


def test_dashboard_page_shows_the_figures(owner_client, data):
    page = owner_client.get(f"{BASE}/?{ARGS}", headers=EN).get_data(as_text=True)
    assert "Rp2.920.000" in page and "Rp700.000" in page and "▲ +317.1%" in page
    assert "Rp486.667" in page and "Rp350.000" in page
    assert "<td>2026-03-02</td><td>Rp1.800.000</td><td>5</td><td>4</td>" in page
    assert "<td>2026-03-09</td><td>Rp1.120.000</td><td>5</td><td>2</td>" in page
    assert "<td>Delivered</td><td>3</td><td>57.1%</td>" in page
    assert "<td>Bandung</td><td>6</td><td>Rp1.400.000</td>" in page
    assert "What counts as revenue?" in page and "Cancelled, rejected and expired orders never count" in page


@pytest.mark.parametrize(("name", "expected"), [
    ("revenue", [["Period starting", "Revenue", "Previous period starting", "Previous revenue"],
                 ["2026-03-02", "1800000", "2026-02-16", "500000"],
                 ["2026-03-09", "1120000", "2026-02-23", "200000"]]),
    ("funnel", [["Step", "Orders", "Drop-off from the step before (%)"],
                ["Placed", "10", ""], ["Confirmed", "8", "20.0"], ["Paid", "7", "12.5"], ["Delivered", "3", "57.1"]]),
    ("leadtimes", [["Step", "Median hours", "Orders measured"], ["Placed → payment verified", "4.0", "7"],
                   ["Paid → handed over", "27.0", "4"], ["Handed over → delivered", "10.0", "3"]]),
    ("cities", [["City", "Orders placed", "Revenue"], ["Bandung", "6", "1400000"], ["Jakarta", "2", "520000"],
                ["(pick-up, no city)", "1", "0"], ["Cimahi", "1", "1000000"]]),
    ("products", [["Product", "Quantity", "Revenue"], ["Pantofel", "4", "2000000"], ["Dompet", "5", "500000"],
                  ["Sandal Kulit", "2", "400000"]]),
    ("segments", [["Segment", "Customers", "Revenue", "Average revenue per customer"],
                  ["Champions", "1", "600000", "600000"], ["Loyal", "1", "1500000", "1500000"],
                  ["New", "3", "2100000", "700000"], ["At risk", "1", "1200000", "1200000"],
                  ["Hibernating", "3", "1000000", "333333"], ["Lost", "1", "200000", "200000"]]),
])
def test_csv_of_each_chart(owner_client, data, name, expected):
    response = owner_client.get(f"{BASE}/csv/{name}.csv?{ARGS}", headers=EN)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert read_csv(response) == expected


def test_cohort_csv(owner_client, data):
    rows = read_csv(owner_client.get(f"{BASE}/csv/cohorts.csv", headers=EN))
    assert rows[0] == ["First order month", "Customers", "Month +1 (%)", "Month +2 (%)"]
    assert rows[1:] == [["2025-11", "1", "100.0", "0.0"], ["2025-12", "1", "0.0", "0.0"],
                        ["2026-01", "2", "50.0", "100.0"], ["2026-02", "2", "0.0", "0.0"], ["2026-03", "4", "0.0", "0.0"]]


def test_segments_page_shows_counts_cohorts_repeat_rate_and_clv(owner_client, data):
    page = owner_client.get(f"{BASE}/segments/", headers=EN).get_data(as_text=True)
    assert "30.0%" in page and "Rp660.000" in page
    assert '<td data-cohort="2026-01+1">50.0%</td>' in page and '<td data-cohort="2026-01+2">100.0%</td>' in page
    assert f'href="{BASE}/segments/new"' in page
    members = owner_client.get(f"{BASE}/segments/new", headers=EN).get_data(as_text=True)
    for key in ("C3", "C5", "C7"):
        assert f'href="{BASE}/customers/{data.c[key].id}"' in members
    assert "Pelanggan 1<" not in members
