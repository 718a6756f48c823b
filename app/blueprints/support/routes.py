from flask import url_for
from flask_login import current_user, login_required

from app import i18n
from app.blueprints.support import bp
from app.blueprints.support.forms import FeedbackForm, ReplyForm
from app.i18n import gettext as _
from app.labels import TOPICS
from app.models import Subscription
from app.models.base import today, utcnow
from app.services import attachments, outages, subscriptions, support
from app.web import done, render, send_attachment, takes_files


def _form(held: list[Subscription]) -> FeedbackForm:
    customer = current_user.customer
    form = FeedbackForm(contact_email=customer.email or "", contact_phone=customer.phone)
    in_force = subscriptions.in_force(held, today())
    form.subscriptions.choices = [(str(s.id), s.product.label) for s in in_force]
    form.fault_subscription.choices = [("", _("Choose")), *form.subscriptions.choices]
    return form


@bp.route("/asiakaspalvelu", methods=["GET", "POST"])
@login_required
@takes_files
def index():
    """Contact details and the feedback form, with the fields of a termination notice. A message sent
    is a conversation of its own: its page, pushed in place of this one with htmx."""
    held = subscriptions.subscriptions_of(current_user.customer_id)
    form = _form(held)
    if form.validate_on_submit():
        reference = support.send(current_user.customer_id, form.message_to_send()).reference
        return done(_("Thank you! Your message was received with the reference %(ref)s. "
                      "A receipt is on its way to your email.", ref=reference),
                    url_for("support.conversation", reference=reference), "support/conversation.html", "message",
                    push=True, arrived=True, **_conversation(reference, ReplyForm(formdata=None)))
    return render("support/index.html", "support", form=form, today_iso=today().isoformat(),
                  now_local=i18n.local_minute(utcnow()),
                  outages=outages.affecting(current_user.customer, utcnow(), held),
                  conversations=support.conversations_of(current_user.customer_id))


@bp.route("/asiakaspalvelu/viesti/<reference>", methods=["GET", "POST"])
@login_required
@takes_files
def conversation(reference: str):
    """The conversation's messages in order and the reply form; the first message is its receipt."""
    form = ReplyForm()
    if form.validate_on_submit():
        support.reply(current_user.customer_id, reference, form.message.data, form.attachments.data,
                      form.idempotency_key.data or None)
        return done(_("Your reply was sent."), url_for("support.conversation", reference=reference),
                    "support/conversation.html", "conversation", focus=True,
                    **_conversation(reference, ReplyForm(formdata=None)))
    return render("support/conversation.html", "conversation", **_conversation(reference, form))


@bp.get("/asiakaspalvelu/viesti/<reference>/liite/<int:attachment_id>")
@login_required
def attachment(reference: str, attachment_id: int):
    """A file of the customer's own conversation, as a download."""
    return send_attachment(attachments.of_customer(current_user.customer_id, reference, attachment_id))


def _conversation(reference: str, form: ReplyForm) -> dict:
    feedback = support.open_conversation(current_user.customer_id, reference)
    return {"feedback": feedback, "topic": TOPICS[feedback.topic], "form": form,
            "can_reply": support.can_reply(feedback, utcnow()), "reopen_days": support.REOPEN_DAYS}
