"""Starting and ending sessions, for customers and staff alike: the one way in and out.

`login_user` is called in one place, `start()`, which first asks the one rule of who may have
a session (`accounts.check_may_have_session`); the user loader asks it again on every request,
with the session's version and age. Logging in is the password, then, when the account has
one, the second step (a code) — mandatory for staff, who set it up at their first login.
"""
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, undefer

from app.extensions import db, login_manager
from app.i18n import LANGUAGE_COOKIE
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.models import Account, Customer
from app.models.base import utcnow
from app.services import accounts, profile

PENDING = "pending_login"

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in first.")
login_manager.login_message_category = "info"


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


def login_page(account: Account | None = None) -> str:
    return url_for("auth.staff_login" if account is not None and account.is_staff else "auth.login")


def home(account: Account) -> str:
    return "admin.index" if account.is_staff else "dashboard.index"


def after_password(account: Account, next_url: str, welcome: str | None = None):
    """The password is right: the session starts, or waits for the second step.

    An account that may not have a session (a customer without a valid agreement who has just
    set a password through a link) is sent to the login page with the reason.
    """
    if (reason := accounts.session_refusal(account)) is not None:
        session.clear()
        flash(reason, "error")
        return redirect(login_page(account), 303)
    if account.totp_enabled or account.is_staff:
        session.clear()  # nothing planted before login survives it
        session[PENDING] = {"account": account.id, "version": account.session_version, "next": next_url,
                            "welcome": welcome}
        return redirect(url_for("auth.second_factor" if account.totp_enabled else "auth.totp_setup"), 303)
    start(account)
    if welcome:
        flash(welcome, "success")
    return redirect(next_url, 303)


def pending() -> tuple[Account | None, dict]:
    """The account between its password and its second step, if the step is still open."""
    data = session.get(PENDING) or {}
    account = db.session.get(Account, data.get("account", 0))
    if account is None or account.session_version != data.get("version"):
        session.pop(PENDING, None)
        return None, {}
    return account, data


def finish_pending(account: Account, data: dict):
    """The second step is done: the session starts and the login goes where it was headed."""
    start(account)
    if data.get("welcome"):
        flash(data["welcome"], "success")
    return redirect(data["next"], 303)


def start(account: Account) -> None:
    """The one place a session begins (DomainError if the account may not have one)."""
    accounts.check_may_have_session(account)
    session.clear()
    login_user(account)
    session.permanent = True
    now = int(utcnow().timestamp())
    # `auth_at`: when the password was last given (a mailbox password change asks it again after
    # a while); `started_at`: the session's absolute age, however active it is.
    session["auth_at"] = session["started_at"] = now
    # A language picked with the switcher before logging in becomes the account's language.
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if account.customer and chosen in current_app.config["LANGUAGES"]:
        profile.set_language(account, chosen)
    accounts.record_login(account)


def reauthenticated() -> None:
    session["auth_at"] = int(utcnow().timestamp())


def keep_after_password_change(account: Account) -> None:
    """The password change ended every other session; this one carries the new version on."""
    started_at = session.get("started_at")
    login_user(account)
    session["started_at"] = started_at
    reauthenticated()


def end():
    """Log out, here and on every other device."""
    account = current_user._get_current_object()
    accounts.end_sessions(account)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "success")
    return redirect(login_page(account), 303)


# Every request of a session reads it, so the statement is built once (as announcements.for_customer):
# a select built anew has its cache key worked out again, which costs more than running it. The customer
# comes with what the rules of most pages read: the agreements (logging in, ordering) and the pay-TV cards
# (Etusivu, Tilaa, the MIX page and every toggle), which a lazy load would read in a statement of its own.
SESSION_ACCOUNT = select(Account).where(Account.id == bindparam("account_id")).options(
    joinedload(Account.customer).options(joinedload(Customer.agreements), joinedload(Customer.pay_tv_cards),
                                         undefer(Customer.unread_replies)))


@login_manager.user_loader
def load_account(session_id: str) -> Account | None:
    """The session's account, while its version is current, the account may have a session,
    and the session is younger than its absolute lifetime."""
    account_id, _sep, version = session_id.partition(":")
    if not (account_id.isdigit() and version.isdigit()):
        return None
    account = db.session.scalars(SESSION_ACCOUNT, {"account_id": int(account_id)}).unique().one_or_none()
    if account is None or account.session_version != int(version):
        return None
    max_age = current_app.config["SESSION_MAX_AGE"].total_seconds()
    if session.get("started_at", 0) + max_age < utcnow().timestamp():
        return None
    if not accounts.may_have_session(account):
        return None
    return account
