"""The security suites' world: the demo, with objects of every kind for two customers, and
clients logged in as each of them and as staff."""
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Account,
    Announcement,
    ApiToken,
    CannedReply,
    Channel,
    Customer,
    Feedback,
    Mailbox,
    Order,
    Outage,
    OutageArea,
    Product,
    Subscription,
)
from app.models.base import today, utcnow
from app.security import hash_password
from app.services import api_tokens, mailboxes, payments, support
from app.services.attachments import Upload
from tests.helpers import STAFF_TOTP_SECRET, record_invoice, staff_login
from tests.security.routes import ADMIN, STAFF

MATTI = ("100001", "Lumi-Ranta-Kello-71")
LIISA = ("100002", "Sade-Metsa-Tuoli-38")
STAFF_MEMBER = ("asiakaspalvelu", "Asiakaspalvelu-Kahvi-2026")


@dataclass
class World:
    """Argument values naming each customer's own objects, and the console's."""

    matti: dict
    liisa: dict
    console: dict

    def values(self, route) -> dict:
        """Matti's objects for a customer route, the console's for a console route."""
        return self.console if route.access in (STAFF, ADMIN) else self.matti


def _subscription(customer_id: int, code: str) -> Subscription:
    return db.session.scalar(select(Subscription).join(Product).where(
        Subscription.customer_id == customer_id, Product.code == code))


def _objects(customer: Customer, subscription: Subscription, mailbox: Mailbox, announcement_id: int) -> dict:
    alias = mailboxes.add_alias(mailbox, f"{customer.customer_number}-alias")
    feedback = support.send(customer.id, support.Message(
        topic="termination", message="Irtisanon palvelun.", contact_email=customer.email,
        contact_phone=customer.phone, subscription_ids=[subscription.id], wished_end_date=today(),
        attachments=[Upload("irtisanominen.pdf", b"%PDF-1.7\n%%EOF\n")]))
    order = db.session.scalar(select(Order).where(Order.customer_id == customer.id))
    # Each customer's own reference number: one customer's may not be another's (services/invoices.py).
    invoice = record_invoice(customer_number=customer.customer_number, number=f"W-{customer.customer_number}",
                             reference=payments.finnish_reference(customer.customer_number))
    return {"subscription_id": subscription.id, "order_id": order.id, "mailbox_id": mailbox.id,
            "alias_id": alias.id, "reference": feedback.reference, "announcement_id": announcement_id,
            "invoice_id": invoice.id, "attachment_id": feedback.attachments[0].id}


@pytest.fixture
def world(demo_data) -> World:
    """Matti has a MIX, a mailbox with an alias, a termination notice and an announcement only MIX
    customers see; Liisa has the same kinds of objects of her own, so every id can be swapped."""
    matti, liisa = (db.session.scalar(select(Customer).filter_by(customer_number=n)) for n, _ in (MATTI, LIISA))
    mix = _subscription(matti.id, "MIX-6")
    for_mix = Announcement(title="MIX-kanavat muuttuvat", body="Uusia kanavia.", valid_from=today(),
                           audience_group_id=mix.product.group_id)
    for_all = Announcement(title="Huoltokatko", body="Verkossa huoltokatko.", valid_from=today())
    liisa_box = Mailbox(customer=liisa, address="liisa@ipp.fi", local_part="liisa", domain="ipp.fi",
                        password_hash=hash_password("Liisan-Posti-Sana-38"))
    outage = Outage(title="Katko Tampereella", started_at=utcnow(),
                    areas=[OutageArea(kind="postal_code", value="33100")])
    db.session.add_all([for_mix, for_all, liisa_box, outage])
    db.session.add(Account(username=STAFF_MEMBER[0], display_name="Anu Asiakaspalvelu", role="staff",
                           password_hash=hash_password(STAFF_MEMBER[1]), totp_secret=STAFF_TOTP_SECRET,
                           totp_enabled=True))
    db.session.commit()
    mine = _objects(matti, mix, db.session.scalar(select(Mailbox).filter_by(customer_id=matti.id)),
                    for_mix.id)
    theirs = _objects(liisa, _subscription(liisa.id, "LAAJAKAISTA-300"), liisa_box, for_all.id)
    feedback = db.session.scalar(select(Feedback).filter_by(reference=mine["reference"]))
    console = {
        "customer_id": matti.id, "agreement_id": matti.agreements[0].id, "card_id": matti.pay_tv_cards[0].id,
        "order_id": mine["order_id"], "feedback_id": feedback.id, "attachment_id": mine["attachment_id"],
        "subscription_id": mix.id, "mailbox_id": mine["mailbox_id"],
        "announcement_id": mine["announcement_id"], "product_id": mix.product_id,
        "group_id": mix.product.group_id, "channel_id": mix.mix_choices[0].channel_id,
        "account_id": db.session.scalar(select(Account.id).filter_by(username=STAFF_MEMBER[0])),
        "month": today().strftime("%Y-%m"),
        "canned_id": db.session.scalar(select(CannedReply.id).order_by(CannedReply.id)),
        "token_id": db.session.scalar(select(ApiToken.id).filter_by(
            token_hash=api_tokens.digest(api_tokens.create("Laskutus", ["customers:read"], None)))),
    }
    shared = {"customer_number": matti.customer_number, "feedback_id": feedback.id,
              "code": "LAAJAKAISTA-100", "token": "vanhentunut-linkki", "filename": "app.css",
              "channel_id": _free_channel(mix), "invoice_number": f"W-{matti.customer_number}",
              "outage_id": outage.id}
    world = World({**shared, **mine}, {**shared, **theirs}, {**shared, **console})
    db.session.commit()
    return world


def _free_channel(mix: Subscription) -> int:
    chosen = {c.channel_id for c in mix.mix_choices}
    return next(c.id for c in db.session.scalars(select(Channel).order_by(Channel.id)) if c.id not in chosen)


@pytest.fixture
def matti(world, make_client):
    client = make_client()
    client.login(*MATTI)
    return client


@pytest.fixture
def liisa(world, make_client):
    client = make_client()
    client.login(*LIISA)
    return client


@pytest.fixture
def console(world, make_client):
    """The demo admin in the console."""
    return staff_login(make_client())


@pytest.fixture
def staff_member(world, make_client):
    """A customer-service member: staff, not admin."""
    return staff_login(make_client(), *STAFF_MEMBER)
