"""Tiedotteet: announcements on the customers' Etusivu."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from app.blueprints.admin import bp
from app.blueprints.admin.customers import page_number
from app.blueprints.admin.forms import ActionForm, AnnouncementForm
from app.extensions import db
from app.forms import show_error
from app.models import Announcement, ProductGroup
from app.services import DomainError, announcements
from app.web import render


@bp.route("/tiedotteet", methods=["GET", "POST"], defaults={"announcement_id": None}, endpoint="announcements")
@bp.route("/tiedotteet/<int:announcement_id>", methods=["GET", "POST"], endpoint="announcement_edit")
def announcements_view(announcement_id: int | None):
    item = db.get_or_404(Announcement, announcement_id) if announcement_id else None
    form = AnnouncementForm(obj=item, audience_group_id=(item.audience_group_id or 0) if item else 0)
    form.audience_group_id.choices = [(0, _("All customers"))] + [
        (g.id, _("Customers with a product in %(group)s", group=g.label))
        for g in db.session.scalars(db.select(ProductGroup).order_by(ProductGroup.position))]
    if form.validate_on_submit():
        try:
            announcements.save(item, form.title.data, form.body.data, form.valid_from.data, form.valid_until.data,
                               form.audience_group_id.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The announcement is saved."))
            return redirect(url_for("admin.announcements"), 303)
    return render("admin/announcements.html", form=form, item=item,
                  items=announcements.all_announcements(page_number()), status=422 if form.errors else 200)


@bp.post("/tiedotteet/<int:announcement_id>/poista")
def announcement_delete(announcement_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    announcements.delete(db.get_or_404(Announcement, announcement_id))
    flash(_("The announcement is removed."))
    return redirect(url_for("admin.announcements"), 303)
