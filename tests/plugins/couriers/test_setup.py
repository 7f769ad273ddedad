"""The owner's areas and services pages: importing a fee table from CSV through the page (all or
nothing, each bad row named in the owner's language) and tracking links that stay https."""
from __future__ import annotations

import io

import pytest

from plugins.couriers import models as m
from tests.plugins.couriers.kit import EN, add_service, fresh

ID = {"Accept-Language": "id"}


def import_csv(client, shop, service, data: bytes, headers=EN, htmx=False):
    send = client.hx_post if htmx else client.post
    return send(f"/s/{shop.slug}/couriers/manage/services/{service.id}/rates",
                data={"rates-file": (io.BytesIO(data), "tarif.csv")}, headers=headers, content_type="multipart/form-data")


def table(service):
    return sorted((r.city, r.per_kg) for r in m.ServiceRate.select().where(m.ServiceRate.service == service))


def test_a_good_file_replaces_the_whole_table(on, owner_client):
    jne = add_service(on, rates=[("Medan", 30_000, 1)])
    response = import_csv(owner_client, on, jne, b"city;price_per_kg;min_kg;etd\nKota Bandung;Rp9.000;1;1-2\nSurabaya;18000;2;3-4\n")
    assert response.status_code == 303
    assert table(jne) == [("Kota Bandung", 9_000), ("Surabaya", 18_000)]
    page = owner_client.get(f"/s/{on.slug}/couriers/manage/services/{jne.id}", headers=EN).get_data(as_text=True)
    assert "Imported 2 rows" in page and "Rp18.000" in page


def test_a_file_with_bad_rows_imports_nothing_and_names_each_row_in_indonesian(on, owner_client):
    jne = add_service(on, rates=[("Medan", 30_000, 1)])
    data = b"city,price_per_kg\nBandung,9000\nSurabaya,delapan belas ribu\nCimahi,10000\n,5000\n"
    response = import_csv(owner_client, on, jne, data, headers=ID)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Tidak ada yang diimpor" in body
    assert "Baris 3: harga per kg harus bilangan bulat Rupiah" in body
    assert "Baris 5: " in body
    assert "Baris 2" not in body and "Baris 4" not in body
    assert table(jne) == [("Medan", 30_000)]  # not even the good rows


def test_a_row_the_csv_reader_cannot_read_is_an_error_not_a_crash(on, owner_client):
    jne = add_service(on, rates=[("Medan", 30_000, 1)])
    data = b"city,price_per_kg\nBandung,9000\n\"" + b"a" * 200_000 + b"\",9000\n"
    response = import_csv(owner_client, on, jne, data, headers=ID, htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="couriers-service"')
    assert "Baris 3 tidak dapat dibaca" in body
    assert table(jne) == [("Medan", 30_000)]


def test_only_the_owner_imports(on, staff_client):
    jne = add_service(on, rates=[("Medan", 30_000, 1)])
    assert import_csv(staff_client, on, jne, b"city,price_per_kg\nBandung,9000\n").status_code == 403
    assert table(jne) == [("Medan", 30_000)]


@pytest.mark.parametrize("template", ["javascript:alert(1)//{waybill}", "JavaScript://x.example/%0aalert(1)/{waybill}",
                                      " javascript:alert('{waybill}')", "https://x.example/track"])
def test_editing_a_service_cannot_make_its_link_unsafe(on, owner_client, template):
    jne = add_service(on, template="https://track.example.co.id/t?awb={waybill}")
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/services/{jne.id}",
                                 data={"service-name": "JNE REG", "service-tracking_template": template,
                                       "service-is_active": "y"}, headers=EN)
    assert response.status_code == 422
    assert 'id="service-tracking_template-error"' in response.get_data(as_text=True)
    assert fresh(jne).tracking_template == "https://track.example.co.id/t?awb={waybill}"
    assert fresh(jne).tracking_url("AB1234") == "https://track.example.co.id/t?awb=AB1234"


def test_areas_are_added_once_and_removed(on, owner_client):
    url = f"/s/{on.slug}/couriers/manage/areas"
    assert owner_client.post(url, data={"area-place": "Kec. Coblong", "area-fee": "15000"}, headers=EN).status_code == 303
    again = owner_client.post(url, data={"area-place": "coblong", "area-fee": "9000"}, headers=EN)
    assert again.status_code == 422 and "already listed" in again.get_data(as_text=True)
    [area] = list(m.RiderArea.select())
    assert (area.place_key, area.fee) == ("coblong", 15_000)
    assert owner_client.post(f"{url}/{area.id}/delete", headers=EN).status_code == 303
    assert not m.RiderArea.select().exists()
