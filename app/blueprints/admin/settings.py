"""Asetukset: the operator's details and the staff accounts, for admins only."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.admin import admin_required, bp
from app.blueprints.admin.forms import ActionForm, OperatorForm, StaffChangeForm, StaffForm
from app.forms import show_error
from app.services import DomainError, mailboxes, settings
from app.web import render


def _page(operator_form=None, staff_form=None, status=200):
    return render("admin/settings.html", operator_form=operator_form or OperatorForm(obj=settings.operator_settings()),
                  staff_form=staff_form or StaffForm(formdata=None), staff=settings.staff_accounts(),
                  change_form=StaffChangeForm(formdata=None), always_reserved=mailboxes.ALWAYS_RESERVED,
                  status=status)


@bp.route("/asetukset", methods=["GET", "POST"], endpoint="settings")
@admin_required
def settings_view():
    form = OperatorForm()
    if form.validate_on_submit():
        try:
            settings.save_operator(**{k: v or "" for k, v in form.data.items() if k != "csrf_token"})
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The settings are saved."))
            return redirect(url_for("admin.settings"), 303)
    return _page(operator_form=form if form.errors else None, status=422 if form.errors else 200)


@bp.post("/asetukset/henkilokunta")
@admin_required
def staff_add():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            settings.add_staff(form.username.data, form.display_name.data, form.role.data, form.new_password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The staff account is added."))
            return redirect(url_for("admin.settings"), 303)
    return _page(staff_form=form, status=422)


@bp.post("/asetukset/henkilokunta/<int:account_id>/<any(role, reset_two_factor, remove):action>")
@admin_required
def staff_change(account_id: int, action: str):
    form = StaffChangeForm() if action == "role" else ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        settings.change_staff(current_user, account_id, action, getattr(form, "role", None) and form.role.data)
    except DomainError as error:
        flash(str(error.message))
        return _page(status=422)
    flash(_("Saved."))
    return redirect(url_for("admin.settings"), 303)
