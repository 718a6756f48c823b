"""Tuotteet and MIX-kanavat: the catalog and the channel pool, for admins only."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from app.blueprints.admin import admin_required, bp
from app.blueprints.admin.forms import ActionForm, ChannelForm, GroupForm, ProductForm
from app.extensions import db
from app.forms import show_error
from app.models import Channel, Product, ProductGroup
from app.services import DomainError, catalog_admin
from app.web import render


def translations(form) -> dict:
    return {key: form.data[key] for key in catalog_admin.TRANSLATIONS if key in form.data}


def _decimal(value: int) -> str:
    return f"{value / 100:.2f}".replace(".", ",")


@bp.get("/tuotteet")
@admin_required
def products():
    return render("admin/products.html", groups=catalog_admin.groups_with_products(),
                  group_form=GroupForm(formdata=None))


@bp.route("/tuotteet/uusi", methods=["GET", "POST"], defaults={"product_id": None})
@bp.route("/tuotteet/<int:product_id>", methods=["GET", "POST"])
@admin_required
def product_edit(product_id: int | None):
    product = db.get_or_404(Product, product_id) if product_id else None
    form = ProductForm(obj=product, price=_decimal(product.price_cents) if product else None,
                       vat=f"{product.vat_basis_points / 100:g}".replace(".", ",") if product else "25,5")
    form.group_id.choices = [(g.id, g.label) for g in db.session.scalars(
        db.select(ProductGroup).order_by(ProductGroup.position))]
    if form.validate_on_submit():
        values = {k: v for k, v in form.data.items() if k not in ("csrf_token", "price", "vat")}
        try:
            catalog_admin.save_product(product, form.price.data, form.vat.data, **values)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The product is saved."))
            return redirect(url_for("admin.products"), 303)
    return render("admin/product_edit.html", form=form, product=product, status=422 if form.errors else 200)


@bp.post("/tuoteryhmat", defaults={"group_id": None})
@bp.post("/tuoteryhmat/<int:group_id>")
@admin_required
def group_save(group_id: int | None):
    group = db.get_or_404(ProductGroup, group_id) if group_id else None
    form = GroupForm()
    if form.validate_on_submit():
        try:
            catalog_admin.save_group(group, form.code.data, form.name.data, form.position.data or 0,
                                     **translations(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The product group is saved."))
            return redirect(url_for("admin.products"), 303)
    return render("admin/products.html", groups=catalog_admin.groups_with_products(), group_form=form, status=422)


@bp.route("/mix-kanavat", methods=["GET", "POST"], defaults={"channel_id": None}, endpoint="channels")
@bp.route("/mix-kanavat/<int:channel_id>", methods=["GET", "POST"], endpoint="channel_edit")
@admin_required
def channels(channel_id: int | None):
    channel = db.get_or_404(Channel, channel_id) if channel_id else None
    form = ChannelForm(obj=channel)
    if form.validate_on_submit():
        try:
            catalog_admin.save_channel(channel, form.name.data, form.genre.data, form.description.data,
                                       form.position.data or 0, **translations(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The channel is saved."))
            return redirect(url_for("admin.channels"), 303)
    return render("admin/channels.html", channels=catalog_admin.channels(), form=form, channel=channel,
                  status=422 if form.errors else 200)


@bp.post("/mix-kanavat/<int:channel_id>/<any(poista, palauta):change>")
@admin_required
def channel_retire(channel_id: int, change: str):
    channel = db.get_or_404(Channel, channel_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    catalog_admin.set_retired(channel, change == "poista")
    flash(_("The channel is retired: it stays in the selections that have it.") if change == "poista"
          else _("The channel can be picked again."))
    return redirect(url_for("admin.channels"), 303)
