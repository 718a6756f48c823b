"""Tilaukset, Palautteet ja irtisanomiset, Tapahtumaloki and failing messages: the staff's queues."""
from flask import request, url_for
from flask_login import current_user

from app.blueprints.admin import bp
from app.blueprints.admin.customers import page_number
from app.blueprints.admin.forms import ActionForm, EndSubscriptionForm, FeedbackForm, RejectForm, StaffReplyForm
from app.extensions import db
from app.i18n import gettext as _
from app.models import CannedReply
from app.services import attachments, audit_log, canned_replies, inbox, order_queue, ordering
from app.web import done, int_arg, redraw, render, send_attachment, takes_files


@bp.get("/tilaukset")
def orders(action_form: ActionForm | None = None):
    status = request.args.get("status") or None
    group = int_arg("ryhma")
    return render("admin/orders.html", rows=order_queue.queue(status, group, page_number()),
                  chosen_status=status, group=group, groups=[(g.id, g.label) for g in ordering.groups()],
                  action_form=action_form or ActionForm(formdata=None))


def _back_to_queue(queue: str = "admin.orders") -> str:
    """The queue as the staff member left it (its filters and page), or its first page."""
    referrer = request.referrer
    return referrer if referrer and referrer.startswith(request.host_url) else url_for(queue)


@bp.post("/tilaukset/<int:order_id>/toimitettu")
def order_deliver(order_id: int):
    form = ActionForm()
    if form.validate_on_submit():
        order_queue.deliver(order_id)
        return done(_("The order is marked delivered."), _back_to_queue())
    return orders(action_form=form)


@bp.route("/tilaukset/<int:order_id>/hylkaa", methods=["GET", "POST"])
def order_reject(order_id: int):
    order = order_queue.order(order_id)
    form = RejectForm()
    if form.validate_on_submit():
        order_queue.reject(order_id, form.reason.data)
        return done(_("The order is rejected and the customer will get the reason by email."),
                    url_for("admin.orders"))
    return render("admin/order_reject.html", order=order, form=form, handled=order.status not in order_queue.OPEN)


@bp.get("/palautteet", endpoint="inbox")
def inbox_index(action_form: ActionForm | None = None):
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    mine = request.args.get("omat") == "1"
    items = inbox.inbox(status, kind, page_number(), handler_id=current_user.id if mine else None)
    return render("admin/inbox.html", rows=items, chosen_status=status, kind=kind, mine=mine,
                  action_form=action_form or ActionForm(formdata=None))


@bp.post("/palautteet/<int:feedback_id>/ota", endpoint="feedback_assign")
def feedback_assign(feedback_id: int):
    """Ota käsittelyyn: from the queue (htmx swaps the row) or the conversation's page."""
    form = ActionForm()
    if form.validate_on_submit():
        item = inbox.assign(feedback_id, current_user.id)
        return done(_("You handle %(ref)s now.", ref=item.reference), _back_to_queue("admin.inbox"),
                    "admin/inbox.html", "row", row=item, focus=True)
    return inbox_index(action_form=form)


def _feedback_context(item, form, posted: tuple[int, EndSubscriptionForm] | None = None,
                      reply_form: StaffReplyForm | None = None, **context) -> dict:
    """The message and its forms; `posted` = (subscription id, form) shows that end form as sent."""
    # The day the customer wished for, but never after the subscription's own (fixed-term) end,
    # which a notice cannot pass (`inbox.end_subscription`).
    end_forms = {s.id: EndSubscriptionForm(prefix=f"end-{s.id}", formdata=None, ends_on=min(
        (day for day in (item.wished_end_date, s.ends_on) if day), default=None)) for s in item.subscriptions}
    if posted:
        end_forms[posted[0]] = posted[1]
    return dict(item=item, form=form, end_forms=end_forms,
                reply_form=reply_form or StaffReplyForm(prefix="reply", formdata=None),
                canned_replies=canned_replies.all_replies(), **context)


def _feedback_page(item, form, block: str = "feedback_form", **context):
    return render("admin/feedback.html", block, **_feedback_context(item, form, **context))


@bp.route("/palautteet/<int:feedback_id>", methods=["GET", "POST"])
def feedback(feedback_id: int):
    item = inbox.get(feedback_id)
    form = FeedbackForm(obj=item)
    if form.validate_on_submit():
        inbox.update(item, form.status.data, form.staff_note.data)
        return done(_("Saved."), url_for("admin.feedback", feedback_id=item.id), "admin/feedback.html",
                    "feedback_form", item=item, form=FeedbackForm(obj=item, formdata=None))
    return _feedback_page(item, form)


@bp.post("/palautteet/<int:feedback_id>/vastauspohja")
@takes_files  # a browser sends the reply's form without its files, but one that sends them is not refused
def feedback_canned(feedback_id: int):
    """"Käytä": the chosen canned reply is added after what the reply says so far (with htmx in the reply's
    field alone); nothing is sent. The button is in the reply's own form, so what was typed comes along."""
    item = inbox.get(feedback_id)
    form = StaffReplyForm(prefix="reply")
    canned = db.session.get(CannedReply, int_arg("pohja", 0, request.form))
    if canned is None:  # removed since the page was drawn: what was typed stays, and is told why
        form.body.errors = [_("That canned reply has been removed. Choose another.")]
    else:
        form.body.data = canned_replies.added_to(form.body.data or "", canned.body)
        # The reply's own checks now: one over its limit is told here, not only when it is sent.
        form.body.raw_data = [form.body.data]
        form.body.validate(form)
    return redraw("admin/feedback.html", "reply_body", **_feedback_context(item, FeedbackForm(obj=item, formdata=None),
                                                                           reply_form=form, focus=True))


@bp.post("/palautteet/<int:feedback_id>/vastaa")
@takes_files
def feedback_reply(feedback_id: int):
    item = inbox.get(feedback_id)
    form = StaffReplyForm(prefix="reply")  # its own ids beside the status form's
    if form.validate_on_submit():
        inbox.reply(item, form.body.data, form.attachments.data, form.idempotency_key.data or None)
        return done(_("The reply was sent to the customer."), url_for("admin.feedback", feedback_id=item.id))
    return _feedback_page(item, FeedbackForm(obj=item, formdata=None), reply_form=form)


@bp.get("/palautteet/<int:feedback_id>/liite/<int:attachment_id>")
def feedback_attachment(feedback_id: int, attachment_id: int):
    """A file the customer or the staff sent in the conversation, as a download."""
    return send_attachment(attachments.of_feedback(feedback_id, attachment_id))


@bp.post("/palautteet/<int:feedback_id>/paattyy/<int:subscription_id>")
def feedback_end(feedback_id: int, subscription_id: int):
    item = inbox.get(feedback_id)
    form = EndSubscriptionForm(prefix=f"end-{subscription_id}")
    if form.validate_on_submit():
        if inbox.end_subscription(item, subscription_id, form.ends_on.data):
            return done(_("The subscription will end and the customer is told by email."),
                        url_for("admin.feedback", feedback_id=item.id))
        return done(_("The subscription ends on that day already: nothing changed, and no one was told again."),
                    url_for("admin.feedback", feedback_id=item.id), kind="info")
    return _feedback_page(item, FeedbackForm(obj=item, formdata=None), posted=(subscription_id, form))


@bp.get("/tapahtumaloki", endpoint="audit_log")
def audit_log_index():
    filters = {k: request.args.get(k, "").strip()[:100] for k in ("asiakas", "tekija", "tapahtuma")}
    events = audit_log.events(**filters, page=page_number())
    return render("admin/audit_log.html", rows=events, numbers=audit_log.customer_numbers(events.items),
                  filters=filters)


@bp.get("/viestit")
def outbox_failed():
    return render("admin/outbox.html", messages=audit_log.failed_messages(page_number()))
