"""Licence keys of TURVAPAKETTI: taken from the pool, given to pending subscriptions oldest first."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, LicenceKey, Order, OutboxMessage, Product, Subscription
from app.models.base import today
from app.services import licences


def _pending_subscription(customer, product, day):
    subscription = Subscription(customer=customer, product=product, starts_on=day, status="pending")
    db.session.add(Order(customer=customer, product=product, subscription=subscription, status="pending",
                         idempotency_key=f"k-{customer.id}-{day}", price_cents=product.price_cents,
                         vat_basis_points=product.vat_basis_points))
    db.session.flush()
    return subscription


def test_end_date_of_a_fixed_term():
    assert licences.end_date(date(2026, 1, 31), 1) == date(2026, 2, 27)
    assert licences.end_date(date(2026, 11, 24), 12) == date(2027, 11, 23)
    assert licences.end_date(date(2026, 11, 24), None) is None


def test_assign_key_takes_a_free_key_and_queues_the_email(demo_data):
    product = db.session.scalar(select(Product).where(Product.code == "TURVAPAKETTI-5"))
    liisa = db.session.scalar(select(Customer).where(Customer.customer_number == "100002"))
    subscription = Subscription(customer=liisa, product=product, starts_on=today())
    db.session.add(subscription)
    db.session.flush()
    assert licences.assign_key(subscription) is True
    db.session.commit()
    key = db.session.scalar(select(LicenceKey).where(LicenceKey.subscription_id == subscription.id))
    assert key.product_id == product.id and key.assigned_at is not None
    email = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "ota_kayttoon"))
    assert email.payload["subject"] == "F-Secure Turvapaketti-palvelusi – Ota käyttöön!"
    assert key.key in email.payload["body"] and "Asenna" in email.payload["body"]
    assert "liisa.korhonen@example.fi" in email.payload["body"]


def test_assign_key_on_an_empty_pool_says_no(demo_data):
    product = db.session.scalar(select(Product).where(Product.code == "TURVAPAKETTI-5"))
    db.session.execute(LicenceKey.__table__.delete().where(LicenceKey.product_id == product.id))
    liisa = db.session.scalar(select(Customer).where(Customer.customer_number == "100002"))
    subscription = Subscription(customer=liisa, product=product, starts_on=today(), status="pending")
    db.session.add(subscription)
    db.session.flush()
    assert licences.assign_key(subscription) is False
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "ota_kayttoon")) is None


def test_assign_pending_serves_the_oldest_first_while_keys_last(demo_data):
    product = db.session.scalar(select(Product).where(Product.code == "TURVAPAKETTI-5"))
    free = db.session.scalars(select(LicenceKey).where(LicenceKey.product_id == product.id)).all()
    for key in free[2:]:
        db.session.delete(key)
    customers = db.session.scalars(select(Customer).order_by(Customer.customer_number)).all()[:3]
    waiting = [_pending_subscription(c, product, date(2026, 1, 1 + i)) for i, c in enumerate(customers)]
    db.session.commit()

    assert licences.assign_pending(product.id) == 2
    db.session.commit()
    first, second, third = (db.session.get(Subscription, s.id) for s in waiting)
    assert [first.status, second.status, third.status] == ["active", "active", "pending"]
    assert first.starts_on == today() and first.licence_key is not None
    assert third.licence_key is None
    orders = {o.subscription_id: o.status for o in db.session.scalars(select(Order).where(Order.product_id == product.id))}
    assert [orders[s.id] for s in waiting] == ["delivered", "delivered", "pending"]
    assert len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "ota_kayttoon")).all()) == 2
    assert licences.assign_pending(product.id) == 0
