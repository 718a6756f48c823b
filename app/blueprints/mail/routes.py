"""One page, /sahkoposti; each form posts to its own URL and gets back the mailbox's section."""
from flask import abort, current_app, flash, redirect, session, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints.mail import bp
from app.blueprints.mail.forms import (
    AliasForm,
    AutoreplyForm,
    ForwardingForm,
    MailboxCreateForm,
    MailboxPasswordForm,
    MailboxStateForm,
)
from app.extensions import limiter
from app.models import Mailbox
from app.models.base import utcnow
from app.services import DomainError, mailboxes
from app.web import is_partial, operator, render

SECTION_FORMS = {"password": (MailboxPasswordForm, "pw"), "forwarding": (ForwardingForm, "fw"),
                 "autoreply": (AutoreplyForm, "ar"), "alias": (AliasForm, "al"), "state": (MailboxStateForm, "st")}


@bp.app_template_filter()
def gigabytes(megabytes: int) -> str:
    return _("%(size)s GB", size=format_decimal(megabytes / 1024, format="#,##0.#"))


def make_form(name: str, mailbox: Mailbox, **kwargs):
    """A section form with the mailbox's own prefix; the account password only when it is needed."""
    form_class, short = SECTION_FORMS[name]
    form = form_class(prefix=f"m{mailbox.id}-{short}", **kwargs)
    if name == "password" and not mailboxes.needs_reauthentication(session.get("auth_at")):
        del form.account_password
    return form


def section_forms(mailbox: Mailbox, given: dict | None = None) -> dict:
    """The forms of one mailbox's section, filled from the mailbox unless one was just posted."""
    forms = {
        "password": make_form("password", mailbox, formdata=None),
        "forwarding": make_form("forwarding", mailbox, formdata=None, data={
            "addresses": "\n".join(mailbox.forward_to), "keep_copy": mailbox.keep_copy}),
        "autoreply": make_form("autoreply", mailbox, formdata=None, data={
            "enabled": mailbox.autoreply_enabled, "subject": mailbox.autoreply_subject,
            "body": mailbox.autoreply_body, "starts_on": mailbox.autoreply_from,
            "ends_on": mailbox.autoreply_until}),
        "alias": make_form("alias", mailbox, formdata=None),
        "state": make_form("state", mailbox, formdata=None),
    }
    forms.update(given or {})
    return forms


def extra_mailbox_url() -> str:
    """The extra mailbox product's order page, or the catalog when there is no such product."""
    product = mailboxes.extra_mailbox_product()
    if product and "orders.product" in current_app.view_functions:
        return url_for("orders.product", code=product.code)
    return url_for("orders.catalog") if "orders.catalog" in current_app.view_functions else "/tilaa"


def page(status: int = 200, create_form=None, failing: tuple | None = None, block: str | None = None):
    """The whole page; `failing` = (mailbox id, form name, form) re-renders that form with its errors."""
    customer_id = current_user.customer_id
    boxes = mailboxes.mailboxes_of(customer_id)
    forms = {m.id: section_forms(m, {failing[1]: failing[2]} if failing and failing[0] == m.id else None)
             for m in boxes}
    allowed = mailboxes.allowed_count(customer_id)
    return render("mail/index.html", block, status=status, mailboxes=boxes, forms=forms,
                  opened=failing[:2] if failing else None, status_form=failing[2] if failing else create_form,
                  create_form=create_form or MailboxCreateForm(prefix="new", formdata=None),
                  allowed=allowed, domain=operator().mail_domain,
                  extra_url=extra_mailbox_url() if len(boxes) >= allowed else None)


def section(mailbox: Mailbox, name: str | None = None, form=None, status: int = 200):
    """The mailbox's section alone for htmx, or the whole page (422) without JavaScript."""
    if not is_partial():
        return page(status, failing=(mailbox.id, name, form))
    forms = {mailbox.id: section_forms(mailbox, {name: form} if form else None)}
    return render("mail/index.html", "mailbox_section", status=status, mailbox=mailbox, forms=forms,
                  opened=(mailbox.id, name) if form else None, status_form=form, partial_section=True)


def done(mailbox: Mailbox, message: str):
    flash(message)
    if is_partial():
        return section(mailbox)
    return redirect(url_for("mail.index", _anchor=f"mailbox-{mailbox.id}"), 303)


def own_mailbox(mailbox_id: int) -> Mailbox:
    mailbox = mailboxes.owned(current_user.customer_id, mailbox_id, lock=True)
    if mailbox is None:
        abort(404)
    return mailbox


def failed(form, error: DomainError) -> None:
    # The account password field may have appeared between rendering and this check.
    field = getattr(form, error.field, None) or next(iter(form))
    field.errors.append(error.message)


@bp.get("/sahkoposti")
@login_required
def index():
    return page()


@bp.post("/sahkoposti")
@login_required
def create():
    form = MailboxCreateForm(prefix="new")
    if form.validate_on_submit():
        try:
            mailbox = mailboxes.create_mailbox(current_user.customer_id, form.local_part.data, form.password.data)
        except DomainError as error:
            failed(form, error)
        else:
            flash(_("The mailbox %(address)s is ready.", address=mailbox.address))
            if is_partial():
                return page(block="mailboxes")
            return redirect(url_for("mail.index", _anchor=f"mailbox-{mailbox.id}"), 303)
    return page(422, create_form=form, block="mailboxes")


def section_post(mailbox_id: int, name: str, change, message):
    """Every section form: validate, make the one change, answer with the section or a redirect."""
    mailbox = own_mailbox(mailbox_id)
    form = make_form(name, mailbox)
    if form.validate_on_submit():
        try:
            change(mailbox, form)
        except DomainError as error:
            failed(form, error)
        else:
            return done(mailbox, message(mailbox))
    return section(mailbox, name, form, 422)


def account_key() -> str:
    return f"mailbox-password:{current_user.get_id()}"


@bp.post("/sahkoposti/<int:mailbox_id>/salasana")
@login_required
@limiter.limit("10 per 15 minutes", key_func=account_key)  # the account password can be tried here
def password(mailbox_id: int):
    def change(mailbox, form):
        given = form.account_password.data if "account_password" in form else ""
        if mailboxes.change_password(mailbox, form.new_password.data, current_user,
                                     session.get("auth_at"), given):
            session["auth_at"] = int(utcnow().timestamp())

    return section_post(mailbox_id, "password", change, lambda m: _(
        "The password of %(address)s has been changed.", address=m.address))


@bp.post("/sahkoposti/<int:mailbox_id>/edelleenlahetys")
@login_required
def forwarding(mailbox_id: int):
    return section_post(
        mailbox_id, "forwarding",
        lambda m, form: mailboxes.set_forwarding(m, form.address_list(), form.keep_copy.data),
        lambda m: _("Forwarding of %(address)s is saved.", address=m.address))


@bp.post("/sahkoposti/<int:mailbox_id>/automaattivastaus")
@login_required
def autoreply(mailbox_id: int):
    return section_post(
        mailbox_id, "autoreply",
        lambda m, form: mailboxes.set_autoreply(m, form.enabled.data, form.subject.data, form.body.data,
                                                form.starts_on.data, form.ends_on.data),
        lambda m: _("The auto-reply of %(address)s is saved.", address=m.address))


@bp.post("/sahkoposti/<int:mailbox_id>/aliakset")
@login_required
def add_alias(mailbox_id: int):
    return section_post(
        mailbox_id, "alias", lambda m, form: mailboxes.add_alias(m, form.local_part.data),
        lambda m: _("Mail to %(alias)s now comes to %(address)s.",
                    alias=m.alias_rows[-1].address, address=m.address))
@bp.post("/sahkoposti/<int:mailbox_id>/aliakset/<int:alias_id>/poista")
@login_required
def remove_alias(mailbox_id: int, alias_id: int):
    mailbox = own_mailbox(mailbox_id)
    if not mailboxes.remove_alias(mailbox, alias_id):
        abort(404)
    return done(mailbox, _("The alias is removed from %(address)s.", address=mailbox.address))


@bp.post("/sahkoposti/<int:mailbox_id>/tila")
@login_required
def set_active(mailbox_id: int):
    return section_post(
        mailbox_id, "state", lambda m, form: mailboxes.set_active(m, form.active.data == "1"),
        lambda m: _("%(address)s is in use again.", address=m.address) if m.active
        else _("%(address)s is disabled. Its mail is kept.", address=m.address))
