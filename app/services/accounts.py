"""Logging in, passwords, reset and invitation links, and ending sessions."""
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Account, AuditEvent, Customer
from app.models.base import today, utcnow
from app.security import (
    Strength,
    fingerprint,
    hash_password,
    make_token,
    password_strength,
    read_token,
    verify_password,
)
from app.services import DomainError, TooManyAttempts, attempts, audit, outbox

RESET_MAX_AGE = 3600
INVITE_MAX_AGE = 7 * 24 * 3600

BAD_LOGIN = _l("The login or password is wrong.")
WRONG_PASSWORD = {"password": _l("The password is wrong."), "current_password": _l("The current password is wrong."),
                  "account_password": _l("The account password is wrong.")}
NO_AGREEMENT = _l("Logging in requires a valid connection or service agreement. Please call our customer service.")
CLOSED = _l("The customer's account is closed: a closed customer cannot log in.")
ACCOUNT_CLOSED = _l("Your customer account is closed, so you cannot log in. Please call our customer service.")


def find_account(login: str) -> Account | None:
    """A customer by number or email address, or a staff member by username."""
    login = login.strip()
    if not login:
        return None
    # The customer first, then the account: an OR across both tables of a join could use
    # no index and would read every customer on each login.
    customer_id = db.session.scalar(select(Customer.id).where(
        or_(Customer.customer_number == login, Customer.email == login.lower())))
    return db.session.scalar(
        select(Account).options(joinedload(Account.customer).selectinload(Customer.agreements))
        .where(Account.customer_id == customer_id if customer_id is not None
               else Account.username == login.lower())
    )


def authenticate(login: str, password: str, address: str | None = None, staff: bool = False) -> Account:
    """The account behind these credentials, or a DomainError that does not tell which was wrong.

    Customers log in on the portal, staff on the console; neither login accepts the other.
    A wrong password counts towards the account's (or the typed login's) and the address's limit.
    """
    account = find_account(login)
    if account is not None and account.is_staff != staff:
        account = None
    windows = attempts.keys(account, login, address)
    attempts.guard(windows)
    if not verify_password(account.password_hash if account else None, password):
        attempts.failed(windows)
        raise DomainError(BAD_LOGIN)
    # Said only after the right password, so it reveals nothing to a guesser.
    check_may_have_session(account)
    return account


def session_refusal(account: Account):
    """Why the account may not have a session, or None. The one rule of who may: staff, and customers
    of an open account with a valid connection or service agreement (seed S1)."""
    customer = account.customer
    if customer is None:
        return None
    if customer.status != "active":
        return ACCOUNT_CLOSED
    return None if customer.may_log_in(today()) else NO_AGREEMENT


def check_may_have_session(account: Account) -> None:
    """Every way into a session (login, second step, reset and invitation links) and every request
    of a session asks this."""
    if (reason := session_refusal(account)) is not None:
        raise DomainError(reason)


def may_have_session(account: Account) -> bool:
    return session_refusal(account) is None


def check_password(account: Account, password: str, field: str = "password", address: str | None = None) -> None:
    """The account's own password, asked again before a change; a wrong one counts like a failed login."""
    windows = attempts.keys(account, address=address)
    attempts.guard(windows)
    if not verify_password(account.password_hash, password):
        attempts.failed(windows)
        raise DomainError(WRONG_PASSWORD[field], field=field)


def record_login(account: Account) -> None:
    """The session starts: after the password, and after the second factor when one is on."""
    account.last_login_at = utcnow()
    audit.record("login", account.customer_id, actor=account)
    db.session.commit()


def personal_inputs(account: Account) -> list[str]:
    customer = account.customer
    if customer is None:
        return [account.username or "", account.display_name]
    return [customer.name, customer.customer_number, customer.email or ""]


def new_password_strength(account: Account, password: str) -> Strength:
    return password_strength(password, personal_inputs(account))


def check_new_password(account: Account, password: str, current: str | None = None) -> None:
    problem = new_password_strength(account, password).problem
    if problem is None and current is not None and password == current:
        problem = _l("The new password must differ from the current one.")
    if problem:
        raise DomainError(problem, field="new_password")


def _set_password(account: Account, password: str) -> None:
    account.password_hash = hash_password(password)
    # Every other session and every reset link made before this moment stops working.
    account.session_version += 1


def change_password(account: Account, current: str, new: str) -> None:
    """Salasanan vaihto: the current password proves it is the owner; other sessions end. A wrong
    current password and a weak new one are told at once (too many wrong ones, only that)."""
    problems = {}
    try:
        check_password(account, current, field="current_password")
    except TooManyAttempts:
        raise
    except DomainError as refused:
        problems |= refused.errors
    try:
        check_new_password(account, new, current)
    except DomainError as refused:
        problems |= refused.errors
    if problems:
        raise DomainError.of(problems)
    _set_password(account, new)
    audit.record("password.changed", account.customer_id, actor=account)
    _notify_password_changed(account)
    db.session.commit()


def _notify_password_changed(account: Account) -> None:
    customer = account.customer
    if customer and customer.email:
        outbox.queue_email(customer.email, "password_changed", customer.locale, customer.id,
                           customer=customer)


def _link_state(account: Account) -> str:
    """What a link's use or an address change alters: the link then stops working."""
    email = account.customer.email if account.customer else ""
    return fingerprint(account.password_hash, account.session_version, email)


def link_token(purpose: str, account: Account) -> str:
    """A signed link that works once: using it changes the state it was made from."""
    return make_token(purpose, {"account": account.id, "state": _link_state(account)})


def account_from_link(purpose: str, token: str) -> Account | None:
    max_age = RESET_MAX_AGE if purpose == "reset" else INVITE_MAX_AGE
    data = read_token(purpose, token, max_age)
    if not data:
        return None
    account = db.session.get(Account, data.get("account"))
    if account is None or data.get("state") != _link_state(account):
        return None
    if account.customer and account.customer.status != "active":
        return None
    return account


def request_password_reset(login: str) -> None:
    """Forgotten password: the answer is the same whoever asks, and so is the work before it.

    The request only hands the login to the worker (one row, known or not); the worker looks
    it up and sends the link if it belongs to a customer. So neither the answer nor its timing
    tells which addresses and numbers are registered.
    """
    outbox.queue_task("password_reset_request", login=login.strip()[:254])
    db.session.commit()


# Reset links one account gets in an hour, however many addresses ask: the form's own limit is per
# address, and without this anyone could fill a customer's inbox from a few. Asked for more, the
# page answers as always and no email goes (the link already sent is valid for RESET_MAX_AGE).
RESET_EMAILS_PER_HOUR = 3


@outbox.task("password_reset_request")
def send_password_reset(login: str) -> None:
    account = find_account(login)
    customer = account.customer if account else None
    if customer is None or not customer.email or customer.status != "active":
        return
    sent = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.customer_id == customer.id, AuditEvent.action == "password.reset_requested",
        AuditEvent.at >= utcnow() - timedelta(hours=1)))
    if sent >= RESET_EMAILS_PER_HOUR:
        return
    url = outbox.link("auth.reset_password", token=link_token("reset", account))
    outbox.queue_email(customer.email, "password_reset", customer.locale, customer.id,
                       customer=customer, url=url)
    audit.record("password.reset_requested", customer.id, actor=account)


def set_password_from_link(account: Account, password: str, purpose: str) -> None:
    check_new_password(account, password)
    _set_password(account, password)
    audit.record(f"password.set_by_{purpose}", account.customer_id, actor=account)
    _notify_password_changed(account)
    db.session.commit()


def invite(customer: Customer) -> None:
    """Queue the first-login link; the customer sets a password with it. The console, the API and
    `flask invite` all send it this way."""
    if customer.status == "closed":  # the link would lead nowhere: a closed customer cannot log in
        raise DomainError(CLOSED)
    if customer.account is not None and customer.account.password_hash:
        raise DomainError(_l("The customer has a password already: send a password reset link instead."))
    if not customer.email:
        raise DomainError(_l("The customer has no email address."))
    account = customer.account or Account(customer=customer, role="customer")
    db.session.add(account)
    db.session.flush()
    url = outbox.link("auth.accept_invitation", token=link_token("invite", account))
    outbox.queue_email(customer.email, "invitation", customer.locale, customer.id,
                       customer=customer, url=url)
    audit.record("account.invited", customer.id)
    db.session.commit()


def end_sessions(account: Account) -> None:
    """Logging out ends the session everywhere: a copied cookie stops working too."""
    account.session_version += 1
    audit.record("logout", account.customer_id, actor=account)
    db.session.commit()

