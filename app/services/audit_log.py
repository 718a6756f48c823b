"""Tapahtumaloki and the failing outbox messages, as the staff read them."""
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Customer, OutboxMessage


def events(asiakas: str = "", tekija: str = "", tapahtuma: str = "", page: int = 1, per_page: int = 50):
    """Newest first; filtered by customer number, actor name and action (prefix)."""
    statement = select(AuditEvent).order_by(AuditEvent.id.desc())
    if asiakas:
        statement = statement.where(AuditEvent.customer_id == select(Customer.id).where(
            Customer.customer_number == asiakas).scalar_subquery())
    if tekija:
        statement = statement.where(AuditEvent.actor_name == tekija)
    if tapahtuma:
        statement = statement.where(AuditEvent.action.startswith(tapahtuma, autoescape=True))
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def failed_messages(page: int = 1, per_page: int = 50):
    statement = (select(OutboxMessage).where(OutboxMessage.status == "failed")
                 .order_by(OutboxMessage.id.desc()))
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def customer_numbers(events: list[AuditEvent]) -> dict[int, str]:
    """The customer numbers of a page of events, in one statement."""
    ids = {e.customer_id for e in events if e.customer_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(Customer.id, Customer.customer_number).where(Customer.id.in_(ids))).all())
