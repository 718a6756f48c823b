from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints.support import bp
from app.blueprints.support.forms import FeedbackForm
from app.forms import show_error
from app.models.base import today
from app.services import DomainError, subscriptions, support
from app.web import render


def _form() -> FeedbackForm:
    customer = current_user.customer
    form = FeedbackForm(contact_email=customer.email or "", contact_phone=customer.phone)
    in_force = subscriptions.in_force(subscriptions.subscriptions_of(customer.id), today())
    form.subscriptions.choices = [(str(s.id), s.product.label) for s in in_force]
    return form


def _message(form: FeedbackForm) -> support.Message:
    ids = form.subscriptions.data or []
    if not all(i.isdigit() for i in ids):
        raise DomainError(_("Choose only your own services that are in force."), field="subscriptions")
    return support.Message(
        topic=form.topic.data, message=form.message.data or "",
        contact_requested=form.contact_requested.data, contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "", subscription_ids=[int(i) for i in ids],
        wished_end_date=form.wished_end_date.data, idempotency_key=form.idempotency_key.data or None,
    )


@bp.route("/asiakaspalvelu", methods=["GET", "POST"])
@login_required
def index():
    """Contact details and the feedback form, with the fields of a termination notice."""
    form = _form()
    if form.validate_on_submit():
        try:
            feedback = support.send(current_user.customer_id, _message(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Thank you! Your message was received with the reference %(ref)s. "
                    "A receipt is on its way to your email.", ref=feedback.reference))
            return redirect(url_for("support.receipt", reference=feedback.reference), 303)
    return render("support/index.html", form=form, today_iso=today().isoformat(),
                  status=422 if form.errors or form.form_errors else 200)


@bp.get("/asiakaspalvelu/viesti/<reference>")
@login_required
def receipt(reference: str):
    feedback = support.find(current_user.customer_id, reference)
    if feedback is None:
        abort(404)
    return render("support/receipt.html", feedback=feedback, topic=support.TOPIC_LABELS[feedback.topic])
