"""Asiakkaat: search, a customer's page, and what the staff change for a customer."""
from flask import request, url_for

from app.blueprints.admin import bp
from app.blueprints.admin.forms import ActionForm, AgreementForm, CardForm, CloseForm, CustomerForm
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.services import accounts, customers, mailboxes
from app.web import done, int_arg, render


def page_number() -> int:
    return int_arg("sivu", 1)


@bp.get("/asiakkaat", endpoint="customers")
def customers_index():
    query = request.args.get("q", "")[:100]
    return render("admin/customers.html", query=query, results=customers.search(query, page_number()))


def _show(customer, **forms):
    """The customer's page; a form just posted (with its errors) takes the place of its empty one. A
    row's refused form is in `agreement_rows` or `card_rows`, by the row's id."""
    forms.setdefault("agreement_form", AgreementForm(prefix="new-agreement", formdata=None))
    forms.setdefault("card_form", CardForm(prefix="new-card", formdata=None))
    forms.setdefault("agreement_rows", {})
    forms.setdefault("card_rows", {})
    forms.setdefault("close_form", CloseForm(formdata=None))
    forms.setdefault("action_form", ActionForm(formdata=None))
    return render("admin/customer.html", customer=customer, **customers.history(customer.id), **forms)


def _saved(customer, message: str, anchor: str | None = None):
    return done(message, url_for("admin.customer", customer_id=customer.id, _anchor=anchor))


@bp.get("/asiakkaat/<int:customer_id>")
def customer(customer_id: int):
    return _show(customers.get(customer_id))


@bp.route("/asiakkaat/<int:customer_id>/muokkaa", methods=["GET", "POST"])
def customer_edit(customer_id: int):
    customer = customers.get(customer_id)
    form = CustomerForm(obj=customer)
    if form.validate_on_submit():
        customers.update_contact(customer, form.shown_contact(), **form.contact())
        return _saved(customer, _("The customer's details are saved."))
    if not form.shown.data:
        form.shown.data = customers.shown(customer)
    return render("admin/customer_edit.html", customer=customer, form=form)


def _row_form(form_class, one: str, row_id: int | None):
    """The posted form of a customer's row of one kind (`one`: agreement, card), or of the form that
    adds one; and how `_show` draws it if it is refused (in its row, or as the form that adds)."""
    if row_id is None:
        form = form_class(prefix=f"new-{one}")
        return form, {f"{one}_form": form}
    form = form_class(prefix=f"{one}-{row_id}")
    return form, {f"{one}_rows": {row_id: form}}


@bp.post("/asiakkaat/<int:customer_id>/sopimukset", defaults={"agreement_id": None})
@bp.post("/asiakkaat/<int:customer_id>/sopimukset/<int:agreement_id>")
def agreement_save(customer_id: int, agreement_id: int | None):
    customer = customers.get(customer_id)
    form, refused = _row_form(AgreementForm, "agreement", agreement_id)
    if form.validate_on_submit():
        customers.save_agreement(customer, agreement_id, form.kind.data, form.valid_from.data, form.valid_until.data)
        return _saved(customer, _("The agreement is saved."), "agreements")
    return _show(customer, **refused)


@bp.post("/asiakkaat/<int:customer_id>/kortit", defaults={"card_id": None})
@bp.post("/asiakkaat/<int:customer_id>/kortit/<int:card_id>")
def card_save(customer_id: int, card_id: int | None):
    customer = customers.get(customer_id)
    form, refused = _row_form(CardForm, "card", card_id)
    if card_id is not None:
        form.card_number.validators = []  # a row changes the end date only
    if form.validate_on_submit():
        customers.save_card(customer, card_id, form.card_number.data or "", form.valid_until.data)
        return _saved(customer, _("The pay-TV card is saved."), "cards")
    return _show(customer, **refused)


ACTIONS = {
    "kutsu": (accounts.invite, _l("The invitation is on its way to the customer.")),
    "salasanalinkki": (customers.send_reset_link, _l("The password reset link is on its way to the customer.")),
    "kaksivaiheinen": (customers.reset_two_factor, _l("Two-factor login is switched off for the customer.")),
}


@bp.post("/asiakkaat/<int:customer_id>/<any(kutsu, salasanalinkki, kaksivaiheinen):action>")
def customer_action(customer_id: int, action: str):
    customer = customers.get(customer_id)
    form = ActionForm()
    if form.validate_on_submit():
        service, message = ACTIONS[action]
        service(customer)
        return _saved(customer, str(message))
    return _show(customer, action_form=form)


@bp.post("/asiakkaat/<int:customer_id>/postilaatikot/<int:mailbox_id>/poista")
def mailbox_delete(customer_id: int, mailbox_id: int):
    """A mailbox and its mail removed, which customers ask customer service for (their page says so)."""
    customer = customers.get(customer_id)
    mailbox = mailboxes.owned(customer.id, mailbox_id)
    address = mailbox.address  # the row is gone after the commit
    mailboxes.delete(mailbox)
    return _saved(customer, _("The mailbox %(address)s and its mail are removed.", address=address), "mailboxes")


@bp.post("/asiakkaat/<int:customer_id>/sulje")
def customer_close(customer_id: int):
    customer = customers.get(customer_id)
    form = CloseForm()
    if form.validate_on_submit():
        customers.close(customer)
        return _saved(customer, _("The account is closed."))
    return _show(customer, close_form=form)
