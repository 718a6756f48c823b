"""Tiedotteet: announcements on the customers' Etusivu."""
from flask import url_for

from app.blueprints.admin import bp
from app.blueprints.admin.customers import page_number
from app.blueprints.admin.forms import AnnouncementForm
from app.i18n import gettext as _
from app.models import Announcement
from app.services import announcements, get, ordering
from app.web import done, render


@bp.route("/tiedotteet", methods=["GET", "POST"], defaults={"announcement_id": None}, endpoint="announcements")
@bp.route("/tiedotteet/<int:announcement_id>", methods=["GET", "POST"], endpoint="announcement_edit")
def announcements_view(announcement_id: int | None):
    item = get(Announcement, announcement_id) if announcement_id is not None else None
    form = AnnouncementForm(obj=item, audience_group_id=(item.audience_group_id or 0) if item else 0)
    form.audience_group_id.choices = [(0, _("All customers"))] + [
        (g.id, _("Customers with a product in %(group)s", group=g.label)) for g in ordering.groups()]
    if form.validate_on_submit():
        announcements.save(item, form.title.data, form.body.data, form.valid_from.data, form.valid_until.data,
                           form.audience_group_id.data)
        return done(_("The announcement is saved."), url_for("admin.announcements"))
    return render("admin/announcements.html", form=form, item=item,
                  items=announcements.all_announcements(page_number()))


@bp.post("/tiedotteet/<int:announcement_id>/poista")
def announcement_delete(announcement_id: int):
    if announcements.delete(announcement_id):
        return done(_("The announcement is removed."), url_for("admin.announcements"))
    return done(_("The announcement was removed already."), url_for("admin.announcements"), kind="info")
