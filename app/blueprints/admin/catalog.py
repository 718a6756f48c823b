"""Tuotteet and MIX-kanavat: the catalog and the channel pool, for admins only."""
from flask import url_for

from app.blueprints.admin import admin_required, bp
from app.blueprints.admin.forms import ChannelForm, GroupForm, ProductForm
from app.i18n import gettext as _
from app.models import Channel, Product, ProductGroup
from app.services import catalog_admin, get, ordering
from app.web import done, render


def translations(form) -> dict:
    return {key: form.data[key] for key in catalog_admin.TRANSLATIONS if key in form.data}


def _decimal(value: int) -> str:
    return f"{value / 100:.2f}".replace(".", ",")


@bp.get("/tuotteet")
@admin_required
def products(group_form: GroupForm | None = None):
    return render("admin/products.html", groups=catalog_admin.groups_with_products(),
                  group_form=group_form or GroupForm(formdata=None))


@bp.route("/tuotteet/uusi", methods=["GET", "POST"], defaults={"product_id": None})
@bp.route("/tuotteet/<int:product_id>", methods=["GET", "POST"])
@admin_required
def product_edit(product_id: int | None):
    product = get(Product, product_id) if product_id is not None else None
    form = ProductForm(obj=product, product=product, price=_decimal(product.price_cents) if product else None,
                       vat=f"{product.vat_basis_points / 100:g}".replace(".", ",") if product else "25,5")
    form.group_id.choices = [(g.id, g.label) for g in ordering.groups()]
    if form.validate_on_submit():
        catalog_admin.save_product(product, form.price.data, form.vat.data, **form.values())
        return done(_("The product is saved."), url_for("admin.products"))
    return render("admin/product_edit.html", form=form, product=product)


@bp.post("/tuoteryhmat", defaults={"group_id": None})
@bp.post("/tuoteryhmat/<int:group_id>")
@admin_required
def group_save(group_id: int | None):
    group = get(ProductGroup, group_id) if group_id is not None else None
    form = GroupForm()
    if form.validate_on_submit():
        catalog_admin.save_group(group, form.code.data, form.name.data, form.position.data,
                                 **translations(form))
        return done(_("The product group is saved."), url_for("admin.products"))
    return products(group_form=form)


@bp.route("/mix-kanavat", methods=["GET", "POST"], defaults={"channel_id": None}, endpoint="channels")
@bp.route("/mix-kanavat/<int:channel_id>", methods=["GET", "POST"], endpoint="channel_edit")
@admin_required
def channels(channel_id: int | None):
    channel = get(Channel, channel_id) if channel_id is not None else None
    form = ChannelForm(obj=channel)
    if form.validate_on_submit():
        catalog_admin.save_channel(channel, form.name.data, form.genre.data, form.description.data,
                                   form.position.data, **translations(form))
        return done(_("The channel is saved."), url_for("admin.channels"))
    return render("admin/channels.html", channels=catalog_admin.channels(), form=form, channel=channel)


@bp.post("/mix-kanavat/<int:channel_id>/<any(poista, palauta):change>")
@admin_required
def channel_retire(channel_id: int, change: str):
    channel = get(Channel, channel_id)
    catalog_admin.set_retired(channel, change == "poista")
    return done(_("The channel is retired: it stays in the selections that have it.") if change == "poista"
                else _("The channel can be picked again."), url_for("admin.channels"))
