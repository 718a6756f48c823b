"""`flask doctor`: what is wrong with this production configuration, said plainly.

Each check looks at the settings (and, where it can, tries them: the database, Redis, the SMTP
relay) and says what it found: ok, a warning (probably wrong, the portal still works), or a
problem (unsafe or broken; `flask doctor` then exits with 1).
"""
import ipaddress
import os
import re
import runpy
import shlex
import smtplib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import redis
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.observability import allowed_networks, migration_heads
from app.services import outbox

GUNICORN_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
# The placeholders of deploy/omahallinta.env.example, which must not reach production as they are.
PLACEHOLDER = "change-me"
NETWORK_TIMEOUT = 5


@dataclass
class Finding:
    level: str  # ok | warning | problem
    message: str


def ok(message: str) -> Finding:
    return Finding("ok", message)


def warning(message: str) -> Finding:
    return Finding("warning", message)


def problem(message: str) -> Finding:
    return Finding("problem", message)


def examine(app: Flask, gunicorn_config: Path = GUNICORN_CONFIG) -> list[Finding]:
    config = app.config
    return [
        _environment(config), _secret_key(config), _cookies(config), _portal_url(config), _proxies(config),
        *_database(), _rate_limits(config, gunicorn_workers(gunicorn_config)), *_mail(config),
        *_webhook(config), _metrics(config), _logs(config), _attachments(app),
    ]


def _environment(config) -> Finding:
    if config["ENV_NAME"] != "production":
        return problem(f"APP_CONFIG is {config['ENV_NAME']}: production runs with APP_CONFIG=production.")
    return ok("APP_CONFIG is production.")


def _secret_key(config) -> Finding:
    key = config["SECRET_KEY"] or ""
    if PLACEHOLDER in key:
        return problem("SECRET_KEY is still the example's placeholder: put in a random one, "
                       "e.g. from python3 -c 'import secrets; print(secrets.token_hex(32))'.")
    if len(key) < 32:
        return problem(f"SECRET_KEY is {len(key)} characters long: anyone who guesses it can sign sessions. "
                       "Use at least 32 random characters.")
    return ok("SECRET_KEY is set.")


def _cookies(config) -> Finding:
    if not config["SESSION_COOKIE_SECURE"]:
        return problem("SESSION_COOKIE_SECURE is off: browsers would send the session cookie over plain HTTP, "
                       "where anyone on the way can read it. Remove the setting (it is on by default).")
    return ok("The session cookie is sent over HTTPS only.")


def _portal_url(config) -> Finding:
    url = config["PORTAL_URL"]
    if urlsplit(url).scheme != "https":
        return problem(f"PORTAL_URL is {url}: the links in emails (password reset, invitation) would go over "
                       "plain HTTP. Give the portal's https:// address.")
    return ok(f"PORTAL_URL is {url}.")


def _proxies(config) -> Finding:
    if config["TRUSTED_PROXIES"] == 0 and urlsplit(config["PORTAL_URL"]).scheme == "https":
        return warning("TRUSTED_PROXIES is 0, so the portal takes every request to come from the proxy's address: "
                       "behind nginx the rate limits would count all customers as one, and /metrics would answer "
                       "anyone nginx lets through. Set TRUSTED_PROXIES=1 (ignore this if gunicorn itself "
                       "serves HTTPS to the customers).")
    return ok(f"TRUSTED_PROXIES is {config['TRUSTED_PROXIES']}.")


def _database():
    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        yield problem(f"The database {url} does not answer: {_first_line(error)}")
        return
    yield ok(f"The database {url} answers.")
    heads = migration_heads()
    if current != heads:
        yield problem(f"The database is at migration {', '.join(sorted(current)) or 'none'} and the code at "
                      f"{', '.join(sorted(heads))}: run `flask db upgrade`.")
    else:
        yield ok("The database's migrations are the code's.")


def gunicorn_workers(config_file: Path) -> int | None:
    """How many processes gunicorn would run: `workers` of its config file, unless GUNICORN_CMD_ARGS
    says otherwise (gunicorn's own parser reads it). None if this cannot be told."""
    from gunicorn.config import Config

    workers = None
    if config_file.exists():
        workers = runpy.run_path(str(config_file)).get("workers")
    arguments = os.environ.get("GUNICORN_CMD_ARGS")
    if arguments:
        given = Config().parser().parse_args(shlex.split(arguments)).workers
        workers = given or workers
    return workers


def _rate_limits(config, workers: int | None) -> Finding:
    storage = config["RATELIMIT_STORAGE_URI"]
    if storage.startswith("memory://"):
        if workers and workers > 1:
            return problem(f"gunicorn runs {workers} worker processes and the rate limits are kept in memory "
                           f"(RATELIMIT_STORAGE_URI=memory://): each process counts failed logins on its own, so "
                           f"{workers} times as many get through. Set RATELIMIT_STORAGE_URI to Redis, "
                           "e.g. redis://127.0.0.1:6379/0, or run one worker process with threads.")
        return ok("Rate limits are kept in memory: right for one gunicorn worker process only.")
    if storage.startswith(("redis://", "rediss://")):
        try:
            redis.Redis.from_url(storage, socket_timeout=NETWORK_TIMEOUT,
                                 socket_connect_timeout=NETWORK_TIMEOUT).ping()
        except redis.RedisError as error:
            return problem(f"Redis for the rate limits ({_without_password(storage)}) does not answer: {error}. "
                           "Without it every login is refused.")
        return ok(f"Rate limits are kept in Redis ({_without_password(storage)}), which answers.")
    return ok(f"Rate limits are kept in {_without_password(storage)}.")


def _mail(config):
    if config["MAIL_BACKEND"] != "smtp":
        yield problem(f"MAIL_BACKEND is {config['MAIL_BACKEND']}: emails are written to {config['MAIL_DIR']} and "
                      "never sent. Production sends them with MAIL_BACKEND=smtp (the default).")
        return
    host, port, security = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_SECURITY"]
    try:
        with outbox.smtp_connection(config, NETWORK_TIMEOUT):
            pass
    except (OSError, smtplib.SMTPException) as error:
        yield problem(f"The SMTP relay {host}:{port} cannot be used: {error or type(error).__name__}. "
                      "Password resets, invitations and receipts would wait in the outbox.")
    else:
        yield ok(f"The SMTP relay {host}:{port} accepts the portal"
                 + (" and its login." if config["SMTP_USER"] else "."))
        if config["SMTP_USER"] and security == "none" and not _is_loopback(host):
            yield warning(f"SMTP_SECURITY is none: the SMTP password crosses the network to {host} unencrypted. "
                          "Use starttls or ssl.")
    if "@localhost" in config["MAIL_FROM"]:
        yield warning(f"MAIL_FROM is {config['MAIL_FROM']}: set the operator's own address, or receivers "
                      "will take the mail for spam.")


def _attachments(app: Flask) -> Finding:
    folder = Path(app.config["ATTACHMENT_DIR"]).resolve()
    static = Path(app.static_folder).resolve()
    if folder == static or static in folder.parents:
        return problem(f"ATTACHMENT_DIR is {folder}, among the static files: anyone could download the "
                       "customers' attachments there. Keep it outside the web root "
                       "(the default is instance/attachments).")
    # The folder is made at the first attachment: until then its nearest existing parent must take it.
    existing = next(path for path in (folder, *folder.parents) if path.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return problem(f"ATTACHMENT_DIR {folder} cannot be written: a message with attachments would fail. "
                       "Give the portal's user the directory (and the web unit a ReadWritePaths for it).")
    return ok(f"Attachments are kept in {folder}.")


def _webhook(config):
    url = config["PROVISIONING_WEBHOOK_URL"]
    if not url:
        yield ok("No provisioning webhook: staff work from the order queue.")
        return
    if not config["PROVISIONING_WEBHOOK_SECRET"]:
        yield problem("PROVISIONING_WEBHOOK_URL is set but PROVISIONING_WEBHOOK_SECRET is empty: the receiver "
                      "cannot tell the portal's events from anyone else's. Set a long random secret on both sides.")
    else:
        yield ok("Provisioning events are signed.")
    parts = urlsplit(url)
    if parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
        yield warning(f"PROVISIONING_WEBHOOK_URL is {parts.scheme}://: the events (customers' orders and "
                      "mailboxes) cross the network unencrypted.")


def _metrics(config) -> Finding:
    addresses, token = config["METRICS_ALLOWED_ADDRESSES"], config["METRICS_TOKEN"]
    try:
        allowed_networks(addresses)
    except ValueError as error:
        return problem(f"METRICS_ALLOWED_ADDRESSES is not a list of addresses and networks: {error}.")
    if token and len(token) < 32:
        return problem(f"METRICS_TOKEN is {len(token)} characters long: use at least 32 random characters.")
    return ok(f"/metrics answers {addresses}" + (", and anyone with METRICS_TOKEN." if token else "."))


def _logs(config) -> Finding:
    if config["LOG_FORMAT"] not in ("text", "json"):
        return problem(f"LOG_FORMAT is {config['LOG_FORMAT']}: write text or json.")
    return ok(f"Logs are written as {config['LOG_FORMAT']}, one line per request.")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _without_password(url: str) -> str:
    return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]
