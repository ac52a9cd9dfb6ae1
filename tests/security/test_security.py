import os
import stat

from tests.helpers import ROOT, csrf_token_from, login


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/finns-inte").headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client):
    html = client.get("/logga-in").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html and "onclick" not in html


def test_a_post_without_a_valid_csrf_token_is_refused_in_swedish(app_factory, make_user):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    missing = client.post("/logga-in", data={"email": "a@b.example", "password": "x"})
    assert missing.status_code == 400
    assert "säkerhetskod" in missing.get_data(as_text=True)
    wrong = client.post("/logga-in", data={"email": "a@b.example", "password": "x", "csrf_token": "fel"})
    assert wrong.status_code == 400
    token = csrf_token_from(client.get("/logga-in").get_data(as_text=True))
    ok = client.post("/logga-in", data={"email": "a@b.example", "password": "x", "csrf_token": token})
    assert ok.status_code == 400 and "Inloggningen misslyckades" in ok.get_data(as_text=True)


def test_logout_needs_a_csrf_token(app_factory, make_user):
    app = app_factory(WTF_CSRF_ENABLED=True)
    from portal.accounts.service import create_user
    from portal.extensions import db
    from tests.helpers import TEST_PASSWORD

    with app.app_context():
        create_user("anna@skola.example", "Anna", TEST_PASSWORD, "staff", ["solbackens-skola"])
        db.session.commit()
    client = app.test_client()
    token = csrf_token_from(client.get("/logga-in").get_data(as_text=True))
    client.post("/logga-in", data={"email": "anna@skola.example", "password": TEST_PASSWORD, "csrf_token": token})
    assert client.post("/logga-ut").status_code == 400
    assert client.get("/arenden/").status_code == 200


def test_swedish_error_pages_leak_nothing(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.route("/_boom")
    def boom():
        raise RuntimeError("hemlig detalj 20120415-2381")

    client = app.test_client()
    response = client.get("/_boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Något gick fel" in html and "hemlig" not in html and "Traceback" not in html
    not_found = client.get("/ingenting-har")
    assert not_found.status_code == 404 and "Sidan finns inte" in not_found.get_data(as_text=True)


def test_unexpected_errors_are_logged_without_their_message(app_factory, caplog):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.route("/_boom")
    def boom():
        raise ValueError("Elsa Exempel 20120415-2381")

    app.test_client().get("/_boom")
    assert "ValueError" in caplog.text
    assert "Elsa" not in caplog.text and "20120415" not in caplog.text


def test_session_cookie_is_httponly_and_lax(client, make_user):
    make_user("anna@skola.example")
    response = login(client, "anna@skola.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_over_https(app_factory):
    from portal.config import from_environment

    os.environ["PORTAL_BASE_URL"] = "https://samverkan.kommun.example"
    try:
        config = from_environment(__import__("pathlib").Path(app_factory().instance_path))
    finally:
        del os.environ["PORTAL_BASE_URL"]
    assert config["SESSION_COOKIE_SECURE"] is True


def test_secret_key_is_generated_once_into_instance_and_kept_private(app_factory, tmp_path):
    os.environ.pop("PORTAL_SECRET_KEY", None)
    app = app_factory()
    path = os.path.join(app.instance_path, "secret_key")
    assert os.path.exists(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert app.config["SECRET_KEY"] == open(path).read().strip()
    assert app_factory().config["SECRET_KEY"] == app.config["SECRET_KEY"]
    gitignore = (ROOT / ".gitignore").read_text()
    assert "instance/" in gitignore
