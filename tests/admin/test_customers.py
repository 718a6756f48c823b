"""Asiakkaat: search, the customer's page, edits, links, two-factor reset, closing."""
import html
import json
import re
from datetime import date

import pytest

from app.extensions import db
from app.models import Account, AuditEvent, Customer, MailAlias, Mailbox, OutboxMessage, PayTvCard
from app.services import customers, mailboxes, outbox, two_factor
from app.services.two_factor import TOTP
from tests.helpers import STAFF_TOTP_SECRET, customer_id, refused, statements


def test_search_by_number_name_email_phone(admin):
    for query in ["100001", "matti", "Virtanen"[:0] + "Matti V", "matti.virtanen@", "040 123"]:
        page = admin.get("/hallinta/asiakkaat", query_string={"q": query})
        assert "Matti Virtanen" in page.text, query
        assert "Liisa Korhonen" not in page.text, query


@pytest.mark.parametrize("query, found", [
    ("Virtanen", "Matti Virtanen"), ("virt", "Matti Virtanen"), ("VIRTANEN m", "Matti Virtanen"),
    ("Mäki", "Anna Mäkinen"), ("maki", "Anna Mäkinen"), ("MÄKINEN anna", "Anna Mäkinen"),
    ("0401234567", "Matti Virtanen"), ("+358 40 123", "Matti Virtanen"), ("040-123 45", "Matti Virtanen"),
    ("00358401234567", "Matti Virtanen"), ("358 40 1234567", "Matti Virtanen"), ("(050) 765", "Liisa Korhonen"),
])
def test_search_by_any_word_of_the_name_and_the_phone_in_any_format(admin, query, found):
    page = admin.get("/hallinta/asiakkaat", query_string={"q": query}).text
    assert found in page, query
    others = {"Matti Virtanen", "Liisa Korhonen", "Pekka Nieminen", "Anna Mäkinen"} - {found}
    assert not [name for name in others if name in page], query


def test_search_follows_a_changed_name_and_phone(admin):
    customer = db.session.query(Customer).filter_by(customer_number="100002").one()
    customers.update_contact(customer, name="Liisa Åström-Järvi", phone="+358 44 987 6543", email=customer.email,
                             street_address="", postal_code="", city="", locale="fi")
    for query in ("astrom", "Järvi", "jarvi liisa", "044 987", "+358449876543"):
        assert "Liisa Åström-Järvi" in admin.get("/hallinta/asiakkaat", query_string={"q": query}).text, query
    for query in ("Korhonen", "050 765"):
        assert "Liisa" not in admin.get("/hallinta/asiakkaat", query_string={"q": query}).text, query


def test_search_pages_with_constant_statement_count(admin):
    db.session.add_all([Customer(customer_number=f"2{n:05d}", name=f"Testi Asiakas {n}") for n in range(120)])
    db.session.commit()
    with statements() as small:
        first = admin.get("/hallinta/asiakkaat?q=2")
    assert "Sivu 1/5, yhteensä 120" in first.text
    assert 'rel="next"' in first.text
    with statements() as last:
        page5 = admin.get("/hallinta/asiakkaat?q=2&sivu=5")
    assert "Testi Asiakas 119" in page5.text
    assert len(small) == len(last)


def test_customer_page_shows_everything_without_secrets(admin):
    account = db.session.query(Account).join(Customer).filter(Customer.customer_number == "100001").one()
    two_factor.enable(account, STAFF_TOTP_SECRET, TOTP(STAFF_TOTP_SECRET).now())
    page = admin.get(f"/hallinta/asiakkaat/{customer_id()}")
    assert page.status_code == 200
    for text in ["Matti Virtanen", "Liittymäsopimus", "0100 2345 6789", "MIX 6", "matti.virtanen@ipp.fi",
                 "kaksivaiheinen kirjautuminen käytössä"]:
        assert text in page.text, text
    assert STAFF_TOTP_SECRET not in page.text
    assert "$argon2" not in page.text


def test_customer_page_statement_count_is_bounded(admin):
    with statements() as counter:
        admin.get(f"/hallinta/asiakkaat/{customer_id()}")
    assert len(counter) <= 16


def test_unknown_customer_is_404(admin):
    assert admin.get("/hallinta/asiakkaat/999999").status_code == 404


def test_edit_contact_details_is_audited_as_staff(admin):
    url = f"/hallinta/asiakkaat/{customer_id()}/muokkaa"
    response = admin.submit(url, {"name": "Matti Virtanen", "street_address": "Uusikatu 1", "postal_code": "33200",
                                  "city": "Tampere", "phone": "040 999 1234", "email": "matti@example.fi",
                                  "locale": "fi"})
    assert response.status_code == 303
    customer = db.session.get(Customer, customer_id())
    assert customer.street_address == "Uusikatu 1"
    assert customer.email == "matti@example.fi"
    event = db.session.query(AuditEvent).filter_by(action="customer.updated").one()
    assert event.actor_name == "Ylläpito"


def test_a_phone_and_postal_code_the_outage_notices_could_not_use_are_refused_on_their_fields(admin):
    """Outages are told by postal code and by text message: the console takes a postal code of five digits
    and a phone number in any usual way of writing it, stored in international format."""
    url = f"/hallinta/asiakkaat/{customer_id()}/muokkaa"
    page = refused(admin.submit(url, {**CONTACT, "postal_code": "331 00", "phone": "040 12", "city": "Nokia"})).text
    assert "Postinumero on viisi numeroa, esimerkiksi 33100." in page
    assert "Tarkista puhelinnumero" in page
    assert 'value="Nokia"' in page and 'value="331 00"' in page  # what was typed stays
    assert db.session.get(Customer, customer_id()).city == "Tampere"
    for digits in ("٣٣١٠٠", "３３１００"):  # five digits, but not the ones outages are given in
        assert "Postinumero on viisi numeroa" in refused(admin.submit(url, {**CONTACT, "postal_code": digits})).text
    assert admin.submit(url, {**CONTACT, "phone": "0401234567"}).status_code == 303
    assert db.session.get(Customer, customer_id()).phone == "+358 40 1234567"


CONTACT = {"name": "Matti Virtanen", "street_address": "Hämeenkatu 10 A 5", "postal_code": "33100", "city": "Tampere",
           "phone": "040 123 4567", "email": "matti.virtanen@example.fi", "locale": "fi"}


def test_a_choice_not_offered_is_refused_in_the_portals_words(admin):
    """Only a request made by hand sends one; the refusal is the portal's own, in the page's language."""
    url = f"/hallinta/asiakkaat/{customer_id()}/muokkaa"
    assert "Valitse annetuista vaihtoehdoista." in refused(admin.submit(url, {**CONTACT, "locale": "de"})).text
    admin.submit("/kieli", {"lang": "sv", "next": url}, page=url)
    assert "Välj bland de givna alternativen." in refused(admin.submit(url, {**CONTACT, "locale": "de"})).text
    keys = "/hallinta/lisenssiavaimet"
    refusal = refused(admin.submit(keys, {"product_id": "x", "keys": "KEY-1"})).text
    assert "Välj bland de givna alternativen." in refusal and "Invalid Choice" not in refusal


def test_a_staff_change_of_the_email_tells_the_old_address(admin, smtp):
    url = f"/hallinta/asiakkaat/{customer_id()}/muokkaa"
    assert admin.submit(url, {**CONTACT, "city": "Nokia"}).status_code == 303
    assert db.session.query(OutboxMessage).filter_by(channel="email").count() == 0  # the address stayed
    assert admin.submit(url, {**CONTACT, "email": "Matti@Example.fi", "locale": "sv"}).status_code == 303
    outbox.deliver_due()
    [notice] = smtp.messages
    assert notice["To"] == "matti.virtanen@example.fi" and smtp.recipients == [["matti.virtanen@example.fi"]]
    assert notice["Subject"] == "E-postadressen för ditt Omahallinta-konto har bytts"  # the customer's new language
    assert "matti@example.fi" not in notice.get_content()  # the new address is not told to the old one
    assert db.session.get(Customer, customer_id()).email == "matti@example.fi"


def test_a_change_made_while_the_form_was_open_stays_where_the_form_left_the_field(admin):
    """The API (or another tab) moved the customer while the staff corrected the name: saving the name
    does not put the old street address back; a field the staff changed is written."""
    url = f"/hallinta/asiakkaat/{customer_id()}/muokkaa"
    page = admin.get(url).text
    shown = html.unescape(re.search(r'<input[^>]* name="shown"[^>]* value="([^"]*)"', page).group(1))
    assert json.loads(shown)["street_address"] == "Hämeenkatu 10 A 5"
    customer = db.session.get(Customer, customer_id())
    customers.update_contact(customer, **{**CONTACT, "street_address": "API-katu 99", "phone": "+358 40 1234567"})
    response = admin.submit(url, {**CONTACT, "name": "Matti Ville Virtanen", "city": "Nokia", "shown": shown})
    assert response.status_code == 303
    db.session.expire_all()
    customer = db.session.get(Customer, customer_id())
    assert (customer.name, customer.street_address, customer.city) == ("Matti Ville Virtanen", "API-katu 99", "Nokia")
    event = db.session.query(AuditEvent).filter_by(action="customer.updated").order_by(AuditEvent.id.desc()).first()
    assert event.details["fields"] == ["city", "name"]


def test_edit_refuses_another_customers_email(admin):
    url = f"/hallinta/asiakkaat/{customer_id()}/muokkaa"
    response = admin.submit(url, {"name": "Matti Virtanen", "email": "liisa.korhonen@example.fi", "locale": "fi"})
    response = refused(response)
    assert "toisella asiakkaalla" in response.text
    assert db.session.get(Customer, customer_id()).email == "matti.virtanen@example.fi"


def test_agreements_and_cards(admin):
    cid = customer_id("100004")
    url = f"/hallinta/asiakkaat/{cid}"
    response = admin.submit(f"{url}/sopimukset", {"new-agreement-kind": "service",
                                                  "new-agreement-valid_from": "2026-01-01"}, page=url)
    assert response.status_code == 303
    customer = db.session.get(Customer, cid)
    assert customer.may_log_in(date(2026, 6, 1))
    agreement = customer.agreements[0]
    response = admin.submit(f"{url}/sopimukset/{agreement.id}", {
        f"agreement-{agreement.id}-kind": agreement.kind, f"agreement-{agreement.id}-valid_from": "2018-01-01",
        f"agreement-{agreement.id}-valid_until": "2017-01-01"}, page=url)
    response = refused(response)
    response = admin.submit(f"{url}/kortit", {"new-card-card_number": "0100 9999 0000",
                                             "new-card-valid_until": "2028-12-31"}, page=url)
    assert response.status_code == 303
    card = db.session.query(PayTvCard).filter_by(card_number="0100 9999 0000").one()
    assert card.customer_id == cid
    for written in ("0100 2345 6789", "0100-2345-6789", "010023456789"):  # Matti's card, however written
        response = admin.submit(f"{url}/kortit", {"new-card-card_number": written,
                                                 "new-card-valid_until": "2028-12-31"}, page=url)
        assert "Tämä kortin numero on jo käytössä." in refused(response).text
    for not_a_number in ("x", "-1", "<b>1</b>", "０１００２３４５", "12345", "0100--2345"):
        response = admin.submit(f"{url}/kortit", {"new-card-card_number": not_a_number,
                                                 "new-card-valid_until": "2028-12-31"}, page=url)
        page = refused(response).text
        assert "Kortin numerossa on 6–20 numeroa, esimerkiksi 0100 2345 6789." in page, not_a_number
    response = admin.submit(f"{url}/kortit", {"new-card-card_number": "0100-5555-77",
                                             "new-card-valid_until": "2028-12-31"}, page=url)
    assert response.status_code == 303
    assert db.session.query(PayTvCard).filter_by(card_number="0100 5555 77").one().customer_id == cid


def test_a_second_agreement_of_a_kind_in_force_at_once_is_refused(admin):
    matti = db.session.get(Customer, customer_id())
    url = f"/hallinta/asiakkaat/{matti.id}"
    before = len(matti.agreements)
    response = refused(admin.submit(f"{url}/sopimukset", {"new-agreement-kind": "connection",
                                                          "new-agreement-valid_from": "2030-01-01"}, page=url))
    assert "Asiakkaalla on jo tämänlaatuinen sopimus osan tästä ajasta" in response.text
    db.session.expire_all()
    assert len(db.session.get(Customer, matti.id).agreements) == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_refused_row_keeps_what_was_typed_in_its_own_row(admin, htmx):
    """The row's dates as typed, its message above the rows and pointed to by the field; the form that
    adds a row stays empty and closed, and no id is on the page twice."""
    matti = db.session.get(Customer, customer_id())
    url = f"/hallinta/asiakkaat/{matti.id}"
    agreement, card = matti.agreements[0], matti.pay_tv_cards[0]
    for path, data, field, message in (
            (f"{url}/sopimukset/{agreement.id}", {f"agreement-{agreement.id}-kind": agreement.kind,
                                                  f"agreement-{agreement.id}-valid_from": "2019-03-01",
                                                  f"agreement-{agreement.id}-valid_until": "2018-01-01"},
             f"agreement-{agreement.id}-valid_until", "Päättymispäivä on ennen alkamispäivää."),
            (f"{url}/kortit/{card.id}", {f"card-{card.id}-valid_until": "9999-01-01"},
             f"card-{card.id}-valid_until", "Tarkista päivämäärä.")):
        page = refused(admin.submit(path, data, page=url, htmx=htmx)).text
        row = field.rsplit("-", 1)[0]
        assert f'<div class="alert" role="alert" id="{row}-errors">' in page and message in page
        typed = re.search(rf'<input [^>]*id="{field}"[^>]*>', page).group(0)
        assert f'value="{data[field]}"' in typed and f'aria-describedby="{row}-errors"' in typed
        assert "autofocus" in typed  # the pressed button stays, but focus goes where the fix is
        ids = re.findall(r' id="([^"]+)"', page)
        assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
        assert "<details open>" not in page
    db.session.expire_all()
    assert db.session.get(PayTvCard, card.id).valid_until == card.valid_until


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01", "1.1.2026"])
def test_a_date_outside_1900_to_2199_or_not_a_date_is_refused_in_the_portals_words(admin, day):
    cid = customer_id("100004")
    url = f"/hallinta/asiakkaat/{cid}"
    before = len(db.session.get(Customer, cid).agreements)
    response = refused(admin.submit(f"{url}/sopimukset", {"new-agreement-kind": "service",
                                                          "new-agreement-valid_from": day}, page=url))
    assert "Tarkista päivämäärä." in response.text
    db.session.expire_all()
    assert len(db.session.get(Customer, cid).agreements) == before


def test_row_of_another_customer_is_404(admin):
    matti = db.session.get(Customer, customer_id())
    card = matti.pay_tv_cards[0]
    liisa = customer_id("100002")
    response = admin.submit(f"/hallinta/asiakkaat/{liisa}/kortit/{card.id}",
                            {f"card-{card.id}-valid_until": "2020-01-01"}, page=f"/hallinta/asiakkaat/{liisa}")
    assert response.status_code == 404


def test_reset_link_and_invitation(admin, smtp):
    cid = customer_id()
    url = f"/hallinta/asiakkaat/{cid}"
    page = admin.get(url).text  # a customer with a password is sent a reset link, not an invitation
    assert f'action="{url}/salasanalinkki"' in page and f'action="{url}/kutsu"' not in page
    assert admin.submit(f"{url}/salasanalinkki", page=url).status_code == 303
    refused(admin.submit(f"{url}/kutsu", page=url))  # has a password already
    db.session.add(Customer(customer_number="100010", name="Uusi Asiakas", email="uusi@example.fi"))
    db.session.commit()
    new = customer_id("100010")
    page = admin.get(f"/hallinta/asiakkaat/{new}").text
    assert f'action="/hallinta/asiakkaat/{new}/kutsu"' in page and "/salasanalinkki" not in page
    assert admin.submit(f"/hallinta/asiakkaat/{new}/kutsu", page=f"/hallinta/asiakkaat/{new}").status_code == 303
    from app.services import outbox
    outbox.deliver_due()
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert len(subjects) == 2
    assert any("/uusi-salasana/" in m.get_content() for m in smtp.messages)
    assert any("/kutsu/" in m.get_content() for m in smtp.messages)
    actors = {e.action: e.actor_name for e in db.session.query(AuditEvent)}
    assert actors["password.reset_sent"] == "Ylläpito"
    assert actors["account.invited"] == "Ylläpito"


def test_two_factor_reset(admin):
    account = db.session.query(Account).join(Customer).filter(Customer.customer_number == "100001").one()
    two_factor.enable(account, STAFF_TOTP_SECRET, TOTP(STAFF_TOTP_SECRET).now())
    url = f"/hallinta/asiakkaat/{customer_id()}"
    assert "Poista kaksivaiheinen kirjautuminen" in admin.get(url).text
    assert admin.submit(f"{url}/kaksivaiheinen", page=url).status_code == 303
    account = db.session.query(Account).join(Customer).filter(Customer.customer_number == "100001").one()
    assert not account.totp_enabled and account.totp_secret is None
    assert "Poista kaksivaiheinen kirjautuminen" not in admin.get(url).text  # offered only where it is on
    refused(admin.submit(f"{url}/kaksivaiheinen", page=url))


def test_close_account_needs_confirmation_and_ends_sessions(admin, make_client):
    customer_client = make_client()
    customer_client.login()
    url = f"/hallinta/asiakkaat/{customer_id()}"
    refused(admin.submit(f"{url}/sulje", {}, page=url))
    assert db.session.get(Customer, customer_id()).status == "active"
    assert "Lähetä salasanan palautuslinkki" in admin.get(url).text
    assert admin.submit(f"{url}/sulje", {"confirm": "y"}, page=url).status_code == 303
    assert db.session.get(Customer, customer_id()).status == "closed"
    assert customer_client.get("/").status_code == 302
    assert db.session.query(OutboxMessage).count() == 0
    page = admin.get(url).text  # a closed customer cannot log in: no link to offer
    assert "Lähetä salasanan palautuslinkki" not in page and "Lähetä kutsu" not in page


@pytest.mark.parametrize("url", ["/hallinta/asiakkaat/{cid}/sulje", "/hallinta/asiakkaat/{cid}/kutsu"])
def test_customer_cannot_post_console_actions(client, demo_data, url):
    client.login()
    response = client.submit(url.format(cid=customer_id()), {"confirm": "y"}, page="/salasanan-vaihto")
    assert response.status_code == 403
    assert db.session.get(Customer, customer_id()).status == "active"


def test_staff_remove_a_customers_mailbox_and_its_mail(admin):
    """What customers ask customer service for (their page says so): the mailbox and its aliases go, the
    mail system is told to remove the mail, the address is free again; another customer's id is 404."""
    matti, liisa = customer_id(), customer_id("100002")
    mailbox = db.session.query(Mailbox).filter_by(customer_id=matti).first()
    mailbox_id, address, url = mailbox.id, mailbox.address, f"/hallinta/asiakkaat/{matti}"
    mailboxes.add_alias(mailbox, "matti.alias")
    page = admin.get(url).text
    assert f"Poista {address} ja sen posti" in page
    assert admin.submit(f"/hallinta/asiakkaat/{liisa}/postilaatikot/{mailbox.id}/poista", page=url).status_code == 404
    response = admin.submit(f"{url}/postilaatikot/{mailbox.id}/poista", page=url)
    assert response.status_code == 303 and response.location == f"{url}#mailboxes"
    assert f"Sähköpostilaatikko {address} ja sen posti on poistettu." in admin.get(url).text
    db.session.expire_all()
    assert db.session.get(Mailbox, mailbox_id) is None and db.session.query(MailAlias).count() == 0
    event = db.session.query(OutboxMessage).filter_by(topic="mailbox.changed").order_by(OutboxMessage.id.desc()).first()
    assert event.payload["data"]["action"] == "deleted" and event.payload["data"]["mailbox"]["address"] == address
    assert db.session.query(AuditEvent).filter_by(action="mailbox.deleted").one().actor_name == "Ylläpito"
