"""Vastauspohjat: short named texts the staff start a reply from; kept by the admins in Asetukset."""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import CannedReply
from app.services import DomainError, audit, get

NAME_TAKEN = _l("A canned reply of that name exists already.")


def all_replies() -> list[CannedReply]:
    return list(db.session.scalars(select(CannedReply).order_by(func.lower(CannedReply.name))))


def added_to(text: str, canned: str) -> str:
    """A reply with a canned text used: what it said so far, a blank line and the canned text (the
    canned text alone in an empty reply), so that nothing typed is lost."""
    return f"{text.rstrip()}\n\n{canned}" if text.strip() else canned


def save(canned_id: int | None, name: str, body: str) -> CannedReply:
    """Add a canned reply (`canned_id` None) or change one; names are unique, so a list reads clearly."""
    name, body = name.strip(), body.strip()
    errors = {}
    if not name:
        errors["name"] = _l("Write a name.")
    elif _name_taken(name, canned_id):
        errors["name"] = NAME_TAKEN
    if not body:
        errors["body"] = _l("Write the text.")
    if errors:
        raise DomainError.of(errors)
    canned = get(CannedReply, canned_id) if canned_id is not None else CannedReply()
    canned.name, canned.body = name, body
    db.session.add(canned)
    try:
        db.session.flush()
    except IntegrityError:  # another admin took the name after the check: the same refusal
        db.session.rollback()
        raise DomainError(NAME_TAKEN, "name") from None
    audit.record("canned_reply.changed" if canned_id is not None else "canned_reply.added", canned_reply=canned.name)
    db.session.commit()
    return canned


def _name_taken(name: str, canned_id: int | None) -> bool:
    """Taken in any case: "kiitos palautteesta" beside "Kiitos palautteesta" would read as one."""
    return db.session.scalar(select(CannedReply.id).where(func.lower(CannedReply.name) == name.lower(),
                                                          CannedReply.id != (canned_id or 0))) is not None


def delete(canned_id: int) -> bool:
    """False when it is gone already (removed in another tab): what was asked for holds."""
    canned = db.session.get(CannedReply, canned_id)
    if canned is None:
        return False
    audit.record("canned_reply.removed", canned_reply=canned.name)
    db.session.delete(canned)
    db.session.commit()
    return True
