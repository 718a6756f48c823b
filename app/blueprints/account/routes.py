from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app.blueprints.account import bp
from app.blueprints.account.forms import PasswordChangeForm
from app.services import DomainError, accounts
from app.web import is_partial, render


@bp.route("/salasanan-vaihto", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        account = current_user._get_current_object()
        try:
            accounts.change_password(account, form.current_password.data, form.new_password.data)
        except DomainError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            login_user(account)  # this session carries the new session version
            flash(_("Your password has been changed. You were logged out on your other devices."))
            if is_partial():
                return render("account/password.html", "password_form", form=PasswordChangeForm(formdata=None))
            return redirect(url_for("account.password"), 303)
    return render("account/password.html", "password_form", form=form,
                  status=422 if form.errors else 200)
