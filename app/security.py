"""Password hashing, the new-password policy and signed single-use links."""
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from zxcvbn import zxcvbn

from app.i18n import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 = "safely unguessable"


def instance_secret_key(instance_dir: Path) -> str:
    """A development key made once and kept, so restarts keep sessions."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


@cache
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    """Verifying against this keeps an unknown login as slow as a wrong password."""
    return _hasher(time_cost, memory_kib).hash(secrets.token_hex(16))


def _cost() -> tuple[int, int]:
    """argon2id's cost from the configuration: OWASP's baseline in production (PASSWORD_HASH_*),
    cheap in the test suite. A hash keeps the cost it was made with, and is verified at it."""
    return current_app.config["PASSWORD_HASH_TIME_COST"], current_app.config["PASSWORD_HASH_MEMORY_KIB"]


def _composed(password: str) -> str:
    """The password in one Unicode form (NFC): "ä" typed on one keyboard may arrive as "a" and a
    combining diaeresis from another, and the customer typed the same password."""
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    return _hasher(*_cost()).hash(_composed(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """A hash made before passwords were composed holds the text as it was typed: a password that
    composes differently is tried both ways."""
    tries = dict.fromkeys([_composed(password), password])
    return any(_verify(password_hash, text) for text in tries)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher(*_cost()).verify(password_hash or _dummy_hash(*_cost()), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


# The advice a refusal gives for what zxcvbn found the password made of (the first such part).
_ADVICE = {
    "spatial": _l("Keyboard patterns such as qwerty are among the first guesses."),
    "sequence": _l("Runs such as abcd or 1234 are among the first guesses."),
    "repeat": _l("Repeated characters are among the first guesses."),
    "date": _l("Dates and years are among the first guesses."),
    "dictionary": _l("Common words and names are among the first guesses, also spelled backwards or with @ for a."),
}


@dataclass(frozen=True)
class Strength:
    score: int  # zxcvbn's 0–4; MIN_PASSWORD_SCORE and up is accepted
    problem: str | None  # why the password is refused, or None


def password_strength(password: str, personal: list[str]) -> Strength:
    """How hard the password is to guess, and why it is refused if it is. Length and
    guessability only, no composition rules."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return Strength(0, _l("The password can be at most %(n)d characters long.", n=MAX_PASSWORD_LENGTH))
    inputs = [part for value in personal if value for part in _parts(value)]
    # zxcvbn reads at most 72 characters; a passphrase is judged by its start, which is plenty.
    result = zxcvbn(password[:72], user_inputs=inputs)
    score = result["score"]
    if len(password) < MIN_PASSWORD_LENGTH:
        return Strength(min(score, MIN_PASSWORD_SCORE - 1),
                        _l("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH))
    if any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"]):
        return Strength(0, _l("The password must not be built from your name, customer number or email address."))
    if score < MIN_PASSWORD_SCORE:
        advice = next((_ADVICE[m["pattern"]] for m in result["sequence"] if m["pattern"] in _ADVICE), "")
        return Strength(score, _l("The password is too common or easy to guess. %(advice)s "
                                  "A few unrelated words make a good one.", advice=advice))
    return Strength(score, None)


def password_problem(password: str, personal: list[str]) -> str | None:
    """Why a new password is refused, or None."""
    return password_strength(password, personal).problem


def _parts(value: str) -> list[str]:
    value = value.lower()
    pieces = [value] + value.replace("@", " ").replace(".", " ").replace("-", " ").split()
    return [p for p in pieces if len(p) >= 3]


def keyed_digest(purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` with a key of its own for `purpose`, derived from SECRET_KEY.

    A fast, indexable stand-in for a secret: whoever has the database but not SECRET_KEY cannot
    test guesses against it. A new SECRET_KEY makes the stored digests unfindable.
    """
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), f"omahallinta.{purpose}".encode(), hashlib.sha256)
    return hmac.new(key.digest(), value.encode(), hashlib.sha256).hexdigest()


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"omahallinta.{purpose}")


def fingerprint(*values: object) -> str:
    """A short digest of state that a link's use changes, making the link single-use."""
    return hashlib.sha256("|".join(str(v) for v in values).encode()).hexdigest()[:16]


def make_token(purpose: str, data: dict) -> str:
    return _serializer(purpose).dumps(data)


def read_token(purpose: str, token: str, max_age: int) -> dict | None:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return data if isinstance(data, dict) else None
