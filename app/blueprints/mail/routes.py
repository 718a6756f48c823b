"""Sähköpostin hallinta, /sahkoposti: one page; each form posts to its own URL and gets back
the mailbox's section (htmx) or the page (without JavaScript)."""
from collections.abc import Callable

from flask import session, url_for
from flask_login import current_user, login_required

from app import sessions
from app.blueprints.mail import bp
from app.blueprints.mail.forms import MailboxCreateForm, section_form, section_forms
from app.extensions import limiter
from app.i18n import gettext as _
from app.models import Mailbox
from app.services import mailboxes
from app.web import done, operator, render


def _page(posted: tuple | None = None, create_form: MailboxCreateForm | None = None, **extra) -> dict:
    """The page's data; `posted` = (mailbox, section, form) opens that form with what was sent."""
    customer_id = current_user.customer_id
    boxes = mailboxes.mailboxes_of(customer_id)
    forms = {m.id: section_forms(m) for m in boxes}
    if posted:
        forms[posted[0].id][posted[1]] = posted[2]
    allowed = mailboxes.allowed_count(customer_id)
    product = mailboxes.extra_mailbox_product()
    return dict(mailboxes=boxes, forms=forms, opened=(posted[0].id, posted[1]) if posted else None,
                create_form=create_form or MailboxCreateForm(prefix="new", formdata=None), allowed=allowed,
                domain=operator().mail_domain, max_aliases=mailboxes.MAX_ALIASES,
                needs_reauth=mailboxes.needs_reauthentication(session.get("auth_at")),
                extra_url=url_for("orders.product", code=product.code) if product else url_for("orders.catalog"),
                posted=posted[2] if posted else create_form, **extra)


def _own(mailbox_id: int) -> Mailbox:
    return mailboxes.owned(current_user.customer_id, mailbox_id)


def _saved(mailbox: Mailbox, message: str):
    return done(message, url_for("mail.index", _anchor=f"mailbox-{mailbox.id}"), "mail/index.html",
                "mailbox", **_page(), mailbox=mailbox, focus=mailbox.id)


def _section_form(rule: str, section: str, *limits: Callable):
    """The route of one form of a mailbox's section. The function it takes saves the valid form and
    says what it did; a refused form comes back in its section (the whole page without JavaScript)."""
    def route(save: Callable[[Mailbox, object], str]):
        def view(mailbox_id: int):
            mailbox = _own(mailbox_id)
            form = section_form(mailbox, section)
            if form.validate_on_submit():
                return _saved(mailbox, save(mailbox, form))
            return render("mail/index.html", "mailbox", **_page((mailbox, section, form)), mailbox=mailbox)
        # Named as the endpoint and the rate limit's key; not marked as wrapping `save`, since a
        # refusal redraws the unwrapped view (app/errors.py).
        view.__name__ = view.__qualname__ = save.__name__
        for limit in limits:
            view = limit(view)
        return bp.post(rule)(login_required(view))
    return route


@bp.get("/sahkoposti")
@login_required
def index():
    return render("mail/index.html", **_page())


@bp.post("/sahkoposti")
@login_required
def create():
    form = MailboxCreateForm(prefix="new")
    if form.validate_on_submit():
        mailbox = mailboxes.create_mailbox(current_user.customer_id, form.local_part.data, form.password.data)
        return done(_("The mailbox %(address)s is ready.", address=mailbox.address),
                    url_for("mail.index", _anchor=f"mailbox-{mailbox.id}"), "mail/index.html", "mailboxes",
                    **_page(), focus=mailbox.id)
    return render("mail/index.html", "mailboxes", **_page(create_form=form))


def account_key() -> str:
    return f"mailbox-password:{current_user.get_id()}"


@_section_form("/sahkoposti/<int:mailbox_id>/salasana", "password",
               limiter.limit("10 per 15 minutes", key_func=account_key))
def password(mailbox: Mailbox, form) -> str:
    if mailboxes.change_password(mailbox, form.new_password.data, current_user, session.get("auth_at"),
                                 form.account_password.data or ""):
        sessions.reauthenticated()
    return _("The password of %(address)s has been changed.", address=mailbox.address)


@_section_form("/sahkoposti/<int:mailbox_id>/edelleenlahetys", "forwarding")
def forwarding(mailbox: Mailbox, form) -> str:
    mailboxes.set_forwarding(mailbox, form.address_list(), form.keep_copy.data)
    return _("Forwarding of %(address)s is saved.", address=mailbox.address)


@_section_form("/sahkoposti/<int:mailbox_id>/automaattivastaus", "autoreply")
def autoreply(mailbox: Mailbox, form) -> str:
    mailboxes.set_autoreply(mailbox, form.enabled.data, form.subject.data, form.body.data,
                            form.starts_on.data, form.ends_on.data)
    return _("The auto-reply of %(address)s is saved.", address=mailbox.address)


@_section_form("/sahkoposti/<int:mailbox_id>/aliakset", "alias")
def add_alias(mailbox: Mailbox, form) -> str:
    alias = mailboxes.add_alias(mailbox, form.local_part.data)
    return _("Mail to %(alias)s now comes to %(address)s.", alias=alias.address, address=mailbox.address)


@bp.post("/sahkoposti/<int:mailbox_id>/aliakset/<int:alias_id>/poista")
@login_required
def remove_alias(mailbox_id: int, alias_id: int):
    mailbox = _own(mailbox_id)
    alias = mailboxes.remove_alias(mailbox, alias_id)
    return _saved(mailbox, _("The alias %(alias)s is removed from %(address)s.", alias=alias.address,
                             address=mailbox.address))


@_section_form("/sahkoposti/<int:mailbox_id>/tila", "state")
def set_active(mailbox: Mailbox, form) -> str:
    # The state asked for: sending it twice changes nothing more.
    mailboxes.set_active(mailbox, form.active.data == "1")
    return (_("%(address)s is in use again.", address=mailbox.address) if mailbox.active
            else _("%(address)s is disabled. Its mail is kept.", address=mailbox.address))
