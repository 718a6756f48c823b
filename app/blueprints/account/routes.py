from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.blueprints.account import bp
from app.blueprints.account.forms import PasswordChangeForm
from app.services import DomainError, accounts
from app.web import customer_required, is_partial, render


@bp.route("/salasanan-vaihto", methods=["GET", "POST"])
@customer_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            login_user(current_user)  # this session carries the new session version
            flash(_("Your password has been changed. You were logged out on your other devices."))
            if is_partial():
                return render("account/password.html", "password_form", form=PasswordChangeForm(formdata=None))
            return redirect(url_for("account.password"), 303)
    return render("account/password.html", "password_form", form=form,
                  status=422 if form.errors else 200)
