"""Races over real connections: the count and the address rules hold when requests come at once."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import MailAlias, Mailbox
from tests.helpers import run_together

PASSWORD = "Kissa-Koira-Hevonen-77"
THREADS = 6


def test_many_creates_for_the_last_slot_give_one_mailbox(app, client, demo_data):
    client.login()
    token = client.csrf_token("/sahkoposti")
    responses = run_together(app, lambda i: client.post("/sahkoposti", data={
        "csrf_token": token, "new-local_part": f"laatikko{i}", "new-password": PASSWORD}), THREADS)
    assert sorted(r.status_code for r in responses) == [303] + [422] * (THREADS - 1), responses
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
                                                   "new-password": PASSWORD})
        return matti.post(f"/sahkoposti/{mid}/aliakset", data={"csrf_token": tokens[0],
                                                               f"m{mid}-al-local_part": "yhteinen"})

    responses = run_together(app, claim, 2)
    assert sorted(r.status_code for r in responses) == [303, 422], responses
    owners = db.session.scalar(select(func.count()).select_from(Mailbox).where(Mailbox.address == "yhteinen@ipp.fi"))
    owners += db.session.scalar(select(func.count()).select_from(MailAlias)
                                .where(MailAlias.address == "yhteinen@ipp.fi"))
    assert owners == 1
