"""Asetukset: operator details and staff accounts, admins only, never showing secrets."""
import pytest

from app.extensions import db
from app.models import Account, AuditEvent, OperatorSettings
from tests.admin.conftest import SECRET

URL = "/hallinta/asetukset"


def test_staff_role_gets_403(staff):
    assert staff.get(URL).status_code == 403
    response = staff.submit(URL, {"name": "X", "mail_domain": "x.fi"}, page="/hallinta/")
    assert response.status_code == 403
    assert db.session.get(OperatorSettings, 1).name == "IPP"


def test_operator_details_are_saved_and_shown_to_customers(admin, make_client):
    data = {"name": "IPP Oy", "phone": "03 450 52", "hours": "ma–pe 9–17", "email": "tuki@ipp.fi",
            "mail_domain": "ipp.fi"}
    assert admin.submit(URL, data).status_code == 303
    assert db.session.get(OperatorSettings, 1).phone == "03 450 52"
    assert "03 450 52" in make_client().get("/kirjaudu").text
    assert db.session.query(AuditEvent).filter_by(action="settings.updated").one().actor_name == "Ylläpito"
    assert admin.submit(URL, {**data, "mail_domain": ""}).status_code == 422


def test_opening_hours_are_shown_in_the_readers_language_or_in_finnish_marked_as_finnish(admin, make_client):
    data = {"name": "IPP", "phone": "03 450 51", "hours": "ma–pe 9–17", "hours_sv": "mån–fre 9–17",
            "hours_en": "", "mail_domain": "ipp.fi"}
    assert admin.submit(URL, {**data, "hours": ""}).status_code == 422  # the Finnish hours are required
    assert admin.submit(URL, data).status_code == 303
    footers = {}
    for lang in ("fi", "sv", "en"):
        reader = make_client()
        reader.set_cookie("lang", lang)
        page = reader.get("/kirjaudu").text
        footers[lang] = page[page.index("<footer"):]
    assert "ma–pe 9–17" in footers["fi"] and 'lang="fi">ma–pe' not in footers["fi"]
    assert "mån–fre 9–17" in footers["sv"] and "ma–pe" not in footers["sv"]
    assert '<span lang="fi">ma–pe 9–17</span>' in footers["en"]  # no English text: the Finnish, marked


def test_page_never_shows_secrets(admin):
    page = admin.get(URL).text
    assert "yllapito" in page
    assert SECRET not in page and "$argon2" not in page


def test_add_staff_then_first_login_sets_up_totp(admin, make_client):
    data = {"username": "Anu", "display_name": "Anu Asiakaspalvelu", "role": "staff",
            "new_password": "Kesainen-Myrsky-Lautta-48"}
    assert admin.submit(f"{URL}/henkilokunta", {**data, "new_password": "lyhyt"}, page=URL).status_code == 422
    assert admin.submit(f"{URL}/henkilokunta", data, page=URL).status_code == 303
    account = db.session.query(Account).filter_by(username="anu").one()
    assert account.role == "staff" and not account.totp_enabled
    assert admin.submit(f"{URL}/henkilokunta", data, page=URL).status_code == 422  # taken
    new = make_client()
    response = new.submit("/hallinta/kirjaudu", {"login": "anu", "password": data["new_password"]})
    assert response.headers["Location"] == "/hallinta/kirjaudu/kayttoonotto"


@pytest.mark.parametrize("action", ["role", "reset_two_factor", "remove"])
def test_change_staff(admin, staff, action):
    member = db.session.query(Account).filter_by(username="asiakaspalvelu").one()
    response = admin.submit(f"{URL}/henkilokunta/{member.id}/{action}", {"role": "admin"}, page=URL)
    assert response.status_code == 303
    member = db.session.query(Account).filter_by(username="asiakaspalvelu").one_or_none()
    if action == "role":
        assert member.role == "admin"
    elif action == "reset_two_factor":
        assert not member.totp_enabled and member.totp_secret is None
        assert staff.get("/hallinta/").status_code == 302  # the session ended
    else:
        assert member is None


def test_admin_cannot_change_own_account_or_customers(admin):
    me = db.session.query(Account).filter_by(username="yllapito").one()
    assert admin.submit(f"{URL}/henkilokunta/{me.id}/remove", page=URL).status_code == 422
    customer = db.session.query(Account).filter(Account.customer_id.isnot(None)).first()
    assert admin.submit(f"{URL}/henkilokunta/{customer.id}/role", {"role": "admin"}, page=URL).status_code == 404
    assert db.session.get(Account, customer.id).role == "customer"
