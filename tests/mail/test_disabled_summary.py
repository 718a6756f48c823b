"""A disabled mailbox's summary says what is in effect: no forwarding, auto-reply or aliases
(README: a disabled mailbox cannot receive, and its aliases and forwarding stop)."""
import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Mailbox
from app.models.base import today
from app.services import mailboxes


def summary(client) -> str:
    page = client.get("/sahkoposti").text
    return re.search(r'<dl class="summary">(.*?)</dl>', page, re.S).group(1)


def test_a_disabled_mailbox_neither_forwards_nor_replies(client, demo_data):
    box = db.session.scalar(select(Mailbox).where(Mailbox.address == "matti.virtanen@ipp.fi"))
    mailboxes.set_forwarding(box, ["matti@example.com"], keep_copy=True)
    mailboxes.set_autoreply(box, True, "Lomalla", "Palaan pian.", today(), today() + timedelta(days=7))
    mailboxes.add_alias(box, "mv")
    client.login()
    on = summary(client)
    assert "Pysäytetty" not in on and "Päällä: Lomalla" in on

    mailboxes.set_active(db.session.get(Mailbox, box.id), False)
    off = summary(client)
    assert "Päällä" not in off
    # Each stopped setting says so, and what comes back when the mailbox is enabled again.
    assert off.count("Pysäytetty, kun laatikko on poistettu käytöstä; tallennettu:") == 3
    assert "matti@example.com" in off and "Lomalla" in off and "mv@ipp.fi" in off
