"""The console's own reading: the overview counts."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Feedback, Order, OutboxMessage


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

