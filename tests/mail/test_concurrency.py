"""Races over real connections: the count and the address rules hold when requests come at once.

Sent as htmx, where a refusal is an answer of its own (422); without JavaScript success and
refusal both send the browser back to /sahkoposti (test_pages.py covers that rendering)."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, MailAlias, Mailbox
from app.services import mailboxes
from tests.conftest import HTMX
from tests.helpers import run_together

PASSWORD = "Kissa-Koira-Hevonen-77"
THREADS = 6


def test_many_creates_for_the_last_slot_give_one_mailbox(app, client, demo_data):
    client.login()
    token = client.csrf_token("/sahkoposti")
    responses = run_together(app, lambda i: client.post("/sahkoposti", data={
        "csrf_token": token, "new-local_part": f"laatikko{i}", "new-password": PASSWORD}, headers=HTMX), THREADS)
    assert sorted(r.status_code for r in responses) == [200] + [422] * (THREADS - 1), responses
    assert db.session.scalar(select(func.count()).select_from(Mailbox)) == 2


def test_two_customers_claiming_one_address_at_once_get_it_once(app, make_client, demo_data):
    matti, liisa = make_client(), make_client()
    matti.login()
    liisa.login("100002", "Sade-Metsa-Tuoli-38")
    mid = db.session.scalar(select(Mailbox.id))
    tokens = [matti.csrf_token("/sahkoposti"), liisa.csrf_token("/sahkoposti")]

    def claim(i):
        if i % 2:
            return liisa.post("/sahkoposti", data={"csrf_token": tokens[1], "new-local_part": "yhteinen",
                                                   "new-password": PASSWORD}, headers=HTMX)
        return matti.post(f"/sahkoposti/{mid}/aliakset", data={"csrf_token": tokens[0],
                                                               f"m{mid}-al-local_part": "yhteinen"}, headers=HTMX)

    responses = run_together(app, claim, 2)
    assert sorted(r.status_code for r in responses) == [200, 422], responses
    owners = db.session.scalar(select(func.count()).select_from(Mailbox).where(Mailbox.address == "yhteinen@ipp.fi"))
    owners += db.session.scalar(select(func.count()).select_from(MailAlias)
                                .where(MailAlias.address == "yhteinen@ipp.fi"))
    assert owners == 1


def test_two_customers_forwarding_to_each_other_at_once_make_no_loop(app, make_client, demo_data):
    """Each change alone is no loop; together they would be one. The second waits for the first and sees it."""
    liisa_id = db.session.scalar(select(Customer.id).where(Customer.customer_number == "100002"))
    db.session.add(Mailbox(customer_id=liisa_id, address="liisa@ipp.fi", local_part="liisa", domain="ipp.fi",
                           password_hash=mailboxes.hash_mailbox_password(PASSWORD)))
    db.session.commit()
    matti, liisa = make_client(), make_client()
    matti.login()
    liisa.login("100002", "Sade-Metsa-Tuoli-38")
    boxes = dict(db.session.execute(select(Mailbox.address, Mailbox.id)).tuples().all())
    mine, theirs = boxes["matti.virtanen@ipp.fi"], boxes["liisa@ipp.fi"]
    tokens = [matti.csrf_token("/sahkoposti"), liisa.csrf_token("/sahkoposti")]

    def forward(i):
        client, box, to = (liisa, theirs, "matti.virtanen@ipp.fi") if i % 2 else (matti, mine, "liisa@ipp.fi")
        return client.post(f"/sahkoposti/{box}/edelleenlahetys",
                           data={"csrf_token": tokens[i % 2], f"m{box}-fw-addresses": to}, headers=HTMX)

    responses = run_together(app, forward, 2)
    assert sorted(r.status_code for r in responses) == [200, 422], responses
    assert db.session.scalar(select(func.count()).select_from(MailAlias).where(MailAlias.kind == "forward")) == 1
