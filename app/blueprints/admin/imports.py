"""CSV import of customers: upload, a preview listing every error by line, then import at once."""
from pathlib import Path

from flask import Response, current_app, flash, redirect, url_for
from flask_babel import gettext as _

from app.blueprints.admin import bp
from app.blueprints.admin.forms import ConfirmImportForm, ImportForm
from app.services import DomainError, customer_import
from app.web import render


@bp.route("/tuonti", methods=["GET", "POST"], endpoint="customer_import")
def customer_import_index():
    form = ImportForm()
    if form.validate_on_submit():
        text = form.file.data.read().decode("utf-8-sig", errors="replace")
        try:
            result = customer_import.preview(text)
        except DomainError as error:
            form.file.errors.append(error.message)
        else:
            confirm = ConfirmImportForm(formdata=None, content=text)
            return render("admin/import.html", form=ImportForm(formdata=None), result=result, confirm=confirm,
                          status=422 if result.errors else 200)
    return render("admin/import.html", form=form, result=None, confirm=None, status=422 if form.errors else 200)


@bp.post("/tuonti/vahvista")
def customer_import_confirm():
    """The previewed file comes back in the form and is checked again before anything is written."""
    confirm = ConfirmImportForm()
    form = ImportForm(formdata=None)
    result = None
    if confirm.validate_on_submit():
        try:
            result = customer_import.import_customers(confirm.content.data)
        except DomainError as error:
            form.file.errors = [error.message]
            result = _checked(confirm.content.data)
        else:
            flash(_("Imported: %(new)d new customers, %(updated)d updated.", new=result.new, updated=result.updated))
            return redirect(url_for("admin.customer_import"), 303)
    return render("admin/import.html", form=form, result=result, confirm=None, status=422)


def _checked(text: str):
    try:
        return customer_import.preview(text)
    except DomainError:
        return None


@bp.get("/tuonti/esimerkki.csv")
def customer_import_example():
    """The example file of docs/customers-example.csv."""
    path = Path(current_app.root_path).parent / "docs" / "customers-example.csv"
    return Response(path.read_bytes(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="asiakkaat-esimerkki.csv"'})
