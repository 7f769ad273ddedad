def test_home_lists_shops(client, shop):
    page = client.get("/")
    assert page.status_code == 200
    assert "Test Workshop" in page.get_data(as_text=True)


def test_owner_login_and_dashboard(owner_client, shop):
    assert owner_client.get("/s/workshop/manage/").status_code == 200


def test_customer_cannot_open_dashboard(customer_client, shop):
    assert customer_client.get("/s/workshop/manage/").status_code == 403
