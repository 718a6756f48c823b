"""Customer records as the staff keep them: search, contact details, agreements, cards, closing."""
import json
from datetime import date, datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import (
    Agreement,
    AuditEvent,
    Customer,
    CustomerSearchTerm,
    Feedback,
    Mailbox,
    Order,
    PayTvCard,
)
from app.models.base import utcnow
from app.models.customer import phone_prefix, search_words
from app.services import DomainError, NotFound, accounts, audit, invoices, outbox, subscriptions, two_factor
from app.validators import BAD_CARD_NUMBER, normalise_card_number

PAGE_SIZE = 25
CONTACT_FIELDS = ("name", "street_address", "postal_code", "city", "phone", "email", "locale")


def search(query: str, page: int = 1, per_page: int = PAGE_SIZE) -> Pagination:
    """Customers whose number or email starts with the query, whose name has a word starting
    with it (in any case, ä as a, ö as o), or whose phone starts with it in any format;
    ordered by customer number.

    Each branch is a prefix match on its own index, joined by UNION: an OR across the customer
    and its search terms would make Postgres test every customer.
    """
    query = query.strip()
    if not query:
        return db.paginate(select(Customer).order_by(Customer.customer_number), page=page, per_page=per_page,
                           error_out=False, max_per_page=100)
    lowered = query.lower()
    terms = [term for term in (search_words(query), phone_prefix(query)) if term]
    matches = union(
        select(Customer.id, Customer.customer_number)
        .where(Customer.customer_number.startswith(lowered, autoescape=True)),
        select(Customer.id, Customer.customer_number).where(Customer.email.startswith(lowered, autoescape=True)),
        *[select(CustomerSearchTerm.customer_id, CustomerSearchTerm.customer_number)
          .where(CustomerSearchTerm.term.startswith(term, autoescape=True)) for term in terms],
    ).subquery()
    return Matches(page=page, per_page=per_page, max_per_page=100, error_out=False, matches=matches)


class Matches(Pagination):
    """A page of search results. The page's ids are picked among the matches, which carry the
    customer number, before any customer row is read: a name shared by 50 000 customers costs
    sorting their numbers, not reading them all."""

    def _query_items(self) -> list[Customer]:
        matches = self._query_args["matches"]
        chosen = (select(matches.c.id, matches.c.customer_number).order_by(matches.c.customer_number)
                  .limit(self.per_page).offset(self._query_offset).subquery())
        return list(db.session.scalars(select(Customer).join(chosen, chosen.c.id == Customer.id)
                                       .order_by(chosen.c.customer_number)))

    def _query_count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(self._query_args["matches"]))


def get(customer_id: int) -> Customer:
    customer = db.session.scalar(
        select(Customer).where(Customer.id == customer_id)
        .options(selectinload(Customer.agreements), selectinload(Customer.pay_tv_cards),
                 selectinload(Customer.account))
    )
    if customer is None:
        raise NotFound(customer_id)
    return customer


def history(customer_id: int) -> dict:
    """Everything the customer's page lists, each in one statement whatever the counts."""
    return {
        "subscriptions": subscriptions.subscriptions_of(customer_id),
        "orders": list(db.session.scalars(
            select(Order).options(selectinload(Order.product))
            .where(Order.customer_id == customer_id).order_by(Order.created_at.desc()).limit(50))),
        "mailboxes": list(db.session.scalars(
            select(Mailbox).where(Mailbox.customer_id == customer_id).order_by(Mailbox.address))),
        "feedback": list(db.session.scalars(
            select(Feedback).where(Feedback.customer_id == customer_id)
            .order_by(Feedback.created_at.desc()).limit(50))),
        "events": list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.customer_id == customer_id)
            .order_by(AuditEvent.id.desc()).limit(30))),
        "invoice_preference": invoices.preference_of(customer_id),
    }


def shown(customer: Customer) -> str:
    """The contact details as a form shows them, for `update_contact`'s `shown`."""
    return json.dumps({name: getattr(customer, name) for name in CONTACT_FIELDS})


def update_contact(customer: Customer, shown: dict | None = None, **values) -> None:
    """The contact details as the staff wrote them. With `shown` (the details the form was drawn with) a
    field left as it was is not written: a change made meanwhile (the API, another tab) stays."""
    values["email"] = (values.get("email") or "").strip().lower() or None
    if shown is not None:
        values = {k: v for k, v in values.items() if (v or None) != (shown.get(k) or None)}
    changed = {k: v for k, v in values.items() if k in CONTACT_FIELDS and getattr(customer, k) != v}
    if values.get("email") and db.session.scalar(
            select(Customer.id).where(Customer.email == values["email"], Customer.id != customer.id)):
        raise DomainError(_l("Another customer has this email address."), field="email")
    if "email" in changed and customer.email:
        # The old address hears of it, as when the customer changes it: were it not their wish, they
        # can call. The new address is not told there; the old one may no longer be theirs alone.
        outbox.queue_email(customer.email, "email_changed_by_staff", values.get("locale") or customer.locale,
                           customer.id, customer=customer)
    for key, value in changed.items():
        setattr(customer, key, value)
    audit.record("customer.updated", customer.id, fields=sorted(changed))
    db.session.commit()


def _check_dates(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from and valid_until and valid_until < valid_from:
        raise DomainError(_l("The end date is before the start date."), field="valid_until")


# One agreement of a kind at a time: with two, ending "the" connection agreement would leave the
# other in force, and the customer could still log in and order.
OVERLAPS = _l("The customer has an agreement of this kind for part of this time already: change that one.")


def _overlap(a: tuple, b: tuple) -> bool:
    """Whether two (kind, valid_from, valid_until) periods of one kind share a day; None is no end."""
    return a[0] == b[0] and a[1] <= (b[2] or date.max) and b[1] <= (a[2] or date.max)


def save_agreement(customer: Customer, agreement_id: int | None, kind: str, valid_from: date,
                   valid_until: date | None) -> Agreement:
    """Add an agreement (no id) or change the customer's own one."""
    _check_dates(valid_from, valid_until)
    if agreement_id is None:
        agreement = Agreement(kind=kind)
    else:
        agreement = _owned(customer.agreements, agreement_id)
    if any(_overlap((agreement.kind, valid_from, valid_until), (a.kind, a.valid_from, a.valid_until))
           for a in customer.agreements if a is not agreement):
        raise DomainError(OVERLAPS, field="valid_from")
    if agreement_id is None:
        customer.agreements.append(agreement)
    agreement.valid_from, agreement.valid_until = valid_from, valid_until
    customer.updated_at = utcnow()
    db.session.flush()
    audit.record("agreement.saved", customer.id, agreement=agreement.id, kind=agreement.kind,
                 valid_from=valid_from, valid_until=valid_until)
    db.session.commit()
    return agreement


def end_agreement(customer: Customer, agreement_id: int, valid_until: date) -> Agreement:
    """The customer's agreement is in force up to and including `valid_until`."""
    agreement = _owned(customer.agreements, agreement_id)
    return save_agreement(customer, agreement_id, agreement.kind, agreement.valid_from, valid_until)


def delete_agreement(customer: Customer, agreement_id: int) -> None:
    """Remove an agreement entered by mistake (one that ended is ended, not removed)."""
    agreement = _owned(customer.agreements, agreement_id)
    customer.agreements.remove(agreement)
    customer.updated_at = utcnow()
    audit.record("agreement.deleted", customer.id, agreement=agreement_id, kind=agreement.kind,
                 valid_from=agreement.valid_from, valid_until=agreement.valid_until)
    db.session.commit()


def save_card(customer: Customer, card_id: int | None, card_number: str, valid_until: date) -> PayTvCard:
    """Add a card (no id; its number unused by anyone) or change the validity of the customer's own one."""
    if card_id is None:
        number = normalise_card_number(card_number)
        if number is None:
            raise DomainError(BAD_CARD_NUMBER, field="card_number")
        card = PayTvCard(card_number=number)
        customer.pay_tv_cards.append(card)
    else:
        card = _owned(customer.pay_tv_cards, card_id)
    card.valid_until = valid_until
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise DomainError(_l("This card number is in use already."), field="card_number") from error
    customer.updated_at = utcnow()
    audit.record("pay_tv_card.saved", customer.id, card=card.card_number, valid_until=valid_until)
    db.session.commit()
    return card


def end_card(customer: Customer, card_id: int, valid_until: date) -> PayTvCard:
    """The customer's card is valid up to and including `valid_until`."""
    return save_card(customer, card_id, "", valid_until)


def delete_card(customer: Customer, card_id: int) -> None:
    """Remove a card from the customer; its number is free for another."""
    card = _owned(customer.pay_tv_cards, card_id)
    customer.pay_tv_cards.remove(card)
    customer.updated_at = utcnow()
    audit.record("pay_tv_card.deleted", customer.id, card=card.card_number)
    db.session.commit()


def _owned(rows: list, row_id: int):
    """A row of this customer's, or a 404 for anything else."""

    row = next((r for r in rows if r.id == row_id), None)
    if row is None:
        raise NotFound()
    return row


def send_reset_link(customer: Customer) -> None:
    """A reset link the staff sends, e.g. after the customer called; audited as the staff member."""
    if customer.status == "closed":
        raise DomainError(accounts.CLOSED)
    if customer.account is None or not customer.account.password_hash:
        raise DomainError(_l("The customer has no password yet: send an invitation instead."))
    if not customer.email:
        raise DomainError(_l("The customer has no email address."))
    token = accounts.link_token("reset", customer.account)
    url = outbox.link("auth.reset_password", token=token)
    outbox.queue_email(customer.email, "password_reset", customer.locale, customer.id,
                       customer=customer, url=url)
    audit.record("password.reset_sent", customer.id)
    db.session.commit()


def reset_two_factor(customer: Customer) -> None:
    if customer.account is None or not customer.account.totp_enabled:
        raise DomainError(_l("The customer does not use two-factor login."))
    two_factor.reset(customer.account)


def close(customer: Customer) -> None:
    """The customer can no longer log in; every session ends. Records stay for billing. Closing
    a closed customer again changes nothing (and is not audited twice)."""
    if customer.status == "closed":
        return
    customer.status = "closed"
    if customer.account is not None:
        customer.account.session_version += 1
    audit.record("customer.closed", customer.id)
    db.session.commit()


def find_by_number(number: str) -> Customer | None:
    """The customer with this customer number, agreements and cards loaded, or None."""
    return db.session.scalar(
        select(Customer).where(Customer.customer_number == number)
        .options(selectinload(Customer.agreements), selectinload(Customer.pay_tv_cards)))


def by_number(number: str) -> Customer:
    """The customer with this customer number, or NotFound."""
    customer = find_by_number(number)
    if customer is None:
        raise NotFound(number)
    return customer


def changed_since(updated_since: datetime | None, after_number: str | None, limit: int) -> list[Customer]:
    """A page of customers in customer-number order, from after `after_number` (the cursor);
    with `updated_since`, only those changed at or after it. Agreements and cards in two more statements."""
    statement = (select(Customer).options(selectinload(Customer.agreements), selectinload(Customer.pay_tv_cards))
                 .order_by(Customer.customer_number).limit(limit))
    if updated_since is not None:
        statement = statement.where(Customer.updated_at >= updated_since)
    if after_number is not None:
        statement = statement.where(Customer.customer_number > after_number)
    return list(db.session.scalars(statement))


def replace_agreements(customer: Customer, agreements: list[dict]) -> None:
    """The customer's agreements become exactly these ({kind, valid_from, valid_until}), as the
    billing system keeps them; the same list again changes nothing."""
    periods = [(a["kind"], a["valid_from"], a.get("valid_until")) for a in agreements]
    problems = {f"agreements.{j}.valid_from": OVERLAPS
                for j, later in enumerate(periods) if any(_overlap(earlier, later) for earlier in periods[:j])}
    problems |= {f"agreements.{i}.valid_until": _l("The end date is before the start date.")
                 for i, (_kind, since, until) in enumerate(periods) if until and until < since}
    if problems:
        raise DomainError.of(problems)

    def key(a) -> tuple:  # in force until further notice sorts last
        return a["kind"], a["valid_from"], a.get("valid_until") is None, a.get("valid_until") or date.min

    wanted = sorted(key(a) for a in agreements)
    if wanted == sorted(key({"kind": a.kind, "valid_from": a.valid_from, "valid_until": a.valid_until})
                        for a in customer.agreements):
        return
    customer.agreements = [Agreement(kind=kind, valid_from=since, valid_until=None if open_ended else until)
                           for kind, since, open_ended, until in wanted]
    customer.updated_at = utcnow()
    audit.record("agreements.replaced", customer.id,
                 agreements=[[a.kind, a.valid_from, a.valid_until] for a in customer.agreements])
    db.session.commit()


def replace_cards(customer: Customer, cards: list[dict]) -> None:
    """The customer's pay-TV cards become exactly these ({card_number, valid_until}); a card of
    another customer's is refused on its line."""
    numbers = [normalise_card_number(c["card_number"]) for c in cards]
    problems = {}
    for i, number in enumerate(numbers):
        if not cards[i]["card_number"].strip():
            problems[f"pay_tv_cards.{i}.card_number"] = _l("Write the card number.")
        elif number is None:
            problems[f"pay_tv_cards.{i}.card_number"] = BAD_CARD_NUMBER
        elif numbers.index(number) != i:
            problems[f"pay_tv_cards.{i}.card_number"] = _l("The same card is in the list twice.")
    taken = set(db.session.scalars(select(PayTvCard.card_number).where(
        PayTvCard.card_number.in_(numbers), PayTvCard.customer_id != customer.id)))
    problems.update({f"pay_tv_cards.{i}.card_number": _l("This card number is in use already.")
                     for i, number in enumerate(numbers) if number in taken})
    if problems:
        raise DomainError.of(problems)
    kept = {c.card_number: c for c in customer.pay_tv_cards}
    before = {(c.card_number, c.valid_until) for c in customer.pay_tv_cards}
    if before == {(n, c["valid_until"]) for n, c in zip(numbers, cards, strict=True)}:
        return
    customer.pay_tv_cards = [kept.get(n) or PayTvCard(card_number=n) for n in numbers]
    for card, wanted in zip(customer.pay_tv_cards, cards, strict=True):
        card.valid_until = wanted["valid_until"]
    customer.updated_at = utcnow()
    audit.record("pay_tv_cards.replaced", customer.id, cards=numbers)
    db.session.commit()
