"""Salasanan vaihto in the console: a staff member changes their own password, as a customer does."""
import pytest

from app.extensions import db
from app.models import Account, AuditEvent
from app.security import verify_password
from tests.conftest import HTMX
from tests.helpers import refused, staff_login

URL = "/hallinta/salasana"
OLD = "Hallinta-Demo-2026-x"
NEW = "Kuusi-Kettua-Lumessa-84"


def yllapito() -> Account:
    db.session.expire_all()
    return db.session.query(Account).filter_by(username="yllapito").one()


def change(client, current=OLD, new=NEW, htmx=False):
    return client.submit(URL, {"current_password": current, "new_password": new}, htmx=htmx)


def test_the_page_is_in_the_console_menu(admin):
    page = admin.get("/hallinta/")
    assert f'href="{URL}"' in page.text
    page = admin.get(URL)
    assert page.status_code == 200 and "<h1>Salasanan vaihto</h1>" in page.text
    assert 'aria-label="Hallinnan valikko"' in page.text and 'autocomplete="current-password"' in page.text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_staff_member_changes_their_password_and_other_sessions_end(admin, make_client, htmx):
    other_device = staff_login(make_client())
    response = change(admin, htmx=htmx)
    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert '<hx-partial hx-target="#status"' in response.text and "Salasanasi on vaihdettu" in response.text
    else:
        assert response.status_code == 303 and response.headers["Location"] == URL
    assert verify_password(yllapito().password_hash, NEW)
    assert admin.get("/hallinta/").status_code == 200  # this session goes on
    assert other_device.get("/hallinta/").status_code == 302  # the other one has ended
    assert db.session.query(AuditEvent).filter_by(action="password.changed").one().actor_name == "Ylläpito"
    staff_login(make_client(), password=NEW)


@pytest.mark.parametrize("current,new,field,message", [
    ("Vaara-Salasana-2026", NEW, "current_password", "Nykyinen salasana on väärä."),
    (OLD, "lyhyt", "new_password", "vähintään 12 merkkiä"),
    (OLD, "salasana123456", "new_password", "liian yleinen"),
    (OLD, "yllapito-yllapito", "new_password", "nimeesi"),
])
def test_the_same_rules_as_for_customers(admin, current, new, field, message):
    before = yllapito().password_hash
    response = change(admin, current, new)
    response = refused(response)
    assert f'id="{field}-error"' in response.text and message in response.text
    assert yllapito().password_hash == before


def test_customers_cannot_use_it(client, demo_data):
    client.login()
    assert client.get(URL).status_code == 403
    response = client.post(URL, data={"current_password": "Lumi-Ranta-Kello-71", "new_password": NEW,
                                      "csrf_token": client.csrf_token("/salasanan-vaihto")}, headers=HTMX)
    assert response.status_code == 403


def test_staff_are_told_the_strength_as_they_type_with_their_own_names_counted(admin):
    page = admin.get(URL).text
    assert 'hx-post="/salasanan-vahvuus"' in page
    weak = admin.submit("/salasanan-vahvuus", {"new_password": "yllapito-yllapito"}, page=URL, htmx=True)
    assert weak.status_code == 200 and "erittäin heikko" in weak.text and "nimeesi" in weak.text
    strong = admin.submit("/salasanan-vahvuus", {"new_password": NEW}, page=URL, htmx=True)
    assert "Salasanan vahvuus: vahva." in strong.text
