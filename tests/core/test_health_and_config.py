"""Start-up safety and the health endpoint."""
import pytest

from portal.config import ConfigError, from_env


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    from portal import create_app

    app = create_app(
        {"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none", "INSTANCE_DIR": str(tmp_path),
         "SECRET_KEY": "x" * 40, "TESTING": True},
        use_entry_points=False,
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_pages_answer_503_when_the_database_is_down(tmp_path):
    from portal import create_app

    app = create_app(
        {"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none", "INSTANCE_DIR": str(tmp_path),
         "SECRET_KEY": "x" * 40, "TESTING": True},
        use_entry_points=False,
    )
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "database" in response.get_data(as_text=True).lower()


@pytest.mark.parametrize("key", [None, "", "dev", "changeme", "secret", "short-key"])
def test_production_refuses_missing_or_well_known_keys(tmp_path, key):
    env = {"PORTAL_ENV": "production", "PORTAL_INSTANCE_DIR": str(tmp_path)}
    if key is not None:
        env["PORTAL_SECRET_KEY"] = key
    with pytest.raises(ConfigError):
        from_env(env)


def test_production_accepts_a_random_key_and_secures_cookies(tmp_path):
    config = from_env({"PORTAL_ENV": "production", "PORTAL_INSTANCE_DIR": str(tmp_path),
                       "PORTAL_SECRET_KEY": "k" * 16 + "Q7x!" * 6})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_local_key_is_generated_once_and_kept(tmp_path):
    first = from_env({"PORTAL_INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    second = from_env({"PORTAL_INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 32


def test_security_headers_on_every_page(client, shop):
    response = client.get("/s/workshop/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_personal_pages_are_private(owner_client, shop):
    response = owner_client.get("/s/workshop/manage/")
    assert "private" in response.headers["Cache-Control"]
    assert "Cookie" in response.headers["Vary"]


def test_unknown_shop_is_a_real_404_page(client):
    response = client.get("/s/no-such-shop/")
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)
