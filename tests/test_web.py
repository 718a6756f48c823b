"""What every response carries: security headers, compression, cacheable static files,
error pages in Finnish, and pages within the size budget."""
import gzip

import pytest

from app import create_app

BUDGET_HTML = 8 * 1024
BUDGET_CSS = 6 * 1024


def test_security_headers_on_every_response(client, demo_data):
    for url in ("/kirjaudu", "/ei-ole", "/static/app.css"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain HTTP here


def test_hsts_when_served_over_https(client):
    response = client.get("/kirjaudu", base_url="https://oma.example.fi")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_pages_are_not_cached_and_static_files_are_cached_for_a_year(client):
    page = client.get("/kirjaudu")
    assert page.headers["Cache-Control"] == "no-store"
    css_url = page.text.split('rel="stylesheet" href="')[1].split('"')[0]
    assert "?v=" in css_url
    css = client.get(css_url)
    assert css.status_code == 200
    assert "immutable" in css.headers["Cache-Control"] and "max-age=31536000" in css.headers["Cache-Control"]


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_html_and_static_files_are_compressed(client, encoding):
    page = client.get("/kirjaudu", headers={"Accept-Encoding": encoding})
    assert page.headers["Content-Encoding"] == encoding
    js_url = client.get("/kirjaudu").text.split('<script src="')[1].split('"')[0]
    script = client.get(js_url, headers={"Accept-Encoding": encoding})
    assert script.headers["Content-Encoding"] == encoding
    assert len(script.data) < 16 * 1024


def test_htmx_is_vendored_pinned_with_its_licence(app):
    from pathlib import Path

    static = Path(app.static_folder)
    assert (static / "vendor" / "htmx-4.0.1.min.js").read_text().startswith("var htmx")
    assert "BSD" in (static / "vendor" / "htmx-LICENSE.txt").read_text() or "Zero-Clause" in (
        static / "vendor" / "htmx-LICENSE.txt").read_text()


def gzipped_size(body: bytes) -> int:
    return len(gzip.compress(body, 6))


def test_pages_and_css_are_within_the_budget(client, demo_data):
    assert gzipped_size(client.get("/kirjaudu").data) <= BUDGET_HTML
    client.login()
    assert gzipped_size(client.get("/").data) <= BUDGET_HTML
    css_url = client.get("/").text.split('rel="stylesheet" href="')[1].split('"')[0]
    assert gzipped_size(client.get(css_url).data) <= BUDGET_CSS


def test_error_pages_are_finnish_and_inside_the_layout(client):
    response = client.get("/ei-ole-olemassa")
    assert response.status_code == 404
    assert "Sivua ei löydy" in response.text and 'role="status"' in response.text


def test_too_large_request_gets_413(client):
    response = client.post("/kirjaudu", data={"login": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413
    assert "Liian paljon tietoa" in response.text


def test_unexpected_error_gets_a_finnish_500_page_without_a_trace(app, client, monkeypatch):
    from app.blueprints.auth import routes

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(routes, "render", explode)
    response = client.get("/kirjaudu")
    assert response.status_code == 500
    assert "Jokin meni vikaan" in response.text and "boom" not in response.text


def test_database_outage_gets_a_503_page(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.services import accounts

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(accounts, "find_account", down)
    response = client.submit("/kirjaudu", {"login": "100001", "password": "whatever-it-is"})
    assert response.status_code == 503
    assert "tilapäisesti" in response.text


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": None})


def test_mail_viewer_exists_only_in_development(app):
    assert "dev.mail_index" not in app.view_functions
