"""Asiakkaat: search, a customer's page, and what the staff change for a customer."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.blueprints.admin import bp
from app.blueprints.admin.forms import ActionForm, AgreementForm, CardForm, CloseForm, CustomerForm
from app.forms import show_error
from app.services import DomainError, customers
from app.web import int_arg, render


def page_number() -> int:
    return int_arg("sivu", 1)


def _customer(customer_id: int):
    customer = customers.get(customer_id)
    if customer is None:
        abort(404)
    return customer


@bp.get("/asiakkaat", endpoint="customers")
def customers_index():
    query = request.args.get("q", "")[:100]
    return render("admin/customers.html", query=query, results=customers.search(query, page_number()))


def _show(customer, status=200, **forms):
    forms.setdefault("agreement_form", AgreementForm(prefix="new-agreement", formdata=None))
    forms.setdefault("card_form", CardForm(prefix="new-card", formdata=None))
    forms.setdefault("close_form", CloseForm(formdata=None))
    return render("admin/customer.html", customer=customer, action_form=ActionForm(),
                  **customers.history(customer.id), status=status, **forms)


@bp.get("/asiakkaat/<int:customer_id>")
def customer(customer_id: int):
    return _show(_customer(customer_id))


@bp.route("/asiakkaat/<int:customer_id>/muokkaa", methods=["GET", "POST"])
def customer_edit(customer_id: int):
    customer = _customer(customer_id)
    form = CustomerForm(obj=customer)
    if form.validate_on_submit():
        try:
            customers.update_contact(customer, **{k: v for k, v in form.data.items() if k != "csrf_token"})
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The customer's details are saved."))
            return redirect(url_for("admin.customer", customer_id=customer.id), 303)
    return render("admin/customer_edit.html", customer=customer, form=form, status=422 if form.errors else 200)


@bp.post("/asiakkaat/<int:customer_id>/sopimukset", defaults={"agreement_id": None})
@bp.post("/asiakkaat/<int:customer_id>/sopimukset/<int:agreement_id>")
def agreement_save(customer_id: int, agreement_id: int | None):
    customer = _customer(customer_id)
    form = AgreementForm(prefix=f"agreement-{agreement_id}" if agreement_id else "new-agreement")
    if form.validate_on_submit():
        try:
            customers.save_agreement(customer, agreement_id, form.kind.data, form.valid_from.data,
                                     form.valid_until.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The agreement is saved."))
            return redirect(url_for("admin.customer", customer_id=customer.id) + "#agreements", 303)
    return _show(customer, 422, agreement_form=form)


@bp.post("/asiakkaat/<int:customer_id>/kortit", defaults={"card_id": None})
@bp.post("/asiakkaat/<int:customer_id>/kortit/<int:card_id>")
def card_save(customer_id: int, card_id: int | None):
    customer = _customer(customer_id)
    form = CardForm(prefix=f"card-{card_id}" if card_id else "new-card")
    if card_id:
        form.card_number.validators = []
    if form.validate_on_submit():
        try:
            customers.save_card(customer, card_id, form.card_number.data or "", form.valid_until.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The pay-TV card is saved."))
            return redirect(url_for("admin.customer", customer_id=customer.id) + "#cards", 303)
    return _show(customer, 422, card_form=form)


ACTIONS = {
    "kutsu": (customers.invite, _l("The invitation is on its way to the customer.")),
    "salasanalinkki": (customers.send_reset_link, _l("The password reset link is on its way to the customer.")),
    "kaksivaiheinen": (customers.reset_two_factor, _l("Two-factor login is switched off for the customer.")),
}


@bp.post("/asiakkaat/<int:customer_id>/<any(kutsu, salasanalinkki, kaksivaiheinen):action>")
def customer_action(customer_id: int, action: str):
    customer = _customer(customer_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    service, message = ACTIONS[action]
    try:
        service(customer)
    except DomainError as error:
        flash(str(error.message))
        return _show(customer, 422)
    flash(str(message))
    return redirect(url_for("admin.customer", customer_id=customer.id), 303)


@bp.post("/asiakkaat/<int:customer_id>/sulje")
def customer_close(customer_id: int):
    customer = _customer(customer_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return _show(customer, 422, close_form=form)
    customers.close(customer)
    flash(_("The account is closed."))
    return redirect(url_for("admin.customer", customer_id=customer.id), 303)
