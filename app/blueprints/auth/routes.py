"""Logging in and out, for customers at /kirjaudu and staff at /hallinta/kirjaudu: one form,
one second step, one logout (app/sessions.py starts and ends the sessions)."""
from flask import redirect, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from app import sessions
from app.blueprints.auth import bp
from app.blueprints.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    SecondFactorForm,
    SetPasswordForm,
    StaffLoginForm,
    TotpSetupForm,
)
from app.extensions import limiter
from app.i18n import gettext as _
from app.services import accounts, two_factor
from app.web import done, render


@bp.route("/kirjaudu", methods=["GET", "POST"], endpoint="login")
@bp.route("/hallinta/kirjaudu", methods=["GET", "POST"], endpoint="staff_login")
def login():
    console = request.endpoint == "auth.staff_login"
    if current_user.is_authenticated:
        return redirect(url_for(sessions.home(current_user)))
    form = StaffLoginForm() if console else LoginForm()
    if form.validate_on_submit():
        account = accounts.authenticate(form.login.data, form.password.data, request.remote_addr, staff=console)
        return sessions.after_password(
            account, sessions.safe_next(request.args.get("next"), "admin.index" if console else "dashboard.index"))
    return render("auth/login.html", form=form, console=console)


@bp.route("/kirjaudu/vahvistus", methods=["GET", "POST"])
def second_factor():
    """The second step: a code from the authenticator app, or a recovery code."""
    account, pending = sessions.pending()
    if account is None or not account.totp_enabled:
        return redirect(url_for("auth.login"), 303)
    form = SecondFactorForm()
    if form.validate_on_submit():
        two_factor.check(account, form.code.data, request.remote_addr)
        return sessions.finish_pending(account, pending)
    return render("auth/second_factor.html", form=form, account=account)


@bp.route("/hallinta/kirjaudu/kayttoonotto", methods=["GET", "POST"])
def totp_setup():
    """Two-factor is mandatory for staff: the first login sets it up before the session starts."""
    account, pending = sessions.pending()
    if account is None or account.totp_enabled or not account.is_staff:
        return redirect(url_for("auth.staff_login"), 303)
    secret = two_factor.pending_secret(account)
    form = TotpSetupForm()
    if form.validate_on_submit():
        codes = two_factor.enable(account, secret, form.code.data)
        sessions.start(account)
        return render("auth/recovery_codes.html", codes=codes, next_url=pending["next"], console=True)
    uri = two_factor.provisioning_uri(account, secret)
    return render("auth/totp_setup.html", form=form, qr=two_factor.qr_svg(uri), secret=secret, console=True)


@bp.post("/kirjaudu-ulos")
@login_required
def logout():
    return sessions.end()


@bp.route("/unohtunut-salasana", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.login.data)
        return done(_("If the address or customer number is in our customer records, a link for setting a new "
                      "password is on its way to the email address we have. The link is valid for one hour."),
                    url_for("auth.login"))
    return render("auth/forgot.html", form=form)


@bp.route("/uusi-salasana/<token>", methods=["GET", "POST"], endpoint="reset_password")
@bp.route("/kutsu/<token>", methods=["GET", "POST"], endpoint="accept_invitation")
@limiter.limit("10 per 15 minutes", methods=["POST"])
def set_password(token: str):
    purpose = "invite" if request.endpoint == "auth.accept_invitation" else "reset"
    account = accounts.account_from_link(purpose, token)
    if account is None:
        return render("auth/link_invalid.html", purpose=purpose, http_status=404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        accounts.set_password_from_link(account, form.new_password.data, purpose)
        return sessions.after_password(account, url_for("dashboard.index"), _("Your password is set. Welcome!"))
    return render("auth/set_password.html", form=form, purpose=purpose)


@bp.post("/salasanan-vahvuus")
@login_required
@limiter.limit("120 per minute", key_func=lambda: f"strength:{current_user.get_id()}")
def password_strength():
    """What the strength line of a customer's or a staff member's Salasanan vaihto says of what has
    been typed so far: htmx asks as it is typed and puts the answer in the line."""
    typed = request.form.get("new_password", "")
    return render_block("account/_strength.html", "strength",
                        strength=accounts.new_password_strength(current_user, typed) if typed else None)
