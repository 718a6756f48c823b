import io

from flask import send_file
from flask_login import current_user, login_required

from app.blueprints.invoices import bp
from app.models.base import today
from app.services import billing, invoices
from app.web import render


@bp.get("/laskut")
@login_required
def index():
    customer_id = current_user.customer.id
    return render("invoices/index.html", invoices=invoices.of_customer(customer_id),
                  upcoming=billing.month_so_far(customer_id, today()))


@bp.get("/laskut/<int:invoice_id>")
@login_required
def show(invoice_id: int):
    invoice = invoices.owned(current_user.customer.id, invoice_id)
    return render("invoices/show.html", invoice=invoice, barcode=invoices.barcode(invoice))


@bp.get("/laskut/<int:invoice_id>/pdf")
@login_required
def pdf(invoice_id: int):
    name, data = invoices.pdf_of(current_user.customer.id, invoice_id)
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
