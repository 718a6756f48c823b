"""Wrong passwords and codes, counted per account and per address, whatever form they come from.

The login form, the second step, and every form that asks for the password or a code again
(password change, email change, two-step login off, a mailbox password) count into the same
window: ten wrong answers for one account in 15 minutes, or thirty from one address, and no
more are checked until the window has moved on (a 429 that says when). An unknown login
counts under the name that was typed, so it is limited the same way and tells nothing.

The counts live in the rate-limit storage (memory in one process, Redis for several), so
every process and server of the portal shares one count.
"""
from datetime import UTC, datetime

from blinker import Namespace
from flask import current_app
from limits import parse
from limits.strategies import MovingWindowRateLimiter

from app.extensions import limiter
from app.services import TooManyAttempts

# Sent on every wrong password or code, for whoever counts them (app/observability.py's metrics).
failed_check = Namespace().signal("failed-check")

PER_ACCOUNT = parse("10 per 15 minutes")
PER_ADDRESS = parse("30 per 15 minutes")


def keys(account=None, login: str = "", address: str | None = None) -> list[tuple]:
    """The windows one check counts into: the account's (or the typed login's) and the address's."""
    who = f"account:{account.id}" if account is not None else "login:" + login.strip().lower()[:254]
    windows = [(PER_ACCOUNT, who)]
    if address:
        windows.append((PER_ADDRESS, f"address:{address}"))
    return windows


def _window() -> MovingWindowRateLimiter:
    # A moving window: at most ten in any 15 minutes, not ten in each fixed quarter-hour.
    return MovingWindowRateLimiter(limiter.limiter.storage)


def _key(key: str) -> str:
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}attempts:{key}"


def guard(windows: list[tuple]) -> None:
    """Refuse before checking anything when a window is full."""
    window = _window()
    for item, key in windows:
        if not window.test(item, _key(key)):
            reset_at = window.get_window_stats(item, _key(key)).reset_time
            raise TooManyAttempts(datetime.fromtimestamp(reset_at, UTC))


def failed(windows: list[tuple]) -> None:
    window = _window()
    for item, key in windows:
        window.hit(item, _key(key))
    failed_check.send(windows)
