"""Käyttäjätiedot: the email change by confirmation link, the language, and the customer's own data."""
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.labels import LANGUAGES, OUTAGE_NOTICE_CHANNELS
from app.models import Account, Customer
from app.models.base import utcnow
from app.security import fingerprint, make_token, read_token
from app.services import DomainError, accounts, audit, outbox

EMAIL_CHANGE_MAX_AGE = 24 * 3600
# Each email change request mails a confirmation link to an address nobody has proven yet: so
# many per account, and so many to any one address whichever accounts ask.
EMAIL_CHANGES_PER_ACCOUNT = (3, timedelta(hours=1))
EMAIL_CHANGES_PER_ADDRESS = (3, timedelta(days=1))


def _change_state(customer: Customer) -> str:
    """Changes when the address switches, or the pending change is cancelled or replaced."""
    at = customer.pending_email_at.isoformat() if customer.pending_email_at else ""
    return fingerprint(customer.email, customer.pending_email, at)


def request_email_change(account: Account, new_email: str, password: str) -> None:
    """Keep the new address pending; the link to it confirms, a notice tells the old one."""
    customer = _locked(account.customer_id)
    accounts.check_password(account, password)
    new_email = new_email.strip().lower()
    if new_email == (customer.email or ""):
        raise DomainError(_l("This is already your email address."), field="email")
    _check_email_change_limits(customer, new_email)
    customer.pending_email = new_email
    customer.pending_email_at = utcnow()
    token = make_token("email-change", {"customer": customer.id, "state": _change_state(customer)})
    url = outbox.link("account.confirm_email", token=token)
    outbox.queue_email(new_email, "email_change_confirm", customer.locale, customer.id, url=url)
    if customer.email:
        outbox.queue_email(customer.email, "email_change_notice", customer.locale, customer.id,
                           customer=customer, new_email=new_email)
    audit.record("email.change_requested", customer.id, new_email=new_email)
    db.session.commit()


def _check_email_change_limits(customer: Customer, new_email: str) -> None:
    """Counted from the confirmation emails queued, so a refused request counts for nothing."""
    most, period = EMAIL_CHANGES_PER_ACCOUNT
    if outbox.emails_queued("email_change_confirm", utcnow() - period, customer_id=customer.id) >= most:
        raise DomainError(_l("You have asked to change your email address %(n)d times within an hour, which is "
                             "the most we accept. Please try again later.", n=most), field="email")
    most, period = EMAIL_CHANGES_PER_ADDRESS
    if outbox.emails_queued("email_change_confirm", utcnow() - period, to=new_email) >= most:
        raise DomainError(_l("We have sent this address as many confirmation links as we send in a day. "
                             "Please try again tomorrow or call our customer service."), field="email")


def pending_change(token: str) -> Customer | None:
    """The customer whose pending change this link confirms, if it is still valid and unused."""
    data = read_token("email-change", token, EMAIL_CHANGE_MAX_AGE)
    if not data:
        return None
    customer = db.session.get(Customer, data.get("customer"))
    if customer is None or customer.status != "active" or not customer.pending_email:
        return None
    if data.get("state") != _change_state(customer):
        return None
    return customer


def confirm_email_change(token: str) -> Customer:
    customer = pending_change(token)
    if customer is not None:
        customer = _locked(customer.id)
        customer = pending_change(token)  # again, under the lock: a link works once
    if customer is None:
        raise DomainError(_l("The link has expired or has already been used."))
    taken = db.session.scalar(select(func.count()).select_from(Customer).where(
        Customer.email == customer.pending_email, Customer.id != customer.id))
    if taken:
        raise DomainError(_l("This email address is already in use. Please contact our customer service."))
    old, customer.email = customer.email, customer.pending_email
    customer.pending_email = None
    customer.pending_email_at = None
    audit.record("email.changed", customer.id, actor=customer.account, old_email=old, new_email=customer.email)
    db.session.commit()
    return customer


def cancel_email_change(account: Account) -> None:
    customer = _locked(account.customer_id)
    if customer.pending_email:
        audit.record("email.change_cancelled", customer.id, new_email=customer.pending_email)
        customer.pending_email = None
        customer.pending_email_at = None
    db.session.commit()


def set_language(account: Account, locale: str) -> None:
    if locale not in LANGUAGES:
        raise DomainError(_l("Choose one of the languages."), field="locale")
    customer = account.customer
    if customer.locale != locale:
        audit.record("locale.changed", customer.id, locale=locale)
        customer.locale = locale
    db.session.commit()


def set_outage_notices(account: Account, channel: str, updates: bool) -> None:
    if channel not in OUTAGE_NOTICE_CHANNELS:
        raise DomainError(_l("Choose how you are told."), field="outage_notices")
    customer = account.customer
    if channel == "sms" and not customer.phone:
        raise DomainError(_l("We have no phone number of yours; contact customer service to add one."),
                          field="outage_notices")
    if (customer.outage_notices, customer.outage_updates) != (channel, updates):
        audit.record("outage_notices.changed", customer.id, channel=channel, updates=updates)
        customer.outage_notices, customer.outage_updates = channel, updates
    db.session.commit()


def _locked(customer_id: int) -> Customer:
    """The customer row, locked on Postgres so concurrent changes of it run one at a time."""
    return db.session.scalars(
        select(Customer).where(Customer.id == customer_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()

