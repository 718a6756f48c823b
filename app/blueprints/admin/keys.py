"""Lisenssiavaimet: the key pool of each security product."""
from flask import url_for

from app.blueprints.admin import bp
from app.blueprints.admin.forms import LicenceKeysForm
from app.services import licence_pool
from app.web import done, render


@bp.route("/lisenssiavaimet", methods=["GET", "POST"])
def licence_keys():
    products = licence_pool.pool()
    form = LicenceKeysForm()
    form.product_id.choices = [(p.id, p.label) for p, *_ in products]
    if form.validate_on_submit():
        added, given = licence_pool.upload(form.product_id.data, form.key_text())
        return done(licence_pool.summary(added, given), url_for("admin.licence_keys"))
    return render("admin/licence_keys.html", form=form, products=products)
