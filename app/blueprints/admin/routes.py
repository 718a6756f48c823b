"""Logging in to the console (password, then TOTP; set up at the first login) and Yleiskatsaus."""
from flask import flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.blueprints.admin import bp
from app.blueprints.admin.forms import StaffLoginForm, TotpSetupForm
from app.blueprints.auth.routes import FAILED_ONLY, login_key, password_step, safe_next, start_session
from app.extensions import db, limiter
from app.models import Account
from app.services import DomainError, accounts, staff, two_factor
from app.web import render

SETUP = "totp_setup_for"


def setup_key() -> str:
    return "totp-setup:" + str(session.get(SETUP, {}).get("account", ""))


@bp.route("/kirjaudu", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", key_func=login_key, **FAILED_ONLY)
@limiter.limit("30 per 15 minutes", **FAILED_ONLY)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = StaffLoginForm()
    if form.validate_on_submit():
        try:
            account = accounts.authenticate(form.login.data, form.password.data, staff=True)
        except DomainError as error:
            g.login_failed = True
            form.form_errors.append(error.message)
        else:
            next_url = safe_next(request.args.get("next"), "admin.index")
            if account.totp_enabled:
                return password_step(account, next_url, back="admin.login")
            session.clear()
            session[SETUP] = {"account": account.id, "version": account.session_version, "next": next_url}
            return redirect(url_for("admin.totp_setup"), 303)
    return render("admin/login.html", form=form, status=422 if form.errors or form.form_errors else 200)


@bp.route("/kirjaudu/kayttoonotto", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", key_func=setup_key, **FAILED_ONLY)
def totp_setup():
    """Two-factor is mandatory for staff: the first login sets it up before the session starts."""
    pending = session.get(SETUP) or {}
    account = db.session.get(Account, pending.get("account", 0))
    if account is None or account.session_version != pending.get("version") or account.totp_enabled:
        session.pop(SETUP, None)
        return redirect(url_for("admin.login"), 303)
    secret = two_factor.pending_secret(account)
    form = TotpSetupForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(account, form.code.data)
        except DomainError as error:
            g.login_failed = True
            form.code.errors.append(error.message)
        else:
            start_session(account)
            return render("admin/recovery_codes.html", codes=codes, next_url=pending["next"])
    uri = two_factor.provisioning_uri(account, secret)
    return render("admin/totp_setup.html", form=form, qr=two_factor.qr_svg(uri), secret=secret,
                  status=422 if form.errors else 200)


@bp.post("/kirjaudu-ulos")
def logout():
    accounts.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You have logged out."))
    return redirect(url_for("admin.login"), 303)


@bp.get("/")
def index():
    return render("admin/index.html", counts=staff.overview())
