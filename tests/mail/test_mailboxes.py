"""The mailbox rules as plain functions: count, addresses, passwords, forwarding, auto-reply, aliases."""
import json
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Customer, MailAlias, Mailbox, OutboxMessage, Product, Subscription
from app.models.base import today
from app.security import verify_password
from app.services import DomainError, NotFound, mailboxes
from tests.helpers import customer

PASSWORD = "Kissa-Koira-Hevonen-77"


def mailbox_of(address: str) -> Mailbox:
    return db.session.scalar(select(Mailbox).where(Mailbox.address == address))


def counts() -> tuple[int, int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(t))
                 for t in (Mailbox, MailAlias, AuditEvent, OutboxMessage))


def rejected(field: str, call, *args, **kwargs) -> DomainError:
    """The rule says no, names the field, and nothing was written."""
    before = counts()
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    assert caught.value.field == field
    assert counts() == before
    return caught.value


def events(action: str) -> list[dict]:
    return [m.payload for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "mailbox.changed")
                                                  .order_by(OutboxMessage.id))
            if m.payload["data"]["action"] == action]


@pytest.fixture
def matti(demo_data) -> Customer:
    return customer()


@pytest.fixture
def box(matti) -> Mailbox:
    return mailbox_of("matti.virtanen@ipp.fi")


# The count

def test_allowed_count_is_the_sum_of_mailbox_counts_in_force(matti):
    assert mailboxes.allowed_count(matti.id) == 2  # Laajakaista 100M
    extra = db.session.scalar(select(Product).where(Product.code == "LISAPOSTILAATIKKO"))
    db.session.add(Subscription(customer=matti, product=extra, starts_on=today()))
    db.session.add(Subscription(customer=matti, product=extra, starts_on=today() + timedelta(days=3)))  # coming
    db.session.add(Subscription(customer=matti, product=extra, starts_on=date(2020, 1, 1),
                                ends_on=date(2021, 1, 1), status="ended"))
    db.session.commit()
    assert mailboxes.allowed_count(matti.id) == 3
    assert mailboxes.allowed_count(customer("100004").id) == 0


def test_create_within_the_count_then_no_more(matti):
    mailbox = mailboxes.create_mailbox(matti.id, "  Matti.V ", PASSWORD)
    assert mailbox.address == "matti.v@ipp.fi" and mailbox.local_part == "matti.v" and mailbox.domain == "ipp.fi"
    assert mailbox.password_hash.startswith("{ARGON2ID}$argon2id$")
    assert verify_password(mailbox.password_hash.removeprefix("{ARGON2ID}"), PASSWORD)
    error = rejected("local_part", mailboxes.create_mailbox, matti.id, "kolmas", PASSWORD)
    assert "lisäsähköpostilaatikon" in str(error.message)


def test_create_is_audited_and_queues_mailbox_changed(matti):
    mailboxes.create_mailbox(matti.id, "uusi", PASSWORD)
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mailbox.created"))
    assert audit.customer_id == matti.id and audit.details["mailbox"] == "uusi@ipp.fi"
    [event] = events("created")
    assert event["customer_id"] == matti.id
    assert event["data"]["mailbox"]["address"] == "uusi@ipp.fi"
    assert "password" not in json.dumps(event).replace("password_changed", "")


@pytest.mark.parametrize("local_part", [
    "", "a", "x" * 65, "Äiti", "matti virtanen", "matti+tag", "-matti", "matti.", ".matti", "mat..ti",
    "matti@ipp.fi", "<script>",
])
def test_invalid_local_parts_are_refused(matti, local_part):
    rejected("local_part", mailboxes.create_mailbox, matti.id, local_part, PASSWORD)


@pytest.mark.parametrize("local_part", ["postmaster", "abuse", "root", "Hostmaster", "mailer-daemon"])
def test_reserved_local_parts_are_refused(matti, local_part):
    error = rejected("local_part", mailboxes.create_mailbox, matti.id, local_part, PASSWORD)
    assert local_part.lower() in str(error.message)


@pytest.mark.parametrize("local_part", ["ab", "x" * 64, "matti_v-2.koti", "9lives"])
def test_valid_local_parts_are_accepted(matti, local_part):
    assert mailboxes.create_mailbox(matti.id, local_part, PASSWORD).local_part == local_part


def test_taken_address_is_refused_whether_mailbox_or_alias(matti, box):
    rejected("local_part", mailboxes.create_mailbox, matti.id, "matti.virtanen", PASSWORD)
    mailboxes.add_alias(box, "mv")
    rejected("local_part", mailboxes.create_mailbox, matti.id, "mv", PASSWORD)
    rejected("local_part", mailboxes.add_alias, box, "matti.virtanen")
    liisa = customer("100002")
    rejected("local_part", mailboxes.create_mailbox, liisa.id, "mv", PASSWORD)


@pytest.mark.parametrize("password", ["lyhyt", "salasana1234", "Matti Virtanen 1", "uusilaatikko1"])
def test_weak_passwords_are_refused(matti, password):
    rejected("password", mailboxes.create_mailbox, matti.id, "uusilaatikko", password)


def test_blf_crypt_scheme(app, matti):
    app.config["MAILBOX_PASSWORD_SCHEME"] = "BLF-CRYPT"
    try:
        mailbox = mailboxes.create_mailbox(matti.id, "bcrypt", PASSWORD)
    finally:
        app.config["MAILBOX_PASSWORD_SCHEME"] = "ARGON2ID"
    assert mailbox.password_hash.startswith("{BLF-CRYPT}$2y$10$")


# Password change and the recent login

def test_password_change_with_a_recent_login(matti, box):
    old = box.password_hash
    assert mailboxes.change_password(box, "Uusi-Posti-Sana-2026", matti.account, time.time() - 60) is False
    assert box.password_hash != old
    assert verify_password(box.password_hash.removeprefix("{ARGON2ID}"), "Uusi-Posti-Sana-2026")
    assert events("password_changed")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mailbox.password_changed"))


def test_old_login_needs_the_account_password(matti, box):
    old_login = time.time() - 31 * 60
    rejected("account_password", mailboxes.change_password, box, "Uusi-Posti-Sana-2026", matti.account, old_login)
    rejected("account_password", mailboxes.change_password, box, "Uusi-Posti-Sana-2026", matti.account, None)
    rejected("account_password", mailboxes.change_password, box, "Uusi-Posti-Sana-2026", matti.account,
             old_login, "wrong-password-here")
    assert mailboxes.change_password(box, "Uusi-Posti-Sana-2026", matti.account, old_login,
                                     "Lumi-Ranta-Kello-71") is True


def test_weak_new_mailbox_password_is_refused(matti, box):
    rejected("new_password", mailboxes.change_password, box, "matti.virtanen1", matti.account, time.time())


def test_reauthentication_window():
    now = 1_000_000.0
    assert not mailboxes.needs_reauthentication(now - 29 * 60, now)
    assert mailboxes.needs_reauthentication(now - 31 * 60, now)
    assert mailboxes.needs_reauthentication(None, now)


# Forwarding

def test_forwarding_with_a_copy_is_alias_rows(box):
    mailboxes.set_forwarding(box, ["Matti@Example.com", "matti@example.com", "toinen@example.org"], True)
    rows = {(a.kind, a.address, a.goto) for a in db.session.scalars(select(MailAlias))}
    assert rows == {("forward", "matti.virtanen@ipp.fi", "matti@example.com"),
                    ("forward", "matti.virtanen@ipp.fi", "toinen@example.org"),
                    ("forward", "matti.virtanen@ipp.fi", "matti.virtanen@ipp.fi")}
    assert box.forward_to == ["matti@example.com", "toinen@example.org"] and box.keep_copy
    mailboxes.set_forwarding(box, ["toinen@example.org"], False)
    rows = {a.goto for a in db.session.scalars(select(MailAlias))}
    assert rows == {"toinen@example.org"}
    mailboxes.set_forwarding(box, [], True)
    assert db.session.scalar(select(func.count()).select_from(MailAlias)) == 0
    assert [e["data"]["mailbox"]["forward_to"] for e in events("forwarding_changed")] == [
        ["matti@example.com", "toinen@example.org"], ["toinen@example.org"], []]


def test_forwarding_keeps_aliases(box):
    mailboxes.add_alias(box, "mv")
    mailboxes.set_forwarding(box, ["matti@example.com"], False)
    mailboxes.set_forwarding(box, [], False)
    assert [a.address for a in box.alias_rows] == ["mv@ipp.fi"]


@pytest.mark.parametrize("address", ["not-an-address", "matti@", "@example.com", "a b@example.com",
                                     "x@" + "e" * 250 + ".fi", "matti@example..com"])
def test_invalid_forwarding_addresses_are_refused(box, address):
    rejected("addresses", mailboxes.set_forwarding, box, [address], True)


def test_forwarding_to_itself_or_its_alias_is_refused(box):
    rejected("addresses", mailboxes.set_forwarding, box, ["MATTI.VIRTANEN@ipp.fi"], True)
    mailboxes.add_alias(box, "mv")
    rejected("addresses", mailboxes.set_forwarding, box, ["mv@ipp.fi"], False)


def test_forwarding_loop_through_another_mailbox_is_refused(matti, box):
    other = mailboxes.create_mailbox(matti.id, "toinen", PASSWORD)
    mailboxes.set_forwarding(box, ["toinen@ipp.fi"], True)
    rejected("addresses", mailboxes.set_forwarding, other, ["matti.virtanen@ipp.fi"], False)
    mailboxes.add_alias(box, "mv")
    rejected("addresses", mailboxes.set_forwarding, other, ["mv@ipp.fi"], False)


def test_forwarding_to_an_unknown_address_in_the_domain_is_refused(box):
    rejected("addresses", mailboxes.set_forwarding, box, ["eiole@ipp.fi"], False)


def test_too_many_forwarding_addresses(box):
    rejected("addresses", mailboxes.set_forwarding, box, [f"a{i}@example.com" for i in range(6)], False)


# Auto-reply

def test_autoreply_is_saved_and_sent_in_the_event(box):
    start, end = today(), today() + timedelta(days=14)
    mailboxes.set_autoreply(box, True, " Lomalla ", "Olen lomalla.", start, end)
    assert (box.autoreply_enabled, box.autoreply_subject, box.autoreply_from, box.autoreply_until) == (
        True, "Lomalla", start, end)
    [event] = events("autoreply_changed")
    assert event["data"]["mailbox"]["autoreply"] == {
        "enabled": True, "subject": "Lomalla", "body": "Olen lomalla.", "from": str(start), "until": str(end)}
    mailboxes.set_autoreply(box, False, "", "", None, None)
    assert not box.autoreply_enabled


@pytest.mark.parametrize("enabled,subject,body,start,end,field", [
    (True, "Lomalla", "x", date(2026, 7, 31), date(2026, 7, 1), "ends_on"),
    (True, "", "Olen lomalla.", None, None, "subject"),
    (True, "Lomalla", "  ", None, None, "body"),
    (True, "x" * 201, "body", None, None, "subject"),
    (True, "two\nlines", "body", None, None, "subject"),
    (False, "Lomalla", "x" * 4001, None, None, "body"),
    (True, "Lomalla", "x", None, today() - timedelta(days=1), "ends_on"),  # would never be sent
])
def test_bad_autoreply_is_refused(box, enabled, subject, body, start, end, field):
    rejected(field, mailboxes.set_autoreply, box, enabled, subject, body, start, end)


def test_every_refusal_of_an_autoreply_is_told_at_once(box):
    with pytest.raises(DomainError) as refusal:
        mailboxes.set_autoreply(box, True, "", "", None, today() - timedelta(days=1))
    assert set(refusal.value.errors) == {"subject", "body", "ends_on"}
    assert not box.autoreply_enabled


def test_an_autoreply_turned_off_may_keep_its_past_period(box):
    past = today() - timedelta(days=30)
    mailboxes.set_autoreply(box, False, "Lomalla", "Olin lomalla.", past, past + timedelta(days=7))
    assert box.autoreply_until == past + timedelta(days=7)


def test_autoreply_body_of_4000_characters_is_fine(box):
    mailboxes.set_autoreply(box, True, "Lomalla", "x" * 4000, None, None)
    assert len(box.autoreply_body) == 4000


# Aliases

def test_up_to_three_aliases(box):
    for name in ("mv", "matti", "virtanen"):
        mailboxes.add_alias(box, name)
    assert [a.goto for a in box.alias_rows] == ["matti.virtanen@ipp.fi"] * 3
    rejected("local_part", mailboxes.add_alias, box, "neljas")
    added = [e["data"]["mailbox"]["aliases"][-1] for e in events("alias_added")]
    assert added == ["mv@ipp.fi", "matti@ipp.fi", "virtanen@ipp.fi"]


@pytest.mark.parametrize("local_part", ["postmaster", "x", "Ä", "a b"])
def test_alias_validation_is_the_mailbox_validation(box, local_part):
    rejected("local_part", mailboxes.add_alias, box, local_part)


def test_remove_alias(box):
    alias = mailboxes.add_alias(box, "mv")
    assert mailboxes.remove_alias(box, alias.id).address == "mv@ipp.fi"
    assert box.alias_rows == []
    assert events("alias_removed")
    with pytest.raises(NotFound):
        mailboxes.remove_alias(box, alias.id)


def test_forward_rows_are_not_removable_as_aliases(box):
    mailboxes.set_forwarding(box, ["matti@example.com"], False)
    forward = db.session.scalar(select(MailAlias))
    with pytest.raises(NotFound):
        mailboxes.remove_alias(box, forward.id)


# Disable and enable

def test_disable_and_enable(box):
    mailboxes.set_active(box, False)
    assert not box.active
    mailboxes.set_active(box, True)
    assert box.active
    assert [e["data"]["mailbox"]["active"] for e in events("disabled") + events("enabled")] == [False, True]
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"mailbox.disabled", "mailbox.enabled"} <= actions


def test_owned_is_scoped_to_the_customer(matti, box):
    assert mailboxes.owned(matti.id, box.id) is box
    with pytest.raises(NotFound):
        mailboxes.owned(customer("100002").id, box.id)


def test_page_reads_are_few(matti, box):
    mailboxes.add_alias(box, "mv")
    mailboxes.create_mailbox(matti.id, "toinen", PASSWORD)
    found = mailboxes.mailboxes_of(matti.id)
    assert [m.address for m in found] == ["matti.virtanen@ipp.fi", "toinen@ipp.fi"]


def test_the_extra_mailbox_product_is_the_cheapest_that_gives_a_mailbox(matti):
    assert mailboxes.extra_mailbox_product().code == "LISAPOSTILAATIKKO"
    db.session.scalar(select(Product).where(Product.code == "LISAPOSTILAATIKKO")).sellable = False
    db.session.commit()
    assert mailboxes.extra_mailbox_product().code == "LAAJAKAISTA-100"
