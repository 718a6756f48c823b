"""Asetukset: operator details and staff accounts, admins only, never showing secrets."""
import pytest

from app.extensions import db
from app.models import Account, AuditEvent, Mailbox, OperatorSettings
from tests.helpers import STAFF_TOTP_SECRET, refused

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
    refused(admin.submit(URL, {**data, "mail_domain": ""}))


OPERATOR = {"name": "IPP", "phone": "03 450 51", "hours": "ma–pe 8–16", "email": "asiakaspalvelu@ipp.fi",
            "mail_domain": "ipp.fi"}


def test_staff_edit_the_reserved_addresses(admin, make_client):
    page = admin.get(URL).text
    assert "myynti" in page and "postmaster" in page  # the staff's list, and what is always reserved
    data = {**OPERATOR, "reserved_local_parts": "Kahvila\nmyynti, kahvila;  tarjoukset\n"}
    assert admin.submit(URL, data).status_code == 303
    assert db.session.get(OperatorSettings, 1).reserved_local_parts == "kahvila\nmyynti\ntarjoukset"
    matti = make_client()
    matti.login()
    mailbox = db.session.query(Mailbox).filter_by(address="matti.virtanen@ipp.fi").one()
    alias = f"/sahkoposti/{mailbox.id}/aliakset"
    answer = matti.submit(alias, {f"m{mailbox.id}-al-local_part": "kah-vila"}, page="/sahkoposti")
    page = refused(answer)
    assert "on varattu" in page.text
    assert admin.submit(URL, {**data, "reserved_local_parts": "myynti"}).status_code == 303
    assert matti.submit(alias, {f"m{mailbox.id}-al-local_part": "kahvila"}, page="/sahkoposti").status_code == 303


@pytest.mark.parametrize("entry", ["ääkkönen", "two@words", "-alku", "x" * 65])
def test_a_wrong_reserved_address_is_shown_next_to_the_list(admin, entry):
    before = db.session.get(OperatorSettings, 1).reserved_local_parts
    response = admin.submit(URL, {**OPERATOR, "phone": "03 450 99", "reserved_local_parts": f"kahvila\n{entry}"})
    response = refused(response)
    assert 'id="reserved_local_parts-error"' in response.text and "ei ole osoitteen alkuosa" in response.text
    assert "kahvila" in response.text  # what was typed is kept
    db.session.expire_all()
    settings = db.session.get(OperatorSettings, 1)
    assert settings.reserved_local_parts == before and settings.phone == "03 450 51"
@pytest.mark.parametrize(("typed", "stored"), [("IPP.FI", "ipp.fi"), (" Ipp.fi ", "ipp.fi"),
                                                ("äänekoski.fi", "xn--nekoski-4waa.fi"), ("<x>.fi", None),
                                                ("ipp", None), ("-ipp.fi", None), ("ipp..fi", None),
                                                ("ipp.fi/x", None)])
def test_the_mail_domain_is_a_domain_name_as_the_mail_servers_write_it(admin, typed, stored):
    """The domain goes into mailbox addresses and the mail servers' lookups, which compare it as written."""
    response = admin.submit(URL, {**OPERATOR, "mail_domain": typed})
    db.session.expire_all()
    if stored:
        assert response.status_code == 303
        assert db.session.get(OperatorSettings, 1).mail_domain == stored
    else:
        page = refused(response).text
        assert 'id="mail_domain-error"' in page and "Kirjoita verkkotunnus, esimerkiksi ipp.fi." in page
        assert db.session.get(OperatorSettings, 1).mail_domain == "ipp.fi"


def test_opening_hours_are_shown_in_the_readers_language_or_in_finnish_marked_as_finnish(admin, make_client):
    data = {"name": "IPP", "phone": "03 450 51", "hours": "ma–pe 9–17", "hours_sv": "mån–fre 9–17",
            "hours_en": "", "mail_domain": "ipp.fi"}
    refused(admin.submit(URL, {**data, "hours": ""}))  # the Finnish hours are required
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
    assert STAFF_TOTP_SECRET not in page and "$argon2" not in page


def test_add_staff_then_first_login_sets_up_totp(admin, make_client):
    data = {"username": "Anu", "display_name": "Anu Asiakaspalvelu", "role": "staff",
            "new_password": "Kesainen-Myrsky-Lautta-48"}
    refused(admin.submit(f"{URL}/henkilokunta", {**data, "new_password": "lyhyt"}, page=URL))
    every = refused(admin.submit(f"{URL}/henkilokunta", {**data, "username": "", "display_name": "",
                                                          "new_password": "abc"}, page=URL)).text
    for field in ("username", "display_name", "new_password"):  # the weak password with the rest
        assert f'id="{field}-error"' in every, field
    assert admin.submit(f"{URL}/henkilokunta", data, page=URL).status_code == 303
    account = db.session.query(Account).filter_by(username="anu").one()
    assert account.role == "staff" and not account.totp_enabled
    refused(admin.submit(f"{URL}/henkilokunta", data, page=URL))  # taken
    new = make_client()
    response = new.submit("/hallinta/kirjaudu", {"login": "anu", "password": data["new_password"]})
    assert response.headers["Location"] == "/hallinta/kirjaudu/kayttoonotto"


def test_the_first_admin_of_a_new_installation_is_added_from_the_command_line(runner, make_client):
    """An empty database has no staff, and only an admin adds staff in the console."""
    password = "Kesainen-Myrsky-Lautta-48"
    weak = runner.invoke(args=["add-admin", "Paula", "Paula Pääkäyttäjä", "--password", "lyhyt"])
    assert weak.exit_code == 1 and db.session.query(Account).count() == 0
    added = runner.invoke(args=["add-admin", "Paula", "Paula Pääkäyttäjä"], input=f"{password}\n{password}\n")
    assert added.exit_code == 0, added.output
    account = db.session.query(Account).filter_by(username="paula").one()
    assert account.role == "admin" and not account.totp_enabled
    assert runner.invoke(args=["add-admin", "paula", "Toinen", "--password", password]).exit_code == 1  # taken
    response = make_client().submit("/hallinta/kirjaudu", {"login": "paula", "password": password})
    assert response.headers["Location"] == "/hallinta/kirjaudu/kayttoonotto"  # two-step login first


@pytest.mark.parametrize("username", ["100002", "matti.virtanen@example.fi", "has space", "<b>"])
def test_a_username_that_could_not_log_in_is_refused(admin, username):
    """The login finds a customer by number or email first: a username like one could never log in."""
    data = {"username": username, "display_name": "Uusi", "role": "staff", "new_password": "Kesainen-Myrsky-Lautta-48"}
    response = refused(admin.submit(f"{URL}/henkilokunta", data, page=URL))
    assert "vähintään yksi kirjain" in response.text
    assert db.session.query(Account).filter(Account.display_name == "Uusi").count() == 0


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
    refused(admin.submit(f"{URL}/henkilokunta/{me.id}/remove", page=URL))
    customer = db.session.query(Account).filter(Account.customer_id.isnot(None)).first()
    assert admin.submit(f"{URL}/henkilokunta/{customer.id}/role", {"role": "admin"}, page=URL).status_code == 404
    assert db.session.get(Account, customer.id).role == "customer"
