"""Tiedotteet: what the staff announce, and which announcements a customer sees on Etusivu."""
import re
from datetime import date

from markupsafe import Markup, escape
from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Announcement, AnnouncementDismissal, Product, ProductGroup, Subscription
from app.services import DomainError, NotFound, audit

URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


def linkify(text: str) -> Markup:
    """Plain text with its web addresses as links; everything else escaped."""
    parts, last = [], 0
    for match in URL.finditer(text):
        parts += [escape(text[last:match.start()]), Markup('<a href="{0}">{0}</a>').format(match.group())]
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def _shown_to_a_customer():
    """Valid on :day, meant for :customer_id (for everyone, or for a group of a service in force),
    not dismissed; newest first. Built once: Etusivu asks on every visit, and building the
    statement cost more than running it."""
    customer_id, day = bindparam("customer_id"), bindparam("day")
    in_group = exists().where(
        Subscription.customer_id == customer_id, Subscription.status == "active",
        Subscription.starts_on <= day, or_(Subscription.ends_on.is_(None), Subscription.ends_on >= day),
        Subscription.product_id == Product.id, Product.group_id == Announcement.audience_group_id)
    dismissed = exists().where(AnnouncementDismissal.announcement_id == Announcement.id,
                               AnnouncementDismissal.customer_id == customer_id)
    return (select(Announcement)
            .where(Announcement.valid_from <= day,
                   or_(Announcement.valid_until.is_(None), Announcement.valid_until >= day),
                   or_(Announcement.audience_group_id.is_(None), in_group), ~dismissed)
            .order_by(Announcement.valid_from.desc(), Announcement.id.desc()).limit(5))


SHOWN_TO_A_CUSTOMER = _shown_to_a_customer()


def for_customer(customer_id: int, day: date) -> list[Announcement]:
    """What Etusivu shows the customer on `day`: one statement."""
    return list(db.session.scalars(SHOWN_TO_A_CUSTOMER, {"customer_id": customer_id, "day": day}))


def dismiss(customer_id: int, announcement_id: int, day: date) -> None:
    """Close an announcement shown to the customer. Closing it again (a double click, a second tab)
    changes nothing, as does a press answered at the same moment."""
    if db.session.get(AnnouncementDismissal, (announcement_id, customer_id)) is not None:
        return
    if announcement_id not in {a.id for a in for_customer(customer_id, day)}:
        raise NotFound()
    db.session.add(AnnouncementDismissal(announcement_id=announcement_id, customer_id=customer_id))
    try:
        db.session.commit()
    except IntegrityError:  # the same press in another request won the race: it is closed
        db.session.rollback()


def all_announcements(page: int):
    return db.paginate(select(Announcement).order_by(Announcement.valid_from.desc(), Announcement.id.desc()),
                       page=page, per_page=25, error_out=False)


def refusals(valid_from: date | None, valid_until: date | None, audience_group_id: int | None) -> dict:
    """What `save` refuses, by field; the console's form asks too when its own checks refuse something
    (a date it could not read is None), so that every refusal comes in one answer."""
    problems = {}
    if valid_from and valid_until and valid_until < valid_from:
        problems["valid_until"] = _l("The end date is before the start date.")
    if audience_group_id and db.session.get(ProductGroup, audience_group_id) is None:
        problems["audience_group_id"] = _l("Choose a product group.")
    return problems


def save(announcement: Announcement | None, title: str, body: str, valid_from: date, valid_until: date | None,
         audience_group_id: int | None) -> None:
    if problems := refusals(valid_from, valid_until, audience_group_id):
        raise DomainError.of(problems)
    if announcement is None:
        announcement = Announcement()
        db.session.add(announcement)
    announcement.title, announcement.body = title.strip(), body.strip()
    announcement.valid_from, announcement.valid_until = valid_from, valid_until
    announcement.audience_group_id = audience_group_id or None
    db.session.flush()
    audit.record("announcement.saved", None, announcement=announcement.id, title=announcement.title)
    db.session.commit()


def delete(announcement_id: int) -> bool:
    """False when it is gone already (removed in another tab): what was asked for holds."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        return False
    audit.record("announcement.deleted", None, announcement=announcement.id, title=announcement.title)
    db.session.delete(announcement)
    db.session.commit()
    return True


