"""What every response carries: compression, cacheable static files, error pages in Finnish, and
pages within the size budget (security headers: tests/security/test_headers.py)."""
import gzip
import re

import pytest

from app import create_app

BUDGET_HTML = 8 * 1024
BUDGET_CSS = 6 * 1024


def test_pages_are_not_cached_and_static_files_are_cached_for_a_year(client):
    page = client.get("/kirjaudu")
    assert page.headers["Cache-Control"] == "no-store"
    css_url = page.text.split('rel="stylesheet" href="')[1].split('"')[0]
    assert "?v=" in css_url
    css = client.get(css_url)
    assert css.status_code == 200
    assert "immutable" in css.headers["Cache-Control"] and "max-age=31536000" in css.headers["Cache-Control"]
    # Another version (an old server asked for the new one, in a rolling upgrade) or none is not kept.
    for other in (css_url.split("?")[0] + "?v=000000000000", css_url.split("?")[0]):
        assert client.get(other).headers["Cache-Control"] == "no-store", other


def test_static_files_leave_the_session_alone(client, demo_data):
    """A cached file that set the session cookie, or varied on it, would be fetched again on every page."""
    client.login()
    page = client.get("/")
    assert "Set-Cookie" in page.headers  # the idle timeout restarts on every page
    for url in (page.text.split('rel="stylesheet" href="')[1].split('"')[0],
                page.text.split('<script src="')[1].split('"')[0]):
        static = client.get(url)
        assert static.status_code == 200
        assert "Set-Cookie" not in static.headers
        assert "Cookie" not in static.headers.get("Vary", "")


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_rejected_forms_and_error_pages_are_compressed_too(client, encoding):
    """A refused form's page (shown by the GET after its redirect) and an error page."""
    headers = {"Accept-Encoding": encoding}
    form = {"login": "", "password": "", "csrf_token": client.csrf_token("/kirjaudu")}
    rejected = client.get(client.post("/kirjaudu", data=form, headers=headers).location, headers=headers)
    missing = client.get("/ei-ole", headers=headers)
    for response, status in ((rejected, 200), (missing, 404)):
        assert response.status_code == status
        assert response.headers["Content-Encoding"] == encoding


def test_every_page_loads_one_script_holding_htmx_and_our_own(client, demo_data):
    """A first visit is three requests: the page, the style sheet and this one script."""
    client.login()
    page = client.get("/asiakaspalvelu").text
    assert page.count("<script") == 1
    script = client.get(page.split('<script src="')[1].split('"')[0])
    assert script.mimetype == "text/javascript"
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert script.text.startswith("var htmx") and "message-count" in script.text


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
    assert "Liian paljon tietoa" in response.text and "Enimmäiskoko on 1 Mt." in response.text


def test_unexpected_error_gets_a_finnish_500_page_without_a_trace(app, client, monkeypatch):
    from app.blueprints.auth import routes

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(routes, "render", explode)
    response = client.get("/kirjaudu")
    assert response.status_code == 500
    assert "Jokin meni vikaan" in response.text and "boom" not in response.text


def test_database_outage_gets_a_503_page_and_a_line_in_the_log(client, monkeypatch, caplog):
    from sqlalchemy.exc import OperationalError

    from app.services import accounts

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(accounts, "find_account", down)
    response = client.submit("/kirjaudu", {"login": "100001", "password": "whatever-it-is"})
    assert response.status_code == 503
    assert "tilapäisesti" in response.text
    assert "database unavailable: connection refused" in caplog.text


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": None})


def test_mail_viewer_exists_only_in_development(app):
    assert "dev.mail_index" not in app.view_functions


@pytest.mark.parametrize("url", ["/asiakaspalvelu/viesti/%00", "/tilaa?ryhma=%00", "/tilaa?x=1&x=a%00"])
def test_a_nul_character_in_the_address_is_a_bad_request_in_finnish(client, demo_data, url):
    """Postgres cannot compare NUL in text; it once reached a query and ended in a 500 there."""
    client.login()
    response = client.get(url)
    assert response.status_code == 400
    assert "Pyynnössä oli virhe" in response.text and "Lomake on ehkä vanhentunut" not in response.text  # no form


def regions(text: str) -> tuple[str, str]:
    """The status region's and the alert region's contents, in a page or in an htmx answer's partials."""
    def region(name: str, role: str) -> str:
        opening = f'(?:id="{name}" class="messages" role="{role}"|hx-target="#{name}" hx-swap="innerHTML")>'
        return re.search(opening + "(.*?)</(?:div|hx-partial)>", text, re.S).group(1)
    return region("status", "status"), region("alerts", "alert")


def test_being_asked_to_log_in_is_said_once_however_many_pages_asked(client, demo_data):
    for path in ("/tilaa", "/laskut", "/mix"):
        assert client.get(path).status_code == 302
    status, _alerts = regions(client.get("/kirjaudu").text)
    assert status.count("Kirjaudu ensin sisään.") == 1


def test_messages_are_of_three_kinds_each_in_its_region(client, demo_data):
    # Information: being asked to log in is neither a success nor an error.
    status, alerts = regions(client.get(client.get("/").location).text)
    assert '<p class="info">Kirjaudu ensin sisään.</p>' in status and alerts == ""
    # A success is a status, green.
    client.login()
    client.submit("/salasanan-vaihto", {"current_password": "Lumi-Ranta-Kello-71",
                                        "new_password": "Kahvi-Purjevene-Lokakuu-9"})
    status, alerts = regions(client.get("/").text)
    assert '<p class="success">Salasanasi on vaihdettu.' in status and alerts == ""
    # Errors are alerts, in both renderings: the form's count with htmx, a refusal the page says.
    response = client.submit("/salasanan-vaihto", {"current_password": "", "new_password": ""}, htmx=True)
    status, alerts = regions(response.text)
    assert status == "" and '<p class="error">Tarkista lomake: 2 kenttää vaatii huomiota.</p>' in alerts
    response = client.get("/ei-ole-olemassa", headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    status, alerts = regions(response.text)
    assert status == "" and alerts.startswith('<p class="error">Sivua ei löydy.')
