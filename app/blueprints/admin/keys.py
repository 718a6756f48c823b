"""Lisenssiavaimet: the key pool of each security product."""
from flask import flash, redirect, url_for

from app.blueprints.admin import bp
from app.blueprints.admin.forms import LicenceKeysForm
from app.forms import show_error
from app.services import DomainError, licence_pool
from app.web import render


@bp.route("/lisenssiavaimet", methods=["GET", "POST"])
def licence_keys():
    products = licence_pool.pool()
    form = LicenceKeysForm()
    form.product_id.choices = [(p.id, p.label) for p, *_ in products]
    if form.validate_on_submit():
        upload = form.keys_file.data
        text = upload.read().decode("utf-8-sig", errors="replace") if upload else (form.keys.data or "")
        try:
            added, given = licence_pool.upload(form.product_id.data, text)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(licence_pool.summary(added, given))
            return redirect(url_for("admin.licence_keys"), 303)
    return render("admin/licence_keys.html", form=form, products=products, status=422 if form.errors else 200)
