from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.blueprints.orders import bp
from app.blueprints.orders.forms import ConfirmOrderForm, UpgradeForm
from app.extensions import db
from app.services import DomainError, ordering
from app.web import is_partial, render

FORM_EXPIRED = _l("The form has expired. Check the order and confirm it again.")


@bp.before_request
@login_required
def require_login():
    """Every page of Tilaa is the logged-in customer's own."""


def _customer_id() -> int:
    return current_user.customer.id


def _found(function, *args):
    """A service answer, or 404 for a product, subscription or order that is not the customer's."""
    try:
        return function(*args)
    except ordering.NotFound:
        abort(404)


def _confirmed(order):
    flash(_("Thank you! Your order number is %(number)s.", number=order.id))
    if is_partial():
        response = render("orders/receipt.html", "order", order=order)
        response.headers["HX-Push-Url"] = url_for("orders.receipt", order_id=order.id)
        return response
    return redirect(url_for("orders.receipt", order_id=order.id), 303)


def _attempt(form, place, *args):
    """Confirm the order the form names: the receipt, or the message why not."""
    if not form.validate_on_submit():
        return None, FORM_EXPIRED
    try:
        return _found(place, _customer_id(), *args), None
    except DomainError as error:
        db.session.rollback()
        return None, error.message  # shown once, on the page next to what it refuses


@bp.get("/tilaa")
def catalog():
    groups, chosen, offers = _found(ordering.catalog, _customer_id(), request.args.get("ryhma"))
    return render("orders/catalog.html", "catalog", groups=groups, chosen=chosen, offers=offers)


@bp.route("/tilaa/<code>", methods=["GET", "POST"])
def product(code: str):
    form = ConfirmOrderForm()
    error = None
    if request.method == "POST":
        order, error = _attempt(form, ordering.place_order, code, form.idempotency_key.data,
                                form.group.data or None)
        if order:
            return _confirmed(order)
    offer = _found(ordering.offer, _customer_id(), code)
    if not form.idempotency_key.data:
        form.group.data = offer.product.group.code
        form.idempotency_key.data = ordering.new_idempotency_key()
    return render("orders/product.html", "order", form=form, offer=offer, error=error,
                  status=422 if error else 200)


@bp.get("/tilaus/<int:order_id>")
def receipt(order_id: int):
    return render("orders/receipt.html", "order", order=_found(ordering.order_of, _customer_id(), order_id))


@bp.route("/tilatut-palvelut/<int:subscription_id>/paivita", methods=["GET", "POST"])
def upgrade(subscription_id: int):
    form = UpgradeForm()
    error = None
    if request.method == "POST":
        order, error = _attempt(form, ordering.upgrade, subscription_id, form.product.data,
                                form.idempotency_key.data)
        if order:
            return _confirmed(order)
    options = _found(ordering.upgrade_options, _customer_id(), subscription_id)
    if not form.idempotency_key.data:
        form.idempotency_key.data = ordering.new_idempotency_key()
    return render("orders/upgrade.html", "order", form=form, options=options, error=error,
                  status=422 if error else 200)
