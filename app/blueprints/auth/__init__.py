"""Kirjautuminen: logging in and out, forgotten passwords and invitations."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.extensions import db, login_manager
from app.models import Account

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in first.")


@login_manager.user_loader
def load_account(session_id: str) -> Account | None:
    """The session names an account and its session version; an old version is logged out."""
    account_id, _, version = session_id.partition(":")
    if not (account_id.isdigit() and version.isdigit()):
        return None
    account = db.session.get(Account, int(account_id))
    if account is None or account.session_version != int(version):
        return None
    if account.customer is not None and account.customer.status != "active":
        return None
    return account


from app.blueprints.auth import routes  # noqa: E402,F401
