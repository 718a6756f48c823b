"""Asetukset: the operator's details and the staff accounts (admins only).

Every page shows the operator's details (name, phone, hours), so each process keeps a copy
(`app/kept.py`) instead of reading them per request: `current_operator()`.
"""
import re

from sqlalchemy import select

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.kept import Kept
from app.models import Account, OperatorSettings
from app.security import hash_password
from app.services import DomainError, NotFound, accounts, audit, mailboxes

OPERATOR_FIELDS = ("name", "phone", "hours", "hours_sv", "hours_en", "email", "mail_domain", "reserved_local_parts")

SAVED = Kept("operator-settings", ("operator_settings",), lambda session: session.get(OperatorSettings, 1))


def operator_settings() -> OperatorSettings:
    return db.session.get(OperatorSettings, 1) or OperatorSettings(id=1)


def current_operator() -> OperatorSettings | None:
    """The operator's saved details, as a copy outside any database session (None before they are saved)."""
    return SAVED.get()


def save_operator(**values) -> None:
    settings = operator_settings()
    values = {k: v.strip() for k, v in values.items() if k in OPERATOR_FIELDS}
    if "reserved_local_parts" in values:
        values["reserved_local_parts"] = mailboxes.reserved_list(values["reserved_local_parts"])
    db.session.add(settings)
    changed = {k: v for k, v in values.items() if getattr(settings, k) != v}
    for key, value in changed.items():
        setattr(settings, key, value)
    audit.record("settings.updated", None, **changed)
    db.session.commit()


# The login page finds a customer by number or email first, so a username must be neither.
STAFF_USERNAME = re.compile(r"(?=.*[a-zäöå])[a-zäöå0-9._-]{2,50}")


def staff_accounts() -> list[Account]:
    return list(db.session.scalars(select(Account).where(Account.role.in_(("staff", "admin")))
                                   .order_by(Account.username)))


def staff_refusals(username: str, display_name: str, role: str, password: str) -> dict:
    """What `add_staff` refuses, by field; the console's form asks too when its own checks refuse
    something, so that every refusal comes in one answer."""
    problems = {}
    username = username.strip().lower()
    if not STAFF_USERNAME.fullmatch(username):
        problems["username"] = _l("A username is letters, digits, dots and dashes, with at least one letter: "
                                  "customers log in with their number or email address, which a username must "
                                  "not look like.")
    elif db.session.scalar(select(Account.id).where(Account.username == username)):
        problems["username"] = _l("This username is taken.")
    account = Account(username=username, display_name=display_name.strip(), role=role)
    try:
        if not password:
            raise DomainError(_l("Write a new password."), field="new_password")
        accounts.check_new_password(account, password)
    except DomainError as refused:
        problems["new_password"] = refused.message
    return problems


def add_staff(username: str, display_name: str, role: str, password: str) -> None:
    """The new member logs in with this password and sets up two-factor login at once."""
    if problems := staff_refusals(username, display_name, role, password):
        raise DomainError.of(problems)
    username = username.strip().lower()
    account = Account(username=username, display_name=display_name.strip(), role=role)
    account.password_hash = hash_password(password)
    db.session.add(account)
    db.session.flush()
    audit.record("staff.added", None, username=username, role=role)
    db.session.commit()


def _staff(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None or not account.is_staff:
        raise NotFound()
    return account


def change_staff(actor: Account, account_id: int, action: str, role: str | None = None) -> None:
    """Change a role, make the member set up two-factor again, or remove the account."""
    account = _staff(account_id)
    if account.id == actor.id:
        raise DomainError(_l("You cannot change your own account here."))
    if action == "role":
        account.role = role
    elif action == "reset_two_factor":
        account.totp_secret, account.totp_enabled, account.totp_last_step = None, False, 0
        account.recovery_codes.clear()
        account.session_version += 1
    elif action == "remove":
        db.session.delete(account)
    audit.record(f"staff.{action}", None, username=account.username, role=role)
    db.session.commit()
