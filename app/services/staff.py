"""The console's own reading: the overview counts."""
from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Feedback, Order, OutboxMessage

# Not closed: what the overview counts, and the queue's filter "open".
OPEN_STATUSES = ("new", "in_progress", "answered")


def overview() -> dict[str, int]:
    """What waits for the staff, counted in one statement."""
    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    row = db.session.execute(select(
        count(Order, Order.status == "new").label("new_orders"),
        count(Order, Order.status == "pending").label("pending_orders"),
        count(Feedback, Feedback.status == "new", Feedback.topic != "termination").label("new_feedback"),
        count(Feedback, Feedback.status == "new", Feedback.topic == "termination").label("new_terminations"),
        count(OutboxMessage, OutboxMessage.status == "failed").label("failed_messages"),
    )).one()
    return dict(row._mapping)



def conversations(account_id: int) -> dict[str, int]:
    """The open conversations by status, and how many of them `account_id` handles: one statement."""
    rows = db.session.execute(
        select(Feedback.status, func.count(), func.sum(case((Feedback.handler_id == account_id, 1), else_=0)))
        .where(Feedback.status.in_(OPEN_STATUSES)).group_by(Feedback.status)).all()
    counts = dict.fromkeys(OPEN_STATUSES, 0) | {status: n for status, n, _mine in rows}
    return counts | {"mine": sum(mine for _status, _n, mine in rows)}
