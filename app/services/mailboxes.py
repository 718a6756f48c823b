"""Mailboxes: passwords in the schemes Dovecot verifies itself."""
import bcrypt
from flask import current_app

from app.security import password_hasher


def hash_mailbox_password(password: str) -> str:
    """{ARGON2ID}$argon2id$... or {BLF-CRYPT}$2y$..., as MAILBOX_PASSWORD_SCHEME says."""
    if current_app.config["MAILBOX_PASSWORD_SCHEME"] == "BLF-CRYPT":  # noqa: S105
        digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()
        return "{BLF-CRYPT}$2y$" + digest[4:]
    return "{ARGON2ID}" + password_hasher.hash(password)
