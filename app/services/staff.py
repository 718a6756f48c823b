"""The console's own reading: the overview counts and the staff member's two-factor set-up."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Feedback, Order, OutboxMessage
from app.services import two_factor


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


def pending_totp_secret(account: Account) -> str:
    """The secret a staff member is setting up: kept on the account, unused until a code proves it."""
    if account.totp_enabled:
        raise ValueError("two-factor is on already")
    if not account.totp_secret:
        account.totp_secret = two_factor.new_secret()
        db.session.commit()
    return account.totp_secret
