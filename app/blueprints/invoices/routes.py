import io

from flask import send_file, url_for
from flask_login import current_user, login_required

from app.blueprints.invoices import bp
from app.blueprints.invoices.forms import PreferenceForm
from app.extensions import limiter
from app.i18n import gettext as _
from app.labels import INVOICE_CHANNELS
from app.models.base import today
from app.services import billing, catalog_admin, invoices
from app.web import done, render


def _index(form: PreferenceForm | None = None) -> dict:
    customer_id = current_user.customer.id
    upcoming = billing.month_so_far(customer_id, today())
    # The billing export's lines name the products in Finnish, as the billing system wants them.
    products = catalog_admin.by_codes(line.product_code for line in upcoming.lines) if upcoming else {}
    preference = invoices.preference_of(customer_id)
    # The choice last asked for stays chosen (a fresh form would show the first way again).
    shown = PreferenceForm(formdata=None, data={"channel": preference.channel} if preference else None)
    return dict(invoices=invoices.of_customer(customer_id), upcoming=upcoming, products=products,
                preference=preference, preference_form=form or shown, day=today())


@bp.get("/laskut")
@login_required
def index():
    return render("invoices/index.html", **_index())


@bp.post("/laskut/laskutustapa")
@login_required
@limiter.limit("10 per hour", key_func=lambda: f"invoice-preference:{current_user.get_id()}")
def preference():
    form = PreferenceForm()
    if form.validate_on_submit():
        invoices.request_preference(current_user.customer, form.channel.data)
        return done(_("Your request is sent: %(channel)s. Customer service will see to it.",
                      channel=INVOICE_CHANNELS[form.channel.data]),
                    url_for("invoices.index", _anchor="preference"), "invoices/index.html", "preference", **_index())
    return render("invoices/index.html", "preference", **_index(form))


@bp.get("/laskut/<int:invoice_id>")
@login_required
def show(invoice_id: int):
    invoice = invoices.owned(current_user.customer.id, invoice_id)
    return render("invoices/show.html", invoice=invoice, barcode=invoices.barcode(invoice), day=today())


@bp.get("/laskut/<int:invoice_id>/pdf")
@login_required
def pdf(invoice_id: int):
    name, data = invoices.pdf_of(current_user.customer.id, invoice_id)
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
