"""Häiriötiedotteet: outages the staff announce, who they affect, and telling those customers.

A customer is affected when the outage covers their address (every customer, or their postal
code or municipality) and, if the outage names product groups, they have a subscription in
force in one of them. The customers are found through the postal code and city indexes of
`customer` and the customer index of `subscription`, never by reading every customer.

Telling them is the worker's job (`notify`, an outbox task), so the staff's request does not
wait for a city's customers: each run writes a batch of OutageNotice rows, one per customer
and event, with the customer's message in the same transaction, and queues itself again
while some are left. The unique constraint on (outage, customer, event) and the "not told
yet" condition make a task that runs twice (a worker killed before marking it done) tell
nobody twice. Customers who ask for updates (`Customer.outage_updates`) hear of each one too
(`notify_update`, the same way with OutageUpdateNotice rows), if they were told it started.
"""
import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.kept import Kept
from app.models import (
    Customer,
    Outage,
    OutageArea,
    OutageNotice,
    OutageUpdate,
    OutageUpdateNotice,
    Product,
    ProductGroup,
    Subscription,
)
from app.models.base import day_of, utcnow
from app.models.outage import SEVERITIES
from app.services import DomainError, NotFound, audit, outbox
from app.validators import POSTAL_CODE

RECENT = timedelta(days=30)
# What a page shows of each outage, loaded with it: the statements of a page do not grow with the outages.
SHOWN = (selectinload(Outage.areas), selectinload(Outage.groups), selectinload(Outage.updates))
NOTIFY_BATCH = 500
PUBLIC_PAGE = 10
FEED_ENTRIES = 50


def postal_codes(text: str) -> list[str]:
    """The postal codes written in `text`, separated by commas or spaces."""
    return sorted(set(re.split(r"[\s,;]+", text.strip()))) if text.strip() else []


def municipalities(text: str) -> list[str]:
    """The municipalities written in `text`, one per comma or line, as customers' cities are stored."""
    return sorted({m.strip() for m in re.split(r"[,;\n]+", text) if m.strip()})


def refusals(fields: dict, codes: list[str] | None, places: list[str] | None) -> dict:
    """What `create` refuses of an outage's fields and places, by field. The console's form and the
    API's schema ask too when their own checks refuse something, so that every refusal comes in one
    answer; what they could not read (a field left out of `fields`, places None) is not judged."""
    errors = {}
    if bad := [c for c in codes or () if not POSTAL_CODE.fullmatch(c)]:
        errors["postal_codes"] = _l("A postal code is five digits: %(codes)s", codes=", ".join(bad))
    if codes is not None and places is not None and not fields.get("all_customers") and not codes and not places:
        errors["postal_codes"] = _l("Give the postal codes or municipalities, or choose all customers.")
    if "severity" in fields and fields["severity"] not in SEVERITIES:
        errors["severity"] = _l("Choose the severity.")
    started, fix = fields.get("started_at"), fields.get("estimated_fix_at")
    if started and fix and fix <= started:  # a fix at the start is no outage to tell of
        errors["estimated_fix_at"] = _l("The estimated fix must be after the start.")
    return errors


def create(fields: dict, group_ids: list[int], codes: list[str], places: list[str]) -> Outage:
    """A new outage; the affected customers are told by the worker."""
    codes, places = sorted(set(codes)), sorted(set(places))  # each place once, however often it was named
    errors = refusals(fields, codes, places)
    groups = list(db.session.scalars(select(ProductGroup).where(ProductGroup.id.in_(group_ids))))
    if len(groups) != len(set(group_ids)):
        errors["group_ids"] = _l("Choose a product group.")
    if errors:
        raise DomainError.of(errors)
    areas = [] if fields.get("all_customers") else [
        *(OutageArea(kind="postal_code", value=c) for c in codes),
        *(OutageArea(kind="municipality", value=m) for m in places)]
    outage = Outage(**fields, groups=groups, areas=areas)
    db.session.add(outage)
    db.session.flush()
    audit.record("outage.created", None, outage=outage.id, title=outage.title, severity=outage.severity,
                 all_customers=outage.all_customers, postal_codes=outage.postal_codes,
                 municipalities=outage.municipalities, groups=[g.code for g in groups])
    outbox.queue_task("outage.notify", outage_id=outage.id, event="start")
    db.session.commit()
    return outage


def post_update(outage: Outage, text: str, now: datetime) -> OutageUpdate:
    if outage.resolved_at is not None:
        raise DomainError(_l("The outage is already resolved."))
    update = OutageUpdate(outage_id=outage.id, text=text.strip(), posted_at=now)
    db.session.add(update)
    db.session.flush()
    audit.record("outage.updated", None, outage=outage.id, update=update.id, text=update.text)
    outbox.queue_task("outage.notify_update", update_id=update.id)
    db.session.commit()
    return update


def resolve(outage: Outage, note: str, now: datetime) -> None:
    """Close the outage; the customers told of its start are told it is over."""
    db.session.refresh(outage, with_for_update=True)  # two staff resolving at once: one resolves
    if outage.resolved_at is not None:
        raise DomainError(_l("The outage is already resolved."))
    outage.resolved_at, outage.closing_note = now, (note or "").strip()  # the note may be left out
    audit.record("outage.resolved", None, outage=outage.id, closing_note=outage.closing_note)
    outbox.queue_task("outage.notify", outage_id=outage.id, event="resolve")
    db.session.commit()


def affected(outage: Outage, now: datetime):
    """The ids of the customers the outage affects, as a statement (see the module's docstring)."""
    query = select(Customer.id).where(Customer.status == "active")
    if not outage.all_customers:
        query = query.where(or_(false(), *(
            [Customer.postal_code.in_(outage.postal_codes)] if outage.postal_codes else []), *(
            [Customer.city.in_(outage.municipalities)] if outage.municipalities else [])))
    in_force = _in_force(Customer.id, day_of(now))
    if outage.groups:
        in_force += [Subscription.product_id == Product.id, Product.group_id.in_([g.id for g in outage.groups])]
    return query.where(exists().where(*in_force))


def _in_force(customer_id, day) -> list:
    """The conditions of a subscription of `customer_id` (a value or a column) in force on `day`."""
    return [Subscription.customer_id == customer_id, Subscription.status == "active", Subscription.starts_on <= day,
            or_(Subscription.ends_on.is_(None), Subscription.ends_on >= day)]


def _unresolved(session) -> list[Outage]:
    """Every outage not resolved yet, newest first, with what a page shows of it."""
    return list(session.scalars(select(Outage).options(*SHOWN).where(Outage.resolved_at.is_(None))
                                .order_by(Outage.started_at.desc())))


# Every customer at an outage's address sees it on Etusivu, often all at once (the morning it began):
# the outages are read once per process and change (app/kept.py), not once per page.
UNRESOLVED = Kept("outages", ("outage", "outage_area", "outage_group", "outage_update", "product_group"), _unresolved)


def affecting(customer: Customer, now: datetime, held: list[Subscription]) -> list[Outage]:
    """The outages Etusivu and Asiakaspalvelu show the customer, newest first: begun, not resolved, at
    their address, on their services (as `affected` finds the customers of one), from the subscriptions
    the page has read (`held`, with their products). No statement: the outages are kept."""
    if customer.status != "active":
        return []
    day = day_of(now)
    groups = {s.product.group_id for s in held if s.is_in_force(day)}
    return [o for o in UNRESOLVED.get() if o.started_at <= now and (
        o.all_customers or customer.postal_code in o.postal_codes or customer.city in o.municipalities)
        and (groups & {g.id for g in o.groups} if o.groups else groups)]


def _public(now: datetime, postal_code: str = ""):
    """The current outages and those resolved in the last 30 days, at `postal_code` if given
    (an outage of every customer is at every postal code; one by municipality is shown too,
    since a postal code does not tell the municipality); the current first, newest first."""
    query = select(Outage).where(Outage.started_at <= now,
                                 or_(Outage.resolved_at.is_(None), Outage.resolved_at >= now - RECENT))
    if postal_code:
        by_code = exists().where(OutageArea.outage_id == Outage.id, OutageArea.kind == "postal_code",
                                 OutageArea.value == postal_code)
        by_place = exists().where(OutageArea.outage_id == Outage.id, OutageArea.kind == "municipality")
        query = query.where(or_(Outage.all_customers, by_code, by_place))
    return query.order_by(Outage.resolved_at.is_not(None), Outage.started_at.desc())


def public_page(now: datetime, postal_code: str, page: int):
    """A page of `PUBLIC_PAGE` outages of /hairiot: their titles and times, the rest on each one's page,
    so a search's answer stays small on a weak mobile link however many there are."""
    return db.paginate(_public(now, postal_code), page=page, per_page=PUBLIC_PAGE, error_out=False)


def public_feed(now: datetime) -> list[Outage]:
    """The feed's entries, whole, most recently changed first."""
    outages = db.session.scalars(_public(now).options(*SHOWN).limit(FEED_ENTRIES))
    return sorted(outages, key=lambda o: o.updated_at, reverse=True)


def public_outage(outage_id: int, now: datetime) -> Outage:
    """One outage as everyone may read it, once it has started."""
    outage = db.session.scalar(select(Outage).options(*SHOWN).where(Outage.id == outage_id, Outage.started_at <= now))
    if outage is None:
        raise NotFound("outage")
    return outage


def listing(page: int):
    return db.paginate(select(Outage).order_by(Outage.resolved_at.is_not(None), Outage.started_at.desc()),
                       page=page, per_page=25, error_out=False)


def counts(outage: Outage, now: datetime) -> dict:
    """How many customers the outage affects, and how many were told of each event, per channel."""
    told = db.session.execute(
        select(OutageNotice.event, OutageNotice.channel, func.count())
        .where(OutageNotice.outage_id == outage.id).group_by(OutageNotice.event, OutageNotice.channel))
    return {"affected": db.session.scalar(select(func.count()).select_from(affected(outage, now).subquery())),
            "told": {(event, channel): n for event, channel, n in told}}


@outbox.task("outage.notify")
def notify(outage_id: int, event: str, after: int = 0) -> None:
    """Tell a batch of the affected customers not yet told of `event` (from the customer id
    `after` on); queue the next batch."""
    outage = db.session.get(Outage, outage_id)
    if outage is None:
        return
    if event == "start":
        ids = affected(outage, utcnow())
    else:  # only those told it started hear that it is over
        ids = _told_of_start(outage_id)
    told = exists().where(OutageNotice.outage_id == outage_id, OutageNotice.event == event,
                          OutageNotice.customer_id == Customer.id, OutageNotice.customer_id > after)

    def tell(customer: Customer, channel: str) -> None:
        db.session.add(OutageNotice(outage_id=outage.id, customer_id=customer.id, event=event, channel=channel))
        _send(customer, channel, f"outage_{event}", outage=outage)

    _in_batches(Customer.id.in_(ids) & ~told, after, tell, "outage.notify", outage_id=outage_id, event=event)


@outbox.task("outage.notify_update")
def notify_update(update_id: int, after: int = 0) -> None:
    """Tell a batch of the customers who asked for updates, and were told the outage started, of
    one update (from the customer id `after` on); queue the next batch."""
    update = db.session.get(OutageUpdate, update_id)
    if update is None:
        return
    outage = db.session.get(Outage, update.outage_id)
    told = exists().where(OutageUpdateNotice.update_id == update_id, OutageUpdateNotice.customer_id == Customer.id,
                          OutageUpdateNotice.customer_id > after)

    def tell(customer: Customer, channel: str) -> None:
        db.session.add(OutageUpdateNotice(update_id=update_id, customer_id=customer.id, channel=channel))
        _send(customer, channel, "outage_update", outage=outage, update=update)

    _in_batches(Customer.id.in_(_told_of_start(outage.id)) & ~told & Customer.outage_updates, after,
                tell, "outage.notify_update", update_id=update_id)


def _told_of_start(outage_id: int):
    return select(OutageNotice.customer_id).where(OutageNotice.outage_id == outage_id, OutageNotice.event == "start")


def _in_batches(who, after: int, tell, task: str, **payload) -> None:
    """`tell` a batch of the customers `who` selects and a notice can reach, each by their channel,
    in id order from `after` on; the task again for the rest, from the batch's last id. Each batch
    reads only its own stretch of ids, so a city is told in time that grows with its size (not
    with its square), and the customers no notice can reach are never selected, so they cannot
    hold it up. `who` leaves out the customers already told (their notice rows): a batch run again
    after a worker died, or the job queued twice, tells no one twice. (`who`'s notice condition
    also says `customer_id > after`, which the id order implies: said, it lets Postgres read only
    this stretch of the notices instead of all those told before it.)"""
    customers = list(db.session.scalars(select(Customer).where(who, _reachable(), Customer.id > after)
                                        .order_by(Customer.id).limit(NOTIFY_BATCH + 1)))
    for customer in customers[:NOTIFY_BATCH]:
        tell(customer, _channel(customer))
    if len(customers) > NOTIFY_BATCH:
        outbox.queue_task(task, after=customers[NOTIFY_BATCH - 1].id, **payload)


def _sms_possible() -> bool:
    return bool(current_app.config["SMS_GATEWAY_URL"])


def _reachable():
    """The customers a notice reaches: by their choice, or by email when a text message cannot be sent."""
    by_email = Customer.email.is_not(None) & (Customer.email != "")
    by_sms = (Customer.outage_notices == "sms") & (Customer.phone != "") if _sms_possible() else false()
    return (Customer.outage_notices != "none") & (by_email | by_sms)


def _channel(customer: Customer) -> str:
    if customer.outage_notices == "sms" and customer.phone and _sms_possible():
        return "sms"
    return "email"  # chosen, or no number or no gateway configured: email rather than nothing


def _send(customer: Customer, channel: str, template: str, **context) -> None:
    context |= {"customer": customer, "page": outbox.link("outages.show", outage_id=context["outage"].id)}
    if channel == "sms":
        outbox.queue_sms(customer.phone, template, customer.locale, customer.id, **context)
    else:
        outbox.queue_email(customer.email, template, customer.locale, customer.id, **context)


def group_ids(codes: list[str]) -> list[int]:
    """The ids of the product groups with these codes (the API names groups by code)."""
    found = dict(db.session.execute(
        select(ProductGroup.code, ProductGroup.id).where(ProductGroup.code.in_(codes))).all())
    if unknown := sorted(set(codes) - set(found)):
        raise DomainError(_l("No such product group: %(codes)s", codes=", ".join(unknown)), field="groups")
    return [found[c] for c in codes]


def outages_after(after: int, limit: int, now: datetime, current: bool | None = None) -> list[Outage]:
    """Outages in id order after the id `after`; if asked, only those on at `now` (begun and not
    resolved, as the public page shows them) or only the resolved ones. One that begins later is in
    neither."""
    query = select(Outage).options(*SHOWN).where(Outage.id > after)
    if current:
        query = query.where(Outage.resolved_at.is_(None), Outage.started_at <= now)
    elif current is not None:
        query = query.where(Outage.resolved_at.is_not(None))
    return list(db.session.scalars(query.order_by(Outage.id).limit(limit)))
