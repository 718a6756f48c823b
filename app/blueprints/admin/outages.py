"""Häiriötiedotteet: the staff announce an outage, post updates and resolve it."""
from flask import url_for

from app.blueprints.admin import bp
from app.blueprints.admin.customers import page_number
from app.blueprints.admin.forms import OutageForm, OutageResolveForm, OutageUpdateForm
from app.i18n import gettext as _
from app.models import Outage
from app.models.base import utcnow
from app.services import get, ordering, outages
from app.web import done, render

FIELDS = ("title", "title_sv", "title_en", "description", "description_sv", "description_en", "severity",
          "all_customers", "started_at", "estimated_fix_at")


@bp.route("/hairiot", methods=["GET", "POST"], endpoint="outages")
def outages_view():
    form = OutageForm(started_at=utcnow().replace(second=0, microsecond=0))
    form.group_ids.choices = [(g.id, g.label) for g in ordering.groups()]
    if form.validate_on_submit():
        outage = outages.create({name: form[name].data for name in FIELDS}, form.group_ids.data,
                                outages.postal_codes(form.postal_codes.data),
                                outages.municipalities(form.municipalities.data))
        return done(_("The outage is published; the affected customers are being told."),
                    url_for("admin.outage", outage_id=outage.id))
    return render("admin/outages.html", form=form, items=outages.listing(page_number()))


@bp.route("/hairiot/<int:outage_id>", methods=["GET", "POST"], endpoint="outage")
def outage_view(outage_id: int):
    """One outage: its counts, and the forms to post an update (POST here) or resolve it."""
    outage = get(Outage, outage_id)
    form = OutageUpdateForm()
    if form.validate_on_submit():
        outages.post_update(outage, form.text.data, utcnow())
        return done(_("The update is published."), url_for("admin.outage", outage_id=outage.id))
    return render("admin/outage.html", outage=outage, form=form, resolve_form=OutageResolveForm(formdata=None),
                  counts=outages.counts(outage, utcnow()))


@bp.route("/hairiot/<int:outage_id>/korjattu", methods=["POST"], endpoint="outage_resolve")
def outage_resolve(outage_id: int):
    outage = get(Outage, outage_id)
    form = OutageResolveForm()
    if form.validate_on_submit():
        outages.resolve(outage, form.closing_note.data, utcnow())
        return done(_("The outage is resolved; the customers told of it are being told it is over."),
                    url_for("admin.outage", outage_id=outage.id))
    return render("admin/outage.html", outage=outage, form=OutageUpdateForm(formdata=None), resolve_form=form,
                  counts=outages.counts(outage, utcnow()))
