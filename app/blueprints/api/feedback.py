"""Feedback and written termination notices: the inbox, and its status."""
from app.blueprints.api import resource, schemas
from app.services import inbox

bp = resource("feedback", __name__, "Feedback and termination notices (scopes feedback:read, feedback:write)")


@bp.page("/feedback", schemas.FeedbackQuerySchema, schemas.FeedbackListSchema)
def feedback_list(after: int, limit: int, status: str | None = None, kind: str | None = None):
    """Messages in id order after `after`; `status=new` for the ones nobody has looked at."""
    return inbox.after(after, status, kind, limit)


@bp.call("GET", "/feedback/<int:feedback_id>", schemas.FeedbackSchema)
def feedback_read(feedback_id: int):
    return inbox.get(feedback_id)


@bp.call("PUT", "/feedback/<int:feedback_id>/status", schemas.FeedbackSchema, body=schemas.FeedbackStatusSchema)
def feedback_status(values: dict, feedback_id: int):
    """Set the status and the staff's note, as in the console; without `staff_note` the note stays."""
    item = inbox.get(feedback_id)
    inbox.update(item, values["status"], values.get("staff_note", item.staff_note))
    return item


@bp.call("POST", "/feedback/<int:feedback_id>/subscriptions/<int:subscription_id>/end", schemas.FeedbackSchema,
         body=schemas.EndSubscriptionSchema)
def feedback_end_subscription(values: dict, feedback_id: int, subscription_id: int):
    """End a subscription the termination notice names, on the given day; the customer is told in
    writing, as from the console."""
    item = inbox.get(feedback_id)
    inbox.end_subscription(item, subscription_id, values["ends_on"])
    return item
