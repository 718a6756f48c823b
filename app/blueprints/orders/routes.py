from flask import request, url_for
from flask_login import current_user, login_required

from app.blueprints.orders import bp
from app.blueprints.orders.forms import ConfirmOrderForm, UpgradeForm
from app.i18n import gettext as _
from app.services import ordering
from app.web import done, render


@bp.before_request
@login_required
def require_login():
    """Every page of Tilaa is the logged-in customer's own."""


def _customer_id() -> int:
    return current_user.customer.id


def _confirmed(order):
    """The receipt: a page of its own without JavaScript, swapped in for the confirmation with it. The
    thanks is the one success message; the receipt's heading carries the order number."""
    return done(_("Thank you for your order!"),
                url_for("orders.receipt", order_id=order.id), "orders/receipt.html", "order", push=True,
                order=order, focus=True)


@bp.get("/tilaa")
def catalog():
    catalog = ordering.catalog(_customer_id(), request.args.get("ryhma"))
    return render("orders/catalog.html", "catalog", groups=catalog.groups, chosen=catalog.chosen,
                  offers=catalog.offers, reason=catalog.reason)


@bp.route("/tilaa/<code>", methods=["GET", "POST"])
def product(code: str):
    form = ConfirmOrderForm()
    if form.validate_on_submit():
        return _confirmed(ordering.place_order(_customer_id(), code, form.idempotency_key.data,
                                               form.group.data or None))
    offer = ordering.offer(_customer_id(), code)
    if not form.idempotency_key.data:
        form.group.data = offer.product.group.code
        form.idempotency_key.data = ordering.new_idempotency_key()
    return render("orders/product.html", "order", form=form, offer=offer)


@bp.get("/tilaus/<int:order_id>")
def receipt(order_id: int):
    return render("orders/receipt.html", "order", order=ordering.order_of(_customer_id(), order_id))


@bp.route("/tilatut-palvelut/<int:subscription_id>/paivita", methods=["GET", "POST"])
def upgrade(subscription_id: int):
    form = UpgradeForm()
    if form.validate_on_submit():
        return _confirmed(ordering.upgrade(_customer_id(), subscription_id, form.product.data,
                                           form.idempotency_key.data))
    options = ordering.upgrade_options(_customer_id(), subscription_id)
    if not form.idempotency_key.data:
        form.idempotency_key.data = ordering.new_idempotency_key()
    return render("orders/upgrade.html", "order", form=form, options=options)
