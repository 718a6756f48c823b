from urllib.parse import urlsplit

from flask import flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from limits import parse

from app.blueprints.auth import bp
from app.blueprints.auth.forms import ForgotPasswordForm, LoginForm, SecondFactorForm, SetPasswordForm
from app.extensions import db, limiter
from app.models import Account
from app.models.base import utcnow
from app.services import DomainError, accounts, two_factor
from app.web import render

FAILED_ONLY = dict(methods=["POST"], deduct_when=lambda response: g.get("login_failed", False))
ACCOUNT_LOGIN_LIMIT = "10 per 15 minutes"
PENDING = "second_factor_for"


def login_key() -> str:
    return "login:" + request.form.get("login", "").strip().lower()[:254]


def count_failed_login(*logins: str) -> None:
    """A wrong password given elsewhere (re-authentication) counts as a failed login of the account."""
    item = parse(ACCOUNT_LOGIN_LIMIT)
    for login in {value.strip().lower()[:254] for value in logins if value}:
        limiter.limiter.hit(item, "login:" + login, "auth.login")


def pending_key() -> str:
    return "2fa:" + str(session.get(PENDING, {}).get("account", ""))


def safe_next(target: str | None, default: str = "dashboard.index") -> str:
    """Only a path on this site; anything with a scheme or host goes to the default page.

    Control characters and spaces are refused too: browsers drop tabs and newlines from a URL
    (so "/<tab>/evil" would become "//evil"), and a newline cannot go into the Location header.
    """
    if target and not any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        parts = urlsplit(target)
        local = not parts.scheme and not parts.netloc and not target.startswith("//")
        if local and target.startswith("/") and "\\" not in target:
            return target
    return url_for(default)


def start_session(account: Account) -> None:
    session.clear()  # a fresh session: nothing planted before login survives it
    login_user(account)
    session.permanent = True
    session["auth_at"] = int(utcnow().timestamp())
    accounts.record_login(account)


def password_step(account: Account, next_url: str, back: str = "auth.login"):
    """After the right password: in, or on to the second factor when the account has one.

    The console's login uses the same second step; `back` is the login page to return to.
    """
    if account.totp_enabled:
        session.clear()
        session[PENDING] = {"account": account.id, "version": account.session_version, "next": next_url,
                            "back": back}
        return redirect(url_for("auth.second_factor"), 303)
    start_session(account)
    return redirect(next_url, 303)


@bp.route("/kirjaudu", methods=["GET", "POST"])
@limiter.limit(ACCOUNT_LOGIN_LIMIT, key_func=login_key, **FAILED_ONLY)
@limiter.limit("30 per 15 minutes", **FAILED_ONLY)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            account = accounts.authenticate(form.login.data, form.password.data)
        except DomainError as error:
            g.login_failed = True
            form.form_errors.append(error.message)
        else:
            return password_step(account, safe_next(request.args.get("next")))
    return render("auth/login.html", form=form, status=422 if form.errors or form.form_errors else 200)


@bp.route("/kirjaudu/vahvistus", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", key_func=pending_key, **FAILED_ONLY)
@limiter.limit("30 per 15 minutes", **FAILED_ONLY)
def second_factor():
    """The second step: a code from the authenticator app, or a recovery code."""
    pending = session.get(PENDING) or {}
    account = db.session.get(Account, pending.get("account", 0))
    if account is None or account.session_version != pending.get("version") or not account.totp_enabled:
        session.pop(PENDING, None)
        return redirect(url_for(pending.get("back", "auth.login")), 303)
    form = SecondFactorForm()
    if form.validate_on_submit():
        if two_factor.verify(account, form.code.data):
            start_session(account)
            return redirect(pending["next"], 303)
        g.login_failed = True
        db.session.commit()  # a used-up recovery code stays used
        form.code.errors.append(two_factor.BAD_CODE)
    return render("auth/second_factor.html", form=form, back=pending.get("back", "auth.login"),
                  status=422 if form.errors else 200)


@bp.post("/kirjaudu-ulos")
@login_required
def logout():
    accounts.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You have logged out."))
    return redirect(url_for("auth.login"), 303)


@bp.route("/unohtunut-salasana", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        flash(_("If the address is in our customer records, a link for setting a new password "
                "is on its way to it. The link is valid for one hour."))
        return redirect(url_for("auth.login"), 303)
    return render("auth/forgot.html", form=form, status=422 if form.errors else 200)


@bp.route("/uusi-salasana/<token>", methods=["GET", "POST"], endpoint="reset_password")
@bp.route("/kutsu/<token>", methods=["GET", "POST"], endpoint="accept_invitation")
@limiter.limit("10 per 15 minutes", methods=["POST"])
def set_password(token: str):
    purpose = "invite" if request.endpoint == "auth.accept_invitation" else "reset"
    account = accounts.account_from_link(purpose, token)
    if account is None:
        return render("auth/link_invalid.html", purpose=purpose, status=404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password_from_link(account, form.new_password.data, purpose)
        except DomainError as error:
            form.new_password.errors.append(error.message)
        else:
            response = password_step(account, url_for("dashboard.index"))
            flash(_("Your password is set. Welcome!"))
            return response
    return render("auth/set_password.html", form=form, purpose=purpose,
                  status=422 if form.errors else 200)
