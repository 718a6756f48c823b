"""/sahkoposti through HTTP: both renderings of every form, 422s that change nothing, IDOR, budgets."""
import gzip
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Customer, MailAlias, Mailbox, OperatorSettings, OutboxMessage
from app.models.base import today
from app.services import mailboxes
from tests.helpers import page_statements, refused

PAGE = "/sahkoposti"
PASSWORD = "Kissa-Koira-Hevonen-77"


def box(address: str = "matti.virtanen@ipp.fi") -> Mailbox:
    return db.session.scalar(select(Mailbox).where(Mailbox.address == address))


def snapshot() -> tuple:
    """Everything a mailbox change may touch."""
    rows = db.session.execute(select(Mailbox.address, Mailbox.password_hash, Mailbox.active, Mailbox.keep_copy,
                                     Mailbox.autoreply_enabled, Mailbox.autoreply_subject, Mailbox.autoreply_body,
                                     Mailbox.autoreply_from, Mailbox.autoreply_until).order_by(Mailbox.id)).all()
    aliases = db.session.execute(select(MailAlias.kind, MailAlias.address, MailAlias.goto).order_by(MailAlias.id)).all()
    counts = [db.session.scalar(select(func.count()).select_from(t)) for t in (AuditEvent, OutboxMessage)]
    db.session.rollback()
    return rows, aliases, counts


def send(client, url: str, data: dict, htmx: bool = False):
    return client.submit(url, data, page=PAGE, htmx=htmx)


def assert_partial(response, status: int, message: str | None = None):
    assert response.status_code == status, response.text
    assert "<html" not in response.text
    assert '<hx-partial hx-target="#status"' in response.text
    if message:
        assert message in response.text
    assert len(gzip.compress(response.data)) <= 2048


@pytest.fixture
def matti(client, demo_data):
    client.login()
    return client


@pytest.fixture
def mid(matti) -> int:
    return box().id


def test_page_needs_login(client, demo_data):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/kirjaudu" in response.headers["Location"]


def test_page_shows_the_mailboxes_and_what_the_plan_allows(matti, mid):
    page = matti.get(PAGE)
    assert page.status_code == 200
    assert "<h1>Sähköpostin hallinta</h1>" in page.text
    assert 'href="/sahkoposti" aria-current="page"' in page.text
    assert "matti.virtanen@ipp.fi" in page.text
    assert "Palveluihisi kuuluu 2 sähköpostilaatikkoa" in page.text
    assert "Voit luoda vielä 1 sähköpostilaatikon." in page.text
    assert "5 Gt" in page.text
    assert 'id="new-mailbox"' in page.text
    assert "asiakaspalvelu" in page.text.lower()  # deleting is the staff's job, and the page says so
    assert len(gzip.compress(page.data)) <= 8192


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_create_a_mailbox(matti, htmx):
    response = send(matti, PAGE, {"new-local_part": "Liisa.V", "new-password": PASSWORD}, htmx)
    created = box("liisa.v@ipp.fi")
    assert created is not None
    message = "Sähköpostilaatikko liisa.v@ipp.fi on valmis."
    if htmx:
        assert_partial(response, 200, message)
        assert 'id="mailboxes"' in response.text and f'id="mailbox-{created.id}"' in response.text
    else:
        assert response.status_code == 303
        assert response.headers["Location"] == f"/sahkoposti#mailbox-{created.id}"
        page = matti.get(PAGE)
        assert message in page.text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mailbox.created")).actor_account_id
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "mailbox.changed"))


def test_over_the_count_tells_why_and_links_to_the_extra_mailbox(matti):
    send(matti, PAGE, {"new-local_part": "toinen", "new-password": PASSWORD})
    page = matti.get(PAGE)
    assert 'id="new-mailbox"' not in page.text
    assert "Palveluihisi ei kuulu enempää sähköpostilaatikoita." in page.text
    assert 'href="/tilaa/LISAPOSTILAATIKKO"' in page.text
    assert "Lisäsähköpostilaatikko" in matti.get("/tilaa/LISAPOSTILAATIKKO").text
    before = snapshot()
    response = send(matti, PAGE, {"new-local_part": "kolmas", "new-password": PASSWORD})
    response = refused(response)
    assert "lisäsähköpostilaatikon" in response.text
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("local_part,password,message", [
    ("postmaster", PASSWORD, "varattu"),
    ("matti.virtanen", PASSWORD, "on jo käytössä"),
    ("ä", PASSWORD, "2–64"),
    ("matti virtanen", PASSWORD, "Käytä vain"),
    ("x" * 65, PASSWORD, ""),
    ("", PASSWORD, "Kirjoita"),
    ("uusi", "lyhyt", "vähintään 12"),
    ("uusi", "salasana1234", "liian"),
])
def test_bad_new_mailbox_is_a_422_with_the_reason_and_nothing_written(matti, local_part, password, message, htmx):
    before = snapshot()
    response = send(matti, PAGE, {"new-local_part": local_part, "new-password": password}, htmx)
    response = refused(response)
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    if htmx:
        assert_partial(response, 422, "Tarkista lomake")
        assert "1 kenttä vaatii huomiota" in response.text  # the form is named twice on the page, counted once
    else:
        assert "<html" in response.text and " autofocus" in response.text
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("local_part,password,messages", [
    ("bad name!", "", ["Käytä vain", "Kirjoita uusi salasana."]),
    ("bad name!", "lyhyt", ["Käytä vain", "vähintään 12"]),
    ("postmaster", "salasana1234", ["varattu", "liian"]),
    ("", "", ["Kirjoita osoitteen alkuosa ennen @-merkkiä.", "Kirjoita uusi salasana."]),
    ("a" * 65, "lyhyt", ["2–64", "vähintään 12"]),
])
def test_the_address_and_the_password_are_refused_in_one_answer(matti, local_part, password, messages, htmx):
    before = snapshot()
    response = refused(send(matti, PAGE, {"new-local_part": local_part, "new-password": password}, htmx))
    for message in messages:
        assert message in response.text
    assert response.text.count('aria-invalid="true"') == 2
    if htmx:
        assert "2 kenttää vaatii huomiota" in response.text
    assert snapshot() == before


def test_the_answer_to_a_saved_form_takes_focus_to_the_mailboxs_heading(matti, mid):
    """The button pressed is gone after the swap (its form closed, an alias removed): focus goes to
    the section's heading, not to the page's start."""
    response = send(matti, f"{PAGE}/{mid}/edelleenlahetys", {f"m{mid}-fw-addresses": "matti@example.com"}, True)
    assert_partial(response, 200, "edelleenlähetys on tallennettu")
    assert f'<h2 id="mailbox-{mid}-title" tabindex="-1" autofocus>' in response.text
    created = send(matti, PAGE, {"new-local_part": "liisa.v", "new-password": PASSWORD}, True)
    new_id = box("liisa.v@ipp.fi").id
    assert f'<h2 id="mailbox-{new_id}-title" tabindex="-1" autofocus>' in created.text
    assert created.text.count(" autofocus") == 1
    assert " autofocus" not in matti.get(PAGE).text  # a page of its own keeps the browser's focus


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_change_the_mailbox_password(matti, mid, htmx):
    old = box().password_hash
    response = send(matti, f"{PAGE}/{mid}/salasana", {f"m{mid}-pw-new_password": "Uusi-Posti-Sana-2026"}, htmx)
    message = "Osoitteen matti.virtanen@ipp.fi salasana on vaihdettu."
    if htmx:
        assert_partial(response, 200, message)
        assert response.text.lstrip().startswith(f'<section id="mailbox-{mid}"')
    else:
        assert response.status_code == 303
        assert message in matti.get(PAGE).text
    assert box().password_hash != old


def age_login(client, minutes: int) -> None:
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - minutes * 60


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_old_login_re_enters_the_account_password_once(matti, mid, htmx):
    age_login(matti, 31)
    assert f"m{mid}-pw-account_password" in matti.get(PAGE).text
    url, new = f"{PAGE}/{mid}/salasana", {f"m{mid}-pw-new_password": "Uusi-Posti-Sana-2026"}
    before = snapshot()
    response = send(matti, url, new, htmx)
    response = refused(response)
    assert "yli 30 minuuttia sitten" in response.text
    response = send(matti, url, {**new, f"m{mid}-pw-account_password": "wrong-password-here"}, htmx)
    response = refused(response)
    assert "Omahallinnan salasana on väärä." in response.text
    assert snapshot() == before
    response = send(matti, url, {**new, f"m{mid}-pw-account_password": "Lumi-Ranta-Kello-71"}, htmx)
    assert response.status_code == (200 if htmx else 303)
    # Not needed twice in one session: the next change goes through without it.
    assert f"m{mid}-pw-account_password" not in matti.get(PAGE).text
    response = send(matti, url, {f"m{mid}-pw-new_password": "Toinen-Posti-Sana-2027"}, htmx)
    assert response.status_code == (200 if htmx else 303)


def test_a_recent_login_is_not_asked_the_account_password(matti, mid):
    age_login(matti, 29)
    assert f"m{mid}-pw-account_password" not in matti.get(PAGE).text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_weak_mailbox_password_is_refused(matti, mid, htmx):
    before = snapshot()
    response = send(matti, f"{PAGE}/{mid}/salasana", {f"m{mid}-pw-new_password": "matti.virtanen"}, htmx)
    response = refused(response)
    assert snapshot() == before
    if not htmx:
        assert "<details open>" in response.text  # the form with the error is shown open


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_set_forwarding(matti, mid, htmx):
    data = {f"m{mid}-fw-addresses": "matti@example.com\ntoinen@example.org", f"m{mid}-fw-keep_copy": "y"}
    response = send(matti, f"{PAGE}/{mid}/edelleenlahetys", data, htmx)
    if htmx:
        assert_partial(response, 200, "tallennettu")
    else:
        assert response.status_code == 303
    assert box().forward_to == ["matti@example.com", "toinen@example.org"] and box().keep_copy
    assert "matti@example.com, toinen@example.org" in matti.get(PAGE).text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("addresses,message", [
    ("matti.virtanen@ipp.fi", "itseensä"),
    ("ei-osoite", "ei ole kelvollinen"),
    ("eiole@ipp.fi", "Osoitetta eiole@ipp.fi ei ole"),
    ("x@example.com\n" * 300, ""),
])
def test_bad_forwarding_is_refused(matti, mid, addresses, message, htmx):
    before = snapshot()
    response = send(matti, f"{PAGE}/{mid}/edelleenlahetys", {f"m{mid}-fw-addresses": addresses}, htmx)
    response = refused(response)
    assert message in response.text
    assert snapshot() == before


def test_every_bad_forwarding_address_is_named_at_once(matti, mid):
    before = snapshot()
    response = refused(send(matti, f"{PAGE}/{mid}/edelleenlahetys",
                            {f"m{mid}-fw-addresses": "ei-osoite\nmatti@example.com\ntoinen@"}, True))
    assert "ei-osoite ei ole kelvollinen sähköpostiosoite." in response.text
    assert "toinen@ ei ole kelvollinen sähköpostiosoite." in response.text
    long = "pitka.osoite." + "x" * 240 + "@example.com"  # named by its start, not written out whole
    text = refused(send(matti, f"{PAGE}/{mid}/edelleenlahetys", {f"m{mid}-fw-addresses": long}, True)).text
    assert "pitka.osoite.xxxxxxxxxxx… on pidempi kuin sähköpostiosoite voi olla (254 merkkiä)." in text
    mixed = "huono\nmatti.virtanen@ipp.fi\neiole@ipp.fi\n" + "".join(f"a{n}@example.com\n" for n in range(5))
    text = refused(send(matti, f"{PAGE}/{mid}/edelleenlahetys", {f"m{mid}-fw-addresses": mixed}, True)).text
    for said in ("huono ei ole kelvollinen", "enintään 5 osoitteeseen", "itseensä", "Osoitetta eiole@ipp.fi ei ole"):
        assert said in text, said
    assert snapshot() == before


def test_forwarding_loop_between_own_mailboxes_is_refused(matti, mid):
    send(matti, PAGE, {"new-local_part": "toinen", "new-password": PASSWORD})
    other = box("toinen@ipp.fi").id
    assert send(matti, f"{PAGE}/{mid}/edelleenlahetys", {f"m{mid}-fw-addresses": "toinen@ipp.fi"}).status_code == 303
    before = snapshot()
    response = send(matti, f"{PAGE}/{other}/edelleenlahetys", {f"m{other}-fw-addresses": "matti.virtanen@ipp.fi"})
    response = refused(response)
    assert "silmukan" in response.text
    assert snapshot() == before


def liisa_box() -> Mailbox:
    """A mailbox of another customer's, for loops that pass through someone else's rows."""
    liisa = db.session.scalar(select(Customer).where(Customer.customer_number == "100002"))
    mailbox = Mailbox(customer=liisa, address="liisa@ipp.fi", local_part="liisa", domain="ipp.fi",
                      password_hash=mailboxes.hash_mailbox_password(PASSWORD))
    db.session.add(mailbox)
    db.session.commit()
    return mailbox


@pytest.mark.parametrize("local_part", [
    "omahallinta", "noc", "myynti", "post.master", "mailer_daemon", "ssladmin", "ssl-admin", "No-Reply",
    "host_master", "a.b.u.s.e", "asiakas.palvelu", "kund-tjanst",
])
def test_addresses_that_speak_for_the_operator_are_refused(matti, mid, local_part):
    """RFC 2142 role names, the operator's own service words and the portal's sender address, however
    they are spelt with capitals, full stops, hyphens and underscores."""
    before = snapshot()
    response = send(matti, f"{PAGE}/{mid}/aliakset", {f"m{mid}-al-local_part": local_part}, htmx=True)
    response = refused(response)
    assert "on varattu operaattorin omaan käyttöön" in response.text
    response = send(matti, PAGE, {"new-local_part": local_part, "new-password": PASSWORD})
    response = refused(response)
    assert "on varattu operaattorin omaan käyttöön" in response.text
    assert snapshot() == before


def test_the_senders_and_customer_services_addresses_are_reserved(app, matti, mid):
    settings = db.session.get(OperatorSettings, 1)
    settings.email = "palvelupiste@ipp.fi"
    db.session.commit()
    app.config["MAIL_FROM"] = "IPP <viestit.portaali@ipp.fi>"
    try:
        for local_part in ("viestitportaali", "viestit_portaali", "palvelu.piste"):
            response = send(matti, f"{PAGE}/{mid}/aliakset", {f"m{mid}-al-local_part": local_part})
            response = refused(response)
            assert "on varattu" in response.text, local_part
    finally:
        app.config["MAIL_FROM"] = "IPP Omahallinta <omahallinta@ipp.example>"
    assert send(matti, f"{PAGE}/{mid}/aliakset", {f"m{mid}-al-local_part": "viestit"}).status_code == 303


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_loop_through_a_disabled_mailbox_is_refused(matti, mid, htmx):
    """The audit's loop: forward A to B, disable A, forward B to A, enable A. Step three is refused."""
    send(matti, PAGE, {"new-local_part": "toinen", "new-password": PASSWORD})
    other = box("toinen@ipp.fi").id
    assert send(matti, f"{PAGE}/{mid}/edelleenlahetys", {f"m{mid}-fw-addresses": "toinen@ipp.fi"}).status_code == 303
    assert send(matti, f"{PAGE}/{mid}/tila", {f"m{mid}-st-active": "0"}).status_code == 303
    before = snapshot()
    response = send(matti, f"{PAGE}/{other}/edelleenlahetys", {f"m{other}-fw-addresses": "matti.virtanen@ipp.fi"},
                    htmx)
    response = refused(response)
    assert "silmukan" in response.text
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_enabling_a_mailbox_that_would_close_a_loop_is_refused(matti, mid, htmx):
    """A loop left from before the check counted disabled mailboxes stays off: the button says why."""
    send(matti, PAGE, {"new-local_part": "toinen", "new-password": PASSWORD})
    assert send(matti, f"{PAGE}/{mid}/edelleenlahetys", {f"m{mid}-fw-addresses": "toinen@ipp.fi"}).status_code == 303
    assert send(matti, f"{PAGE}/{mid}/tila", {f"m{mid}-st-active": "0"}).status_code == 303
    db.session.add(MailAlias(mailbox=box("toinen@ipp.fi"), kind="forward", address="toinen@ipp.fi",
                             goto="matti.virtanen@ipp.fi"))
    db.session.commit()
    before = snapshot()
    response = send(matti, f"{PAGE}/{mid}/tila", {f"m{mid}-st-active": "1"}, htmx)
    response = refused(response)
    assert f'<p class="error" id="m{mid}-st-active-error">Käyttöönotto tekisi silmukan' in response.text
    assert f'aria-describedby="m{mid}-st-active-error"' in response.text
    if htmx:
        assert_partial(response, 422)
    assert snapshot() == before and not box().active


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_alias_that_would_close_a_loop_is_refused(matti, mid, htmx):
    """Matti forwards to toinen, toinen to mv@ (once Liisa's alias, now free): mv may not become Matti's."""
    send(matti, PAGE, {"new-local_part": "toinen", "new-password": PASSWORD})
    liisa = liisa_box()
    alias = mailboxes.add_alias(liisa, "mv")
    mailboxes.set_forwarding(box("toinen@ipp.fi"), ["mv@ipp.fi"], False)
    mailboxes.remove_alias(liisa, alias.id)
    assert send(matti, f"{PAGE}/{mid}/edelleenlahetys", {f"m{mid}-fw-addresses": "toinen@ipp.fi"}).status_code == 303
    before = snapshot()
    response = send(matti, f"{PAGE}/{mid}/aliakset", {f"m{mid}-al-local_part": "mv"}, htmx)
    response = refused(response)
    assert "Alias tekisi silmukan" in response.text
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("field,text", [
    ("subject", "Lomalla\x00"), ("subject", "Lomalla \x1b[31m"), ("subject", "Lomalla\u2028Bcc: x@example.com"),
    ("body", "Olen lomalla.\x00"), ("body", "Olen \x1b[2J lomalla."), ("body", "Olen lomalla.\u2029Terveisin"),
    ("body", "Olen lomalla.\u2028"),
], ids=["subject-nul", "subject-esc", "subject-u2028", "body-nul", "body-esc", "body-u2029", "body-u2028"])
def test_control_characters_in_the_autoreply_are_refused(matti, mid, field, text, htmx):
    data = {"enabled": "y", "subject": "Lomalla", "body": "Olen lomalla.\nTerveisin Matti", field: text}
    before = snapshot()
    response = send(matti, f"{PAGE}/{mid}/automaattivastaus", {f"m{mid}-ar-{k}": v for k, v in data.items()}, htmx)
    response = refused(response)
    assert f'id="m{mid}-ar-{field}-error">Poista tekstistä ohjausmerkit.' in response.text
    assert snapshot() == before  # nothing saved, no mailbox.changed event carries it


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_set_autoreply(matti, mid, htmx):
    start, end = today() + timedelta(days=10), today() + timedelta(days=40)
    data = {f"m{mid}-ar-enabled": "y", f"m{mid}-ar-subject": "Lomalla", f"m{mid}-ar-body": "Olen lomalla.",
            f"m{mid}-ar-starts_on": start.isoformat(), f"m{mid}-ar-ends_on": end.isoformat()}
    response = send(matti, f"{PAGE}/{mid}/automaattivastaus", data, htmx)
    if htmx:
        assert_partial(response, 200, "tallennettu")
        assert f"Lomalla ({start:%-d.%-m.%Y}–{end:%-d.%-m.%Y})" in response.text
    else:
        assert response.status_code == 303
    assert box().autoreply_enabled and box().autoreply_subject == "Lomalla"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("changes,message", [
    ({"starts_on": "2026-07-31", "ends_on": "2026-07-01"}, "ei voi olla ennen"),
    ({"ends_on": "2026-13-45"}, ""),
    ({"body": "x" * 4001}, ""),
    ({"subject": "x" * 201}, ""),
    ({"subject": ""}, "otsikko"),
    ({"ends_on": (today() - timedelta(days=1)).isoformat()}, "Päättymispäivä on jo mennyt"),
])
def test_bad_autoreply_is_refused(matti, mid, changes, message, htmx):
    data = {"enabled": "y", "subject": "Lomalla", "body": "Olen lomalla.", **changes}
    before = snapshot()
    response = send(matti, f"{PAGE}/{mid}/automaattivastaus", {f"m{mid}-ar-{k}": v for k, v in data.items()}, htmx)
    response = refused(response)
    assert message in response.text
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_add_and_remove_an_alias(matti, mid, htmx):
    response = send(matti, f"{PAGE}/{mid}/aliakset", {f"m{mid}-al-local_part": "mv"}, htmx)
    if htmx:
        assert_partial(response, 200, "mv@ipp.fi")
    else:
        assert response.status_code == 303
    alias = db.session.scalar(select(MailAlias).where(MailAlias.address == "mv@ipp.fi"))
    assert alias.goto == "matti.virtanen@ipp.fi" and alias.kind == "alias"
    response = send(matti, f"{PAGE}/{mid}/aliakset/{alias.id}/poista", {}, htmx)
    if htmx:
        assert_partial(response, 200, "poistettu")
    else:
        assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(MailAlias)) == 0


def test_a_fourth_alias_is_refused(matti, mid):
    for name in ("mv", "matti", "virtanen"):
        assert send(matti, f"{PAGE}/{mid}/aliakset", {f"m{mid}-al-local_part": name}).status_code == 303
    assert f"m{mid}-al-local_part" not in matti.get(PAGE).text
    before = snapshot()
    response = send(matti, f"{PAGE}/{mid}/aliakset", {f"m{mid}-al-local_part": "neljas"}, htmx=True)
    response = refused(response)
    assert "enintään 3" in response.text
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_disable_and_enable(matti, mid, htmx):
    response = send(matti, f"{PAGE}/{mid}/tila", {f"m{mid}-st-active": "0"}, htmx)
    if htmx:
        assert_partial(response, 200, "poistettu käytöstä")
        assert "Ota sähköpostilaatikko käyttöön" in response.text
    assert not box().active
    send(matti, f"{PAGE}/{mid}/tila", {f"m{mid}-st-active": "1"}, htmx)
    assert box().active


IDOR_POSTS = [
    ("salasana", {"new_password": "Uusi-Posti-Sana-2026"}),
    ("edelleenlahetys", {"addresses": "x@example.com"}),
    ("automaattivastaus", {"enabled": "y", "subject": "x", "body": "y"}),
    ("aliakset", {"local_part": "kaapattu"}),
    ("tila", {"active": "0"}),
]


@pytest.mark.parametrize("action,data", IDOR_POSTS, ids=[a for a, _ in IDOR_POSTS])
def test_another_customers_mailbox_is_404(make_client, demo_data, action, data):
    mid = box().id
    liisa = make_client()
    liisa.login("100002", "Sade-Metsa-Tuoli-38")
    before = snapshot()
    short = {"salasana": "pw", "edelleenlahetys": "fw", "automaattivastaus": "ar", "aliakset": "al",
             "tila": "st"}.get(action, "")
    form = {f"m{mid}-{short}-{k}" if short else k: v for k, v in data.items()}
    response = send(liisa, f"{PAGE}/{mid}/{action}", form)
    assert response.status_code == 404
    assert snapshot() == before
    assert send(liisa, f"{PAGE}/999999/{action}", {}).status_code == 404


def test_another_mailboxes_alias_is_404(matti, mid, make_client):
    alias = mailboxes.add_alias(box(), "mv")
    liisa = make_client()
    liisa.login("100002", "Sade-Metsa-Tuoli-38")
    liisa_box = mailboxes.create_mailbox(
        db.session.scalar(select(Customer.id).where(Customer.customer_number == "100002")), "liisa", PASSWORD)
    assert send(liisa, f"{PAGE}/{mid}/aliakset/{alias.id}/poista", {}).status_code == 404
    assert send(liisa, f"{PAGE}/{liisa_box.id}/aliakset/{alias.id}/poista", {}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(MailAlias)) == 1


def test_get_on_an_action_url_changes_nothing(matti, mid):
    assert matti.get(f"{PAGE}/{mid}/tila").status_code == 405
    assert box().active


def test_statements_per_page_do_not_grow_with_mailboxes(matti, app):
    few = page_statements(matti, PAGE)
    customer_id = db.session.scalar(select(Customer.id).where(Customer.customer_number == "100001"))
    from app.models import Product, Subscription
    from app.models.base import today
    extra = db.session.scalar(select(Product).where(Product.code == "LISAPOSTILAATIKKO"))
    for _ in range(3):
        db.session.add(Subscription(customer_id=customer_id, product=extra, starts_on=today()))
    db.session.commit()
    for name in ("toinen", "kolmas", "neljas"):
        created = mailboxes.create_mailbox(customer_id, name, PASSWORD)
        mailboxes.add_alias(created, name + "-alias")
        mailboxes.set_forwarding(created, ["x@example.com"], True)
    assert page_statements(matti, PAGE) == few
    assert few <= 12
    page = matti.get(PAGE)
    assert len(gzip.compress(page.data)) <= 8192


def test_guessing_the_account_password_here_is_rate_limited(matti, mid):
    age_login(matti, 60)
    url = f"{PAGE}/{mid}/salasana"
    token = matti.csrf_token(PAGE)
    data = {"csrf_token": token, f"m{mid}-pw-new_password": "Uusi-Posti-Sana-2026",
            f"m{mid}-pw-account_password": "wrong-password-here"}
    codes = [matti.post(url, data=data).status_code for _ in range(11)]
    assert codes == [422] * 10 + [429]
