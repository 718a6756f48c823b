"""CSV import of customers: upload, a preview listing every error by line, then import at once."""
from pathlib import Path

from flask import Response, current_app, url_for

from app.blueprints.admin import bp
from app.blueprints.admin.forms import ConfirmImportForm, ImportForm
from app.i18n import gettext as _
from app.i18n import ngettext
from app.services import customer_import
from app.web import done, render, takes_files


@bp.route("/tuonti", methods=["GET", "POST"], endpoint="customer_import")
@takes_files
def customer_import_index():
    """The upload, and its preview: nothing is written until the preview is confirmed."""
    form = ImportForm()
    if form.validate_on_submit():
        text = form.text()
        result = customer_import.preview(text)
        return render("admin/import.html", form=ImportForm(formdata=None), result=result,
                      confirm=ConfirmImportForm(formdata=None, content=text), http_status=422 if result.errors else 200)
    return render("admin/import.html", form=form, result=None, confirm=None)


@bp.post("/tuonti/vahvista")
@takes_files  # the previewed file comes back whole, written out in the form (a larger body than the file)
def customer_import_confirm():
    """The previewed file comes back in the form and is checked again before anything is written."""
    confirm = ConfirmImportForm()
    if confirm.validate_on_submit():
        result = customer_import.import_customers(confirm.content.data)
        return done(_("Imported: %(new)s, %(updated)s.",
                      new=ngettext("%(num)d new customer", "%(num)d new customers", result.new),
                      updated=ngettext("%(num)d customer updated", "%(num)d customers updated", result.updated)),
                    url_for("admin.customer_import"))
    return render("admin/import.html", form=ImportForm(formdata=None), result=None, confirm=confirm)


@bp.get("/tuonti/esimerkki.csv")
def customer_import_example():
    """The example file of docs/customers-example.csv."""
    path = Path(current_app.root_path).parent / "docs" / "customers-example.csv"
    return Response(path.read_bytes(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="asiakkaat-esimerkki.csv"'})
