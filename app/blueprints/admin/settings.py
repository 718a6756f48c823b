"""Asetukset: the operator's details and the staff accounts, for admins only."""
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.admin import admin_required, bp
from app.blueprints.admin.forms import STAFF_ROLES, ActionForm, OperatorForm, StaffChangeForm, StaffForm
from app.services import mailboxes, settings
from app.web import done, render


def _page(**forms):
    """The page; a form just posted (with its errors) takes the place of its empty one."""
    forms.setdefault("operator_form", OperatorForm(obj=settings.operator_settings()))
    forms.setdefault("staff_form", StaffForm(formdata=None))
    forms.setdefault("action_form", ActionForm(formdata=None))
    return render("admin/settings.html", staff=settings.staff_accounts(), roles=STAFF_ROLES,
                  always_reserved=mailboxes.ALWAYS_RESERVED, **forms)


@bp.route("/asetukset", methods=["GET", "POST"], endpoint="settings")
@admin_required
def settings_view():
    form = OperatorForm(obj=settings.operator_settings())
    if form.validate_on_submit():
        settings.save_operator(**{k: v or "" for k, v in form.data.items() if k != "csrf_token"})
        return done(_("The settings are saved."), url_for("admin.settings"))
    return _page(operator_form=form)


@bp.post("/asetukset/henkilokunta")
@admin_required
def staff_add():
    form = StaffForm()
    if form.validate_on_submit():
        settings.add_staff(form.username.data, form.display_name.data, form.role.data, form.new_password.data)
        return done(_("The staff account is added."), url_for("admin.settings"))
    return _page(staff_form=form)


@bp.post("/asetukset/henkilokunta/<int:account_id>/<any(role, reset_two_factor, remove):action>")
@admin_required
def staff_change(account_id: int, action: str):
    form = StaffChangeForm() if action == "role" else ActionForm()
    if form.validate_on_submit():
        settings.change_staff(current_user, account_id, action, form.role.data if action == "role" else None)
        return done(_("Saved."), url_for("admin.settings"))
    return _page(action_form=form)
