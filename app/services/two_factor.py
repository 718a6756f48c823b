"""TOTP two-factor login (optional for customers, mandatory for staff) and recovery codes."""
import re
import secrets

import pyotp
import segno
from sqlalchemy import select

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Account, RecoveryCode
from app.models.base import utcnow
from app.security import hash_password, keyed_digest, verify_password
from app.services import DomainError, accounts, attempts, audit

ISSUER = "Omahallinta"
RECOVERY_CODES = 10
RECOVERY_CODE = re.compile(r"[0-9A-F]{12}")  # two groups of six hex digits, as made below
BAD_CODE = _l("The code is wrong or has expired. Check the time on your device and try the newest code.")


class TOTP(pyotp.TOTP):
    """New secrets are 160 bits; older 80-bit secrets (common in authenticator set-ups) still verify."""

    min_secret_length_bits = 80


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(account: Account, secret: str) -> str:
    label = account.customer.customer_number if account.customer else account.username
    return TOTP(secret).provisioning_uri(name=label, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG, made here: the secret never leaves the server."""
    return segno.make(uri, error="m").svg_inline(scale=4, omitsize=True, title=_l("QR code"))


def _normalise(code: str) -> str:
    """What was typed, without spaces and dashes; only ASCII letters and digits count (a code in
    another script's digits, "١٢٣٤٥٦", is not the code)."""
    return "".join(ch for ch in code if ch.isascii() and ch.isalnum()).upper()


def _totp_step(secret: str, code: str, last_step: int) -> int | None:
    """The time step the code belongs to (±30 s of clock drift), if it is newer than the last used."""
    totp = TOTP(secret)
    current = totp.timecode(utcnow())
    for step in (current, current - 1, current + 1):
        if step > last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check(account: Account, code: str, address: str | None = None) -> None:
    """A current TOTP code or an unused recovery code, which is then used up; a wrong one counts
    towards the account's limit of wrong passwords and codes."""
    windows = attempts.keys(account, address=address)
    attempts.guard(windows)
    if not _matches(account, _normalise(code)):
        attempts.failed(windows)
        raise DomainError(BAD_CODE, field="code")


def _matches(account: Account, code: str) -> bool:
    if len(code) == 6 and code.isdigit() and account.totp_secret:
        step = _totp_step(account.totp_secret, code, account.totp_last_step)
        if step is not None:
            account.totp_last_step = step
            return True
        return False
    recovery = _recovery_code(account, code)
    if recovery is None:
        return False
    recovery.used_at = utcnow()
    audit.record("two_factor.recovery_code_used", account.customer_id, actor=account)
    return True


def _recovery_code(account: Account, code: str) -> RecoveryCode | None:
    """The unused recovery code of the account that `code` is, found by its keyed digest: a wrong
    guess costs one indexed read, and the slow argon2 hash is checked for the one row found."""
    if not RECOVERY_CODE.fullmatch(code):
        return None
    unused = select(RecoveryCode).where(RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))
    found = db.session.scalar(unused.where(RecoveryCode.lookup == _lookup(code)))
    if found is not None:
        return found if verify_password(found.code_hash, code) else None
    # Codes made before the digest was stored (lookup is null) are tried the old way until they are
    # used or replaced; an account gets new ones by switching two-step login off and on.
    return next((old for old in db.session.scalars(unused.where(RecoveryCode.lookup.is_(None)))
                 if verify_password(old.code_hash, code)), None)


def _lookup(code: str) -> str:
    return keyed_digest("recovery-code", code)


def pending_secret(account: Account) -> str:
    """The secret being set up: kept on the account (never in the session cookie, which is signed
    but readable), unused until a code from it proves the app has it."""
    if account.totp_enabled:
        raise DomainError(_l("Two-step login is on already."))
    if not account.totp_secret:
        account.totp_secret = new_secret()
        db.session.commit()
    return account.totp_secret


def enable(account: Account, secret: str, code: str) -> list[str]:
    """Switch TOTP on once a code from the new secret proves the app has it; returns recovery codes."""
    step = _totp_step(secret, _normalise(code), 0)
    if step is None:
        raise DomainError(BAD_CODE, field="code")
    account.totp_secret = secret
    account.totp_enabled = True
    account.totp_last_step = step
    codes = _new_recovery_codes(account)
    audit.record("two_factor.enabled", account.customer_id, actor=account)
    db.session.commit()
    return codes


def disable(account: Account, password: str, code: str) -> None:
    accounts.check_password(account, password)
    check(account, code)
    _clear(account)
    audit.record("two_factor.disabled", account.customer_id, actor=account)
    db.session.commit()


def reset(account: Account) -> None:
    """Staff: switch two-factor off for a customer who lost the device; audited as the staff member."""
    _clear(account)
    account.session_version += 1
    audit.record("two_factor.reset", account.customer_id)
    db.session.commit()


def _clear(account: Account) -> None:
    account.totp_secret = None
    account.totp_enabled = False
    account.totp_last_step = 0
    account.recovery_codes.clear()


def _new_recovery_codes(account: Account) -> list[str]:
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}".upper() for _ in range(RECOVERY_CODES)]
    account.recovery_codes = [RecoveryCode(lookup=_lookup(code), code_hash=hash_password(code))
                              for code in map(_normalise, codes)]
    return codes
