"""Laskutus: the month's charges on screen, as CSV and JSON, and `flask billing export`; the billing
system's invoices in as a Finvoice file."""
import click
from flask import Response, request, url_for
from flask.cli import AppGroup

from app.blueprints.admin import bp
from app.blueprints.admin.forms import FinvoiceForm, MonthForm
from app.i18n import gettext as _
from app.models.base import today
from app.services import DomainError, billing, invoices
from app.web import done, render

MEDIA = {"csv": "text/csv", "json": "application/json"}  # text/csv gets its "; charset=utf-8" from Flask


def _page(form: MonthForm, http_status: int | None = None):
    customers = billing.charges(form.kuukausi.data) if not form.errors else []
    return render("admin/billing.html", form=form, month=form.kuukausi.data, customers=customers,
                  total=sum(c.total_cents for c in customers), vat=sum(c.vat_cents for c in customers),
                  lines=sum(len(c.lines) for c in customers), http_status=http_status)


@bp.get("/laskutus", endpoint="billing")
def billing_index():
    form = MonthForm(request.args, kuukausi=today().strftime("%Y-%m"))
    form.validate()
    return _page(form)


@bp.get("/laskutus/<month>.<any(csv, json):fmt>")
def billing_export(month: str, fmt: str):
    form = MonthForm(formdata=None, kuukausi=month)
    if not form.validate():
        return _page(form, http_status=404)
    return Response(export(month, fmt), mimetype=MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="veloitukset-{month}.{fmt}"'})


def export(month: str, fmt: str) -> str:
    customers = billing.charges(month)
    return billing.to_csv(month, customers) if fmt == "csv" else billing.to_json(month, customers)


billing_cli = AppGroup("billing", help="The monthly charges for the billing system.")


@billing_cli.command("export")
@click.argument("month")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout).")
def export_command(month: str, fmt: str, output: str | None) -> None:
    """Charges of MONTH (YYYY-MM), prorated by days, as CSV (; separated, UTF-8 BOM) or JSON."""
    try:
        body = export(month, fmt)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    if output:
        with open(output, "w", encoding="utf-8", newline="") as file:
            file.write(body)
    else:
        click.echo(body, nl=False)


bp.record_once(lambda state: state.app.cli.add_command(billing_cli))


@bp.route("/laskut", methods=["GET", "POST"])
def invoices_upload():
    """Laskut from the billing system as a Finvoice file: recorded all or none, as the API's."""
    form = FinvoiceForm()
    if form.validate_on_submit():
        recorded = invoices.import_finvoice(form.file.data.read())
        new = sum(created for _, created in recorded)
        return done(_("%(count)d invoices in the file, %(new)d of them new, are recorded.", count=len(recorded),
                      new=new), url_for("admin.invoices_upload"))
    return render("admin/invoices.html", form=form)
