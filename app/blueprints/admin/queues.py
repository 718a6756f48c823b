"""Tilaukset, Palautteet ja irtisanomiset, Tapahtumaloki and failing messages: the staff's queues."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from app.blueprints.admin import bp
from app.blueprints.admin.customers import page_number
from app.blueprints.admin.forms import ActionForm, EndSubscriptionForm, FeedbackForm, RejectForm
from app.extensions import db
from app.models import ProductGroup
from app.services import DomainError, audit_log, inbox, order_queue
from app.web import int_arg, is_partial, render


@bp.get("/tilaukset")
def orders():
    status = request.args.get("status") or None
    group = int_arg("ryhma")
    groups = db.session.scalars(db.select(ProductGroup).order_by(ProductGroup.position)).all()
    # `status` of render() is the HTTP status: the filter goes to the template as chosen_status.
    return render("admin/orders.html", orders=order_queue.queue(status, group, page_number()),
                  chosen_status=status, group=group, groups=groups, action_form=ActionForm(),
                  reject_form=RejectForm(formdata=None))


@bp.post("/tilaukset/<int:order_id>/toimitettu")
def order_deliver(order_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        order_queue.deliver(order_id)
    except DomainError as error:
        flash(str(error.message))
    else:
        flash(_("The order is marked delivered."))
    return redirect(request.referrer if _local(request.referrer) else url_for("admin.orders"), 303)


@bp.route("/tilaukset/<int:order_id>/hylkaa", methods=["GET", "POST"])
def order_reject(order_id: int):
    order = db.get_or_404(order_queue.Order, order_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            order_queue.reject(order_id, form.reason.data)
        except DomainError as error:
            form.reason.errors.append(error.message)
        else:
            flash(_("The order is rejected and the customer will get the reason by email."))
            return redirect(url_for("admin.orders"), 303)
    return render("admin/order_reject.html", order=order, form=form, status=422 if form.errors else 200)


def _local(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.get("/palautteet", endpoint="inbox")
def inbox_index():
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    return render("admin/inbox.html", items=inbox.inbox(status, kind, page_number()), chosen_status=status,
                  kind=kind)


@bp.route("/palautteet/<int:feedback_id>", methods=["GET", "POST"])
def feedback(feedback_id: int):
    item = inbox.get(feedback_id)
    form = FeedbackForm(obj=item)
    if form.validate_on_submit():
        inbox.update(item, form.status.data, form.staff_note.data)
        flash(_("Saved."))
        if is_partial():
            return render("admin/feedback.html", "feedback_form", item=item, form=FeedbackForm(obj=item))
        return redirect(url_for("admin.feedback", feedback_id=item.id), 303)
    if is_partial():
        return render("admin/feedback.html", "feedback_form", item=item, form=form, status=422)
    return _feedback_page(item, form)


def _feedback_page(item, form, end_form=None, status=200):
    end_forms = {s.id: EndSubscriptionForm(prefix=f"end-{s.id}", formdata=None, ends_on=item.wished_end_date)
                 for s in item.subscriptions}
    if end_form is not None:
        end_forms[int(end_form._prefix.split("-")[1])] = end_form
    return render("admin/feedback.html", item=item, form=form, end_forms=end_forms,
                  status=422 if form.errors or (end_form and end_form.errors) else status)


@bp.post("/palautteet/<int:feedback_id>/paattyy/<int:subscription_id>")
def feedback_end(feedback_id: int, subscription_id: int):
    item = inbox.get(feedback_id)
    form = EndSubscriptionForm(prefix=f"end-{subscription_id}")
    if form.validate_on_submit():
        try:
            inbox.end_subscription(item, subscription_id, form.ends_on.data)
        except DomainError as error:
            form.ends_on.errors.append(error.message)
        else:
            flash(_("The subscription will end and the customer is told by email."))
            return redirect(url_for("admin.feedback", feedback_id=item.id), 303)
    return _feedback_page(item, FeedbackForm(obj=item, formdata=None), form)


@bp.get("/tapahtumaloki", endpoint="audit_log")
def audit_log_index():
    filters = {k: request.args.get(k, "").strip()[:100] for k in ("asiakas", "tekija", "tapahtuma")}
    events = audit_log.events(**filters, page=page_number())
    return render("admin/audit_log.html", events=events, numbers=audit_log.customer_numbers(events.items),
                  filters=filters)


@bp.get("/viestit")
def outbox_failed():
    return render("admin/outbox.html", messages=audit_log.failed_messages(page_number()))
