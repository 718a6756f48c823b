"""Configuration classes; every setting comes from an environment variable."""
import os
from datetime import timedelta
from pathlib import Path

import click

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigurationError(click.ClickException, RuntimeError):
    """A setting the portal cannot start without. The flask command prints it as a plain error and
    exits with 1; gunicorn logs it and does not start."""


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production defaults: secure cookies, SMTP delivery, nothing for demos."""

    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'omahallinta.db'}"
    )
    # Pre-ping lets the pool recover on its own after a database restart. Error messages leave out
    # the statement's values: they can be password hashes and link tokens, and errors are logged.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000")
    # SQLite writers queue on a lock file beside the database (app/sqlite.py) instead of waiting in
    # SQLite's busy handler: on a quiet machine it cut the MIX toggle's p95 at ten connections five-fold
    # (docs/benchmarks.md, 3f; `python -m bench.lock` and `bench.writers --writer-lock on,off` compare).
    SQLITE_WRITER_LOCK = env_bool("SQLITE_WRITER_LOCK", True)

    SESSION_COOKIE_NAME = "oh_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    # Flask enforces this on every request: a cookie idle for 30 minutes is refused.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")))
    SESSION_REFRESH_EACH_REQUEST = True
    # However active, a session ends this long after the login.
    SESSION_MAX_AGE = timedelta(hours=float(os.environ.get("SESSION_MAX_HOURS", "12")))
    # Every request but a form with attachments (app/services/attachments.py's REQUEST_LIMIT).
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Files attached to conversation messages, outside the web root, under random names.
    ATTACHMENT_DIR = os.environ.get("ATTACHMENT_DIR", str(INSTANCE_DIR / "attachments"))
    # argon2id for passwords: OWASP's baseline, 2 iterations over 19 MiB.
    PASSWORD_HASH_TIME_COST = 2
    PASSWORD_HASH_MEMORY_KIB = 19 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "fi"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Europe/Helsinki")
    LANGUAGES = ("fi", "sv", "en")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Keeps the keys of one portal apart from another's in a shared Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    RATELIMIT_HEADERS_ENABLED = True
    # Flask-Limiter would put Retry-After on every answer, where a client reads it as "wait before the
    # next request": the seconds left of the window go under their own name, Retry-After only with a 429.
    RATELIMIT_HEADER_RETRY_AFTER = "X-RateLimit-Retry-After"
    # Proxies in front of gunicorn whose X-Forwarded-For is trusted (0 = none).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")  # smtp | file
    MAIL_DIR = os.environ.get("MAIL_DIR", str(INSTANCE_DIR / "mail"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "Omahallinta <noreply@localhost>")
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_SECURITY = os.environ.get("SMTP_SECURITY", "none")  # none | starttls | ssl
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "10"))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "12"))
    OUTBOX_POLL_SECONDS = float(os.environ.get("OUTBOX_POLL_SECONDS", "2"))
    # The first retry waits this long, each next one twice as long (at most 6 hours).
    OUTBOX_RETRY_SECONDS = float(os.environ.get("OUTBOX_RETRY_SECONDS", "15"))
    # A claimed batch is another worker's again after this long: longer than a batch takes to send.
    OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))

    PROVISIONING_WEBHOOK_URL = os.environ.get("PROVISIONING_WEBHOOK_URL", "")
    PROVISIONING_WEBHOOK_SECRET = os.environ.get("PROVISIONING_WEBHOOK_SECRET", "")
    # Outage notices by text message: an HTTP gateway that takes a POST. The body is a template
    # where $to (E.164) and $text are put, escaped for SMS_GATEWAY_CONTENT_TYPE (JSON or a form).
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_GATEWAY_USER = os.environ.get("SMS_GATEWAY_USER", "")
    SMS_GATEWAY_PASSWORD = os.environ.get("SMS_GATEWAY_PASSWORD", "")
    SMS_GATEWAY_CONTENT_TYPE = os.environ.get("SMS_GATEWAY_CONTENT_TYPE", "application/json")
    SMS_GATEWAY_BODY = os.environ.get("SMS_GATEWAY_BODY", '{"to": "$to", "text": "$text"}')
    MAILBOX_PASSWORD_SCHEME = os.environ.get("MAILBOX_PASSWORD_SCHEME", "ARGON2ID")

    MAIL_VIEWER = False  # the .eml browser exists only in development

    # The operator API (/api/v1) and its OpenAPI document, made by flask-smorest from the schemas.
    API_TITLE = "Omahallinta operator API"
    API_VERSION = "1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    # Requests per token (or per address without one); Flask-Limiter's notation.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")

    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")  # text | json
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    # /metrics answers these addresses (networks allowed), and anyone sending the token.
    METRICS_ALLOWED_ADDRESSES = os.environ.get("METRICS_ALLOWED_ADDRESSES", "127.0.0.1, ::1")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    # /readyz fails while an email or event has waited longer than this to go out.
    READYZ_OUTBOX_MAX_AGE_SECONDS = float(os.environ.get("READYZ_OUTBOX_MAX_AGE_SECONDS", "900"))


class DevConfig(Config):
    """`make run`: SQLite, mail as files you can read in the browser, plain HTTP."""

    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
    MAIL_FROM = os.environ.get("MAIL_FROM", "IPP Omahallinta <omahallinta@ipp.example>")
    MAIL_VIEWER = True


class TestConfig(Config):
    """The test suite: a throwaway database, and cheap password hashing (its real cost is asserted
    by tests/test_security_config.py) so that hundreds of logins and demo loads stay quick."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "smtp"
    MAIL_FROM = "IPP Omahallinta <omahallinta@ipp.example>"
    OUTBOX_MAX_ATTEMPTS = 5
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 8


CONFIGS = {"production": Config, "development": DevConfig, "testing": TestConfig}
