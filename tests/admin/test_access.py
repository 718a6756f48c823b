"""Who reaches the console: staff with password and TOTP; customers never; roles on the server."""
import pytest

from app.extensions import db
from app.models import Account, AuditEvent
from app.security import hash_password
from app.services.two_factor import TOTP
from tests.helpers import STAFF_TOTP_SECRET, refused

CONSOLE_PAGES = ["/hallinta/", "/hallinta/asiakkaat", "/hallinta/tilaukset", "/hallinta/palautteet",
                 "/hallinta/tapahtumaloki", "/hallinta/viestit"]


@pytest.mark.parametrize("url", CONSOLE_PAGES)
def test_customer_gets_403_everywhere(client, demo_data, url):
    client.login()
    assert client.get(url).status_code == 403
    assert client.get("/hallinta/kirjaudu").headers["Location"] == "/"  # already logged in: their own pages


@pytest.mark.parametrize("url", CONSOLE_PAGES)
def test_anonymous_goes_to_the_staff_login(client, demo_data, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/hallinta/kirjaudu?next=")


def test_staff_logs_in_with_password_and_totp(client, demo_data):
    response = client.submit("/hallinta/kirjaudu", {"login": "yllapito", "password": "Hallinta-Demo-2026-x"})
    assert response.headers["Location"] == "/kirjaudu/vahvistus"
    assert client.get("/hallinta/").status_code == 302  # not in before the code
    refused(client.submit("/kirjaudu/vahvistus", {"code": "000000"}))
    response = client.submit("/kirjaudu/vahvistus", {"code": TOTP(STAFF_TOTP_SECRET).now()})
    assert response.headers["Location"] == "/hallinta/"
    page = client.get("/hallinta/")
    assert page.status_code == 200
    assert "Yleiskatsaus" in page.text


def test_wrong_password_and_customer_credentials_are_refused(client, demo_data):
    for login, password in [("yllapito", "wrong-password-x"), ("100001", "Lumi-Ranta-Kello-71")]:
        response = client.submit("/hallinta/kirjaudu", {"login": login, "password": password})
        response = refused(response)
        assert "Kirjautumistunnus tai salasana on väärä." in response.text


@pytest.mark.parametrize("url", ["/", "/salasanan-vaihto", "/tilaa", "/tilatut-palvelut", "/mix", "/asiakaspalvelu",
                                 "/kayttajatiedot"])
def test_staff_session_is_not_a_customer_session(admin, url):
    response = admin.get(url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/hallinta/"


def test_first_login_sets_up_totp(client, demo_data):
    db.session.add(Account(username="uusi", display_name="Uusi Työntekijä", role="staff",
                           password_hash=hash_password("Uusi-Tyontekija-Kaakao-9")))
    db.session.commit()
    response = client.submit("/hallinta/kirjaudu", {"login": "uusi", "password": "Uusi-Tyontekija-Kaakao-9"})
    assert response.headers["Location"] == "/hallinta/kirjaudu/kayttoonotto"
    assert client.get("/hallinta/").status_code == 302
    page = client.get("/hallinta/kirjaudu/kayttoonotto")
    assert "<svg" in page.text
    secret = db.session.query(Account).filter_by(username="uusi").one().totp_secret
    refused(client.submit("/hallinta/kirjaudu/kayttoonotto", {"code": "000000"}))
    response = client.submit("/hallinta/kirjaudu/kayttoonotto", {"code": TOTP(secret).now()})
    assert response.status_code == 200
    assert "varakoodi" in response.text.lower()
    assert client.get("/hallinta/").status_code == 200
    account = db.session.query(Account).filter_by(username="uusi").one()
    assert account.totp_enabled


def test_admin_sections_refuse_staff_role(staff):
    assert staff.get("/hallinta/").status_code == 200
    for url in ["/hallinta/tuotteet", "/hallinta/asetukset"]:
        assert staff.get(url).status_code in (403, 404)


def test_login_is_audited_with_the_staff_name(admin):
    event = db.session.query(AuditEvent).filter_by(action="login").order_by(AuditEvent.id.desc()).first()
    assert event.actor_name == "Ylläpito"


def test_console_login_is_rate_limited(client, demo_data):
    for _ in range(10):
        client.submit("/hallinta/kirjaudu", {"login": "yllapito", "password": "wrong-password-x"})
    response = client.submit("/hallinta/kirjaudu", {"login": "yllapito", "password": "Hallinta-Demo-2026-x"})
    assert response.status_code == 429


def test_overview_counts_link_to_queues(admin):
    page = admin.get("/hallinta/")
    assert 'href="/hallinta/tilaukset?status=new"' in page.text
    assert 'href="/hallinta/palautteet?status=new&amp;kind=termination"' in page.text
    assert 'href="/salasanan-vaihto"' not in page.text  # the customer menu is not the console's
