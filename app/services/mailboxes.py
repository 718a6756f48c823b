"""Sähköpostin hallinta: the customer's mailboxes under the operator's domain.

Every change keeps the tables in the shape the mail server reads directly (see
the README, *The mail server*): a mailbox row per address, and `mail_alias` rows address -> goto for
aliases and forwarding, as PostfixAdmin keeps them. Each change is audited and queued as a
`mailbox.changed` provisioning event in the same transaction.
"""
import re
from datetime import date
from email.utils import parseaddr

import bcrypt
from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Customer, MailAlias, Mailbox, OperatorSettings, Product, Subscription
from app.models.base import today, utcnow
from app.security import hash_password, password_problem
from app.services import DomainError, NotFound, accounts, audit, outbox
from app.validators import CONTROL_CHARACTERS, has_control_characters, normalise_email

LOCAL_PART = re.compile(r"[a-z0-9]([a-z0-9._-]*[a-z0-9])?")
# Reserved on every operator's domain, whatever the staff's own list says: the role addresses of
# RFC 2142, the addresses certificate authorities mail to prove a domain (admin, administrator,
# hostmaster, postmaster, webmaster), and the names mail systems use for themselves.
ALWAYS_RESERVED = (
    "info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster", "hostmaster",
    "usenet", "news", "webmaster", "www", "uucp", "ftp",
    "admin", "administrator", "root", "sysadmin", "operator", "help", "billing",
    "mailer-daemon", "daemon", "nobody", "noreply", "donotreply", "bounce", "bounces", "ssladmin",
    "ssladministrator", "sslwebmaster", "dmarc", "mail", "smtp", "imap", "pop", "pop3", "autoconfig",
    "autodiscover", "vmail", "list", "listserv", "majordomo",
)
# What each change that could send mail round in a loop says when it would.
LOOPS = {
    "addresses": _l("The forwarding would make a loop: mail sent on from there comes back here."),
    "local_part": _l("The alias would make a loop: the forwarding of this mailbox leads back to it."),
    "active": _l("Enabling the mailbox would make a loop: its forwarding leads back to it. "
                 "Change the forwarding first."),
}
MAX_ALIASES = 3
MAX_FORWARDS = 5
MAX_SUBJECT = 200
MAX_BODY = 4000
REAUTH_SECONDS = 30 * 60


def hash_mailbox_password(password: str) -> str:
    """{ARGON2ID}$argon2id$... or {BLF-CRYPT}$2y$..., as MAILBOX_PASSWORD_SCHEME says."""
    if current_app.config["MAILBOX_PASSWORD_SCHEME"] == "BLF-CRYPT":  # noqa: S105
        digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()
        return "{BLF-CRYPT}$2y$" + digest[4:]
    return "{ARGON2ID}" + hash_password(password)


# Reading

def mailboxes_of(customer_id: int) -> list[Mailbox]:
    """The customer's mailboxes with their alias and forwarding rows, in two queries."""
    return list(db.session.scalars(
        select(Mailbox).options(selectinload(Mailbox.aliases))
        .where(Mailbox.customer_id == customer_id).order_by(Mailbox.id)
    ))


def owned(customer_id: int, mailbox_id: int) -> Mailbox:
    """The customer's mailbox (NotFound for anyone else's), locked for a change on Postgres."""
    mailbox = db.session.scalar(select(Mailbox).where(Mailbox.id == mailbox_id, Mailbox.customer_id == customer_id)
                                .with_for_update())
    if mailbox is None:
        raise NotFound(mailbox_id)
    return mailbox


def allowed_count(customer_id: int, day: date | None = None) -> int:
    """How many mailboxes the products in force give: the sum of their mailbox_count."""
    day = day or today()
    return db.session.scalar(
        select(func.coalesce(func.sum(Product.mailbox_count), 0))
        .select_from(Subscription).join(Product)
        .where(Subscription.customer_id == customer_id, Subscription.status == "active",
               Subscription.starts_on <= day,
               or_(Subscription.ends_on.is_(None), Subscription.ends_on >= day))
    )


def extra_mailbox_product() -> Product | None:
    """The cheapest sellable product that gives a mailbox more: where "over the count" links to."""
    return db.session.scalar(select(Product).where(Product.sellable, Product.mailbox_count > 0)
                             .order_by(Product.price_cents, Product.id).limit(1))


def needs_reauthentication(auth_at: int | float | None, now: float | None = None) -> bool:
    """A mailbox password change needs a login within the last 30 minutes."""
    now = utcnow().timestamp() if now is None else now
    return not auth_at or now - float(auth_at) > REAUTH_SECONDS


# Changing

def create_mailbox(customer_id: int, local_part: str, password: str) -> Mailbox:
    """A new mailbox within the plan's count, its address free and its password strong."""
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id).with_for_update())
    used = db.session.scalar(select(func.count()).select_from(Mailbox).where(Mailbox.customer_id == customer_id))
    if used >= allowed_count(customer_id):
        raise DomainError(_l("Your services do not include more mailboxes. You can order an extra mailbox."),
                          field="local_part")
    settings = _operator_mail()
    domain = settings.mail_domain.lower()
    # The address's refusal and the password's come in one answer.
    errors = {}
    try:
        address = _free_address(local_part, settings, "local_part")
    except DomainError as refusal:
        errors, address = refusal.errors, ""
    if problem := _password_refusal(customer, password, address):
        errors["password"] = problem
    if errors:
        raise DomainError.of(errors)
    mailbox = Mailbox(customer_id=customer_id, address=address, local_part=address.split("@")[0],
                      domain=domain, password_hash=hash_mailbox_password(password))
    db.session.add(mailbox)
    db.session.flush()
    _changed(mailbox, "created")
    db.session.commit()
    return mailbox


def change_password(mailbox: Mailbox, password: str, account, auth_at, account_password: str = "") -> bool:
    """A new mailbox password; an old login must re-enter the account password.

    Returns True when the account password was given, so the session counts as fresh.
    """
    reauthenticated = False
    if needs_reauthentication(auth_at):
        if not account_password:
            raise DomainError(_l("You logged in over 30 minutes ago. Write the password you log in with."),
                              field="account_password")
        accounts.check_password(account, account_password, field="account_password")
        reauthenticated = True
    if problem := _password_refusal(mailbox.customer, password, mailbox.address):
        raise DomainError(problem, field="new_password")
    mailbox.password_hash = hash_mailbox_password(password)
    _changed(mailbox, "password_changed")
    db.session.commit()
    return reauthenticated


def set_forwarding(mailbox: Mailbox, addresses: list[str], keep_copy: bool) -> None:
    """Forward the mailbox's mail on; "keep a copy" delivers to the mailbox too."""
    targets = _forward_targets(mailbox, addresses)
    # PostfixAdmin's way: the mailbox's own address among its forwards keeps a copy.
    wanted = targets + ([mailbox.address] if targets and keep_copy else [])
    rows = [a for a in mailbox.aliases if a.kind == "alias"]
    existing = {a.goto: a for a in mailbox.aliases if a.kind == "forward"}
    for goto in wanted:
        rows.append(existing.get(goto) or MailAlias(kind="forward", address=mailbox.address, goto=goto))
    mailbox.aliases = rows
    mailbox.keep_copy = keep_copy
    _changed(mailbox, "forwarding_changed")
    db.session.commit()


def set_autoreply(mailbox: Mailbox, enabled: bool, subject: str, body: str,
                  starts_on: date | None, ends_on: date | None) -> None:
    """The vacation message: on or off, subject, body and an optional period. Every refusal at once."""
    subject, body = (subject or "").strip(), (body or "").strip()
    errors = {}
    # The same rule as the form's: these travel on in the mailbox.changed event to the mail server.
    if has_control_characters(subject):
        errors["subject"] = CONTROL_CHARACTERS
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = _l("The subject can be at most %(n)d characters long.", n=MAX_SUBJECT)
    elif enabled and not subject:
        errors["subject"] = _l("Write a subject for the auto-reply.")
    if has_control_characters(body, multiline=True):
        errors["body"] = CONTROL_CHARACTERS
    elif len(body) > MAX_BODY:
        errors["body"] = _l("The message can be at most %(n)d characters long.", n=MAX_BODY)
    elif enabled and not body:
        errors["body"] = _l("Write the auto-reply message.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _l("The end date must not be before the start date.")
    elif enabled and ends_on and ends_on < today():
        errors["ends_on"] = _l("The end date has passed: the auto-reply would never be sent.")
    if errors:
        raise DomainError.of(errors)
    mailbox.autoreply_enabled = enabled
    mailbox.autoreply_subject = subject
    mailbox.autoreply_body = body
    mailbox.autoreply_from = starts_on
    mailbox.autoreply_until = ends_on
    _changed(mailbox, "autoreply_changed")
    db.session.commit()


def add_alias(mailbox: Mailbox, local_part: str) -> MailAlias:
    """Another address under the domain delivering to this mailbox; at most three."""
    if sum(1 for a in mailbox.aliases if a.kind == "alias") >= MAX_ALIASES:
        raise DomainError(_l("A mailbox can have at most %(n)d aliases.", n=MAX_ALIASES), field="local_part")
    address = _free_address(local_part, _operator_mail(), "local_part")
    # Mail to the new address comes here; were it where this mailbox's mail is sent on, it would go round.
    _refuse_loop(mailbox, mailbox.forward_to, "local_part", also=address)
    alias = MailAlias(kind="alias", address=address, goto=mailbox.address)
    mailbox.aliases.append(alias)
    _changed(mailbox, "alias_added", alias=address)
    db.session.commit()
    return alias


def remove_alias(mailbox: Mailbox, alias_id: int) -> MailAlias:
    alias = next((a for a in mailbox.aliases if a.id == alias_id and a.kind == "alias"), None)
    if alias is None:
        raise NotFound(alias_id)
    mailbox.aliases.remove(alias)
    _changed(mailbox, "alias_removed", alias=alias.address)
    db.session.commit()
    return alias


def delete(mailbox: Mailbox) -> None:
    """The staff remove a mailbox and its aliases (the customer can only turn one off). The mail system
    is told (`mailbox.changed`, `deleted`, with the mailbox as it was) and removes its mail; the
    address is free again."""
    _changed(mailbox, "deleted")
    db.session.delete(mailbox)
    db.session.commit()


def set_active(mailbox: Mailbox, active: bool) -> None:
    """A disabled mailbox keeps its mail but neither logs in nor receives."""
    if active and not mailbox.active:
        _refuse_loop(mailbox, mailbox.forward_to, "active")
    mailbox.active = active
    _changed(mailbox, "enabled" if active else "disabled")
    db.session.commit()


# Rules

def _operator_mail() -> OperatorSettings:
    """The operator's settings with the mail domain; its row is the lock that keeps addresses
    unique across tables."""
    settings = db.session.scalar(select(OperatorSettings).where(OperatorSettings.id == 1).with_for_update())
    if settings is None or not settings.mail_domain:
        raise DomainError(_l("Email is not in use. Please contact customer service."), field="local_part")
    return settings


def canonical(local_part: str) -> str:
    """What an address part reads as to a person: `Post.Master`, `post_master` and `postmaster` are one."""
    return re.sub(r"[._-]", "", local_part.casefold())


def reserved_names(settings: OperatorSettings) -> set[str]:
    """The canonical address parts no customer may take: those every domain needs, the staff's list,
    and the operator's own sender and customer-service addresses."""
    names = [*ALWAYS_RESERVED, *(settings.reserved_local_parts or "").split()]
    for address in (current_app.config["MAIL_FROM"], settings.email):
        local_part, _, _ = parseaddr(address or "")[1].rpartition("@")
        names.append(local_part)
    return {canonical(name) for name in names if name}


def reserved_list(text: str) -> str:
    """The staff's list of reserved address parts as stored: lower case, one per line, each once."""
    names: list[str] = []
    for name in re.split(r"[\s,;]+", text.lower()):
        if not name or name in names:
            continue
        if len(name) > 64 or not LOCAL_PART.fullmatch(name):
            raise DomainError(_l("%(name)s is not the part of an address before the @ sign: use the letters a–z, "
                                 "digits, full stops, hyphens and underscores.", name=name),
                              field="reserved_local_parts")
        names.append(name)
    return "\n".join(names)


def check_local_part(value: str, reserved: set[str], field: str = "local_part") -> str:
    """Lowercase letters, digits, full stop, hyphen and underscore; 2-64 characters; not reserved."""
    value = (value or "").strip().lower()
    if not value:
        raise DomainError(_l("Write the part of the address before the @ sign."), field=field)
    if not 2 <= len(value) <= 64:
        raise DomainError(_l("The address must be 2–64 characters long before the @ sign."), field=field)
    if not LOCAL_PART.fullmatch(value) or ".." in value:
        raise DomainError(_l("Use only the letters a–z, digits, full stops, hyphens and underscores, "
                             "and begin and end with a letter or digit."), field=field)
    if canonical(value) in reserved:
        raise DomainError(_l("The address %(name)s is reserved for the operator's own use.", name=value),
                          field=field)
    return value


def _address_taken(address: str) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Mailbox).where(Mailbox.address == address))
                or db.session.scalar(select(func.count()).select_from(MailAlias)
                                     .where(MailAlias.address == address)))


def _free_address(local_part: str, settings: OperatorSettings, field: str) -> str:
    local_part = check_local_part(local_part, reserved_names(settings), field)
    address = f"{local_part}@{settings.mail_domain.lower()}"
    if _address_taken(address):
        raise DomainError(_l("The address %(address)s is already taken.", address=address), field=field)
    return address


def _password_refusal(customer: Customer, password: str, address: str):
    """Why a mailbox may not have this password, or None."""
    if not password:
        return _l("Write a new password.")
    return password_problem(password, [customer.name, customer.customer_number, customer.email or "", address])


def _forward_targets(mailbox: Mailbox, addresses: list[str]) -> list[str]:
    """The addresses to forward to, or every way the list is wrong in one answer: addresses that are
    none, too many, the mailbox itself, unknown ones of its own domain; a loop is looked for once the
    list is otherwise right."""
    targets: list[str] = []
    refused = []
    for raw in addresses:
        if len(raw) > 254:  # named by its start: the whole would fill the message
            refused.append(str(_l("%(start)s… is longer than an email address can be (254 characters).",
                                  start=raw[:24])))
        elif (address := normalise_email(raw)) is None:
            refused.append(str(_l("%(address)s is not a valid email address.", address=raw)))
        elif address not in targets:
            targets.append(address)
    if len(targets) > MAX_FORWARDS:
        refused.append(str(_l("You can forward to at most %(n)d addresses.", n=MAX_FORWARDS)))
    own = {mailbox.address} | {a.address for a in mailbox.aliases if a.kind == "alias"}
    if any(address in own for address in targets):
        refused.append(str(_l("A mailbox cannot forward to itself.")))
    refused += [str(_l("There is no address %(address)s.", address=address)) for address in targets
                if address.endswith("@" + mailbox.domain) and address not in own and not _address_taken(address)]
    if refused:
        raise DomainError(" ".join(dict.fromkeys(refused)), field="addresses")
    _refuse_loop(mailbox, targets, "addresses")
    return targets


def _refuse_loop(mailbox: Mailbox, forward_to: list[str], field: str, also: str | None = None) -> None:
    """Mail the mailbox sends on to `forward_to` must never come back to it (or to `also`, an alias
    it is about to get).

    Every change that adds a way for mail to go (forwarding, an alias, enabling a mailbox) checks
    this before it is made. Disabled mailboxes and their rows count as if in use: enabling one
    must not close a loop built while it was off.
    """
    # The lock every address claim takes: two changes that would each close half of a loop (two
    # customers forwarding to each other at once) run one after the other, the second seeing the first.
    _operator_mail()
    own = {mailbox.address} | ({also} if also else set())
    if own & _reachable(forward_to):
        raise DomainError(LOOPS[field], field=field)


def _reachable(start: list[str]) -> set[str]:
    """Every address that mail to `start` is forwarded or aliased on to through our tables, whether
    the rows are in use or not; one statement per hop, to the end of every chain."""
    seen, frontier = set(start), set(start)
    while frontier:
        rows = db.session.scalars(select(MailAlias.goto).where(MailAlias.address.in_(frontier)))
        frontier = {goto for goto in rows if goto not in seen}
        seen |= frontier
    return seen


def state(mailbox: Mailbox) -> dict:
    """What the provisioning event tells about the mailbox (never the password hash)."""
    return {
        "id": mailbox.id,
        "address": mailbox.address,
        "active": mailbox.active,
        "quota_mb": mailbox.quota_mb,
        "aliases": [a.address for a in mailbox.aliases if a.kind == "alias"],
        "forward_to": mailbox.forward_to,
        "keep_copy": mailbox.keep_copy,
        "autoreply": {
            "enabled": mailbox.autoreply_enabled, "subject": mailbox.autoreply_subject,
            "body": mailbox.autoreply_body, "from": mailbox.autoreply_from, "until": mailbox.autoreply_until,
        },
    }


def _changed(mailbox: Mailbox, action: str, **details) -> None:
    audit.record(f"mailbox.{action}", mailbox.customer_id, mailbox=mailbox.address, **details)
    outbox.queue_event("mailbox.changed", mailbox.customer_id, action=action, mailbox=state(mailbox))
