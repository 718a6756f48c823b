"""Emails and provisioning events: queued with the change, delivered by `flask worker`.

A message is claimed by a short transaction that leases it (Postgres: FOR UPDATE SKIP
LOCKED, so several workers never take the same row; SQLite: BEGIN IMMEDIATE), delivered
outside any transaction, then marked sent in a commit of its own. A failure backs off
exponentially; a lease that runs out (a worker killed mid-send) makes the message due again.
So delivery is at least once: only the message in flight when a worker dies can go twice,
with the same Message-ID. A customer's provisioning events go out in the order they were made.
"""
import base64
import hashlib
import hmac
import json
import os
import smtplib
import socket
import ssl
import string
import time
import urllib.parse
import urllib.request
from contextlib import closing
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from jinja2_fragments.flask import render_block
from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Customer, OutboxMessage, WorkerHeartbeat
from app.models.base import utcnow
from app.models.customer import phone_e164
from app.services import refused_pages

MAX_DELAY = timedelta(hours=6)
UNSENT = ("pending", "sending")
HEARTBEAT_SECONDS = 15  # how often a worker says it is alive (/metrics)
FORGET_WORKERS_AFTER = timedelta(days=1)  # a worker not heard of for this long is gone
# Work a request hands to the worker (`queue_task`): name -> function(**arguments).
TASKS = {}


def link(endpoint: str, **values) -> str:
    """A link for an email, on the portal's public address (PORTAL_URL), whatever served the
    request, and in the worker, which has no request."""
    portal = urlsplit(current_app.config["PORTAL_URL"])
    adapter = current_app.url_map.bind(portal.netloc, script_name=portal.path or "/", url_scheme=portal.scheme)
    return adapter.build(endpoint, values, force_external=True)
# The only emails that may go to an address the customer has not proven theirs (the new address of
# an email change). They hold a link and fixed words, never text a visitor typed, so nobody can make
# the portal carry a message of theirs to someone else in the operator's name.
TO_UNPROVEN_ADDRESS = frozenset({"email_change_confirm"})


def queue_email(to: str, template: str, locale: str = "fi", customer_id: int | None = None,
                **context) -> OutboxMessage:
    """Render `email/<template>.txt` in the recipient's language and queue it.

    Every email goes to the customer's own address (the one the operator has, or the customer
    proved by following a link), unless the template is one of TO_UNPROVEN_ADDRESS.
    """
    if template not in TO_UNPROVEN_ADDRESS and not _customers_address(customer_id, to):
        raise ValueError(f"the {template} email goes to the customer's own address only")
    with force_locale(locale):
        subject = render_block(f"email/{template}.txt", "subject", **context).strip()
        body = render_block(f"email/{template}.txt", "body", **context).strip() + "\n"
    payload = {"to": to, "subject": subject, "body": body}
    message = _queue("email", template, customer_id, payload)
    message.recipient = to
    return message


def _customers_address(customer_id: int | None, address: str) -> bool:
    customer = db.session.get(Customer, customer_id) if customer_id is not None else None
    return customer is not None and bool(customer.email) and customer.email == address


def emails_queued(template: str, since: datetime, customer_id: int | None = None, to: str | None = None) -> int:
    """How many `template` emails were queued since then, for the customer or to the address."""
    query = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.channel == "email", OutboxMessage.topic == template, OutboxMessage.created_at >= since)
    if customer_id is not None:
        query = query.where(OutboxMessage.customer_id == customer_id)
    if to is not None:
        query = query.where(OutboxMessage.recipient == to)
    return db.session.scalar(query)


def queue_sms(phone: str, template: str, locale: str = "fi", customer_id: int | None = None,
              **context) -> OutboxMessage:
    """Render the `sms` block of `email/<template>.txt` in the recipient's language and queue it
    for the SMS gateway, to the customer's own phone number."""
    with force_locale(locale):
        text = render_block(f"email/{template}.txt", "sms", **context).strip()
    to = phone_e164(phone)
    message = _queue("sms", template, customer_id, {"to": to, "text": text})
    message.recipient = to
    return message


def queue_event(topic: str, customer_id: int | None, **data) -> OutboxMessage:
    """A provisioning event for the operator's systems (order.created, mix.changed, ...)."""
    payload = {"event": topic, "customer_id": customer_id, "data": data}
    return _queue("webhook", topic, customer_id, payload)


def events_after(after: int, limit: int) -> list[OutboxMessage]:
    """Provisioning events with an id above `after`, oldest first, sent or not: the API's pull feed."""
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == "webhook", OutboxMessage.id > after).order_by(OutboxMessage.id).limit(limit)))


def task(name: str):
    """Register a function the worker runs for `queue_task(name, ...)`; it may queue more messages."""
    def register(function):
        TASKS[name] = function
        return function

    return register


def queue_task(name: str, **arguments) -> OutboxMessage:
    """Work done later by the worker, after the request has answered: the answer cannot depend on it."""
    return _queue("task", name, None, arguments)


def _queue(channel: str, topic: str, customer_id: int | None, payload: dict) -> OutboxMessage:
    message = OutboxMessage(
        channel=channel, topic=topic, customer_id=customer_id,
        payload_json=json.dumps(payload, ensure_ascii=False, default=str),
    )
    db.session.add(message)
    return message


def _behind_an_earlier_event():
    """An event waits while an earlier event of the same customer is unsent (pending, or
    leased to a worker), so the operator's systems see a customer's changes in order.

    One given up on ("failed") no longer holds the later ones back."""
    earlier = aliased(OutboxMessage)
    return and_(OutboxMessage.channel == "webhook", exists().where(
        earlier.channel == "webhook", earlier.customer_id == OutboxMessage.customer_id,
        earlier.id < OutboxMessage.id, earlier.status.in_(UNSENT)))


def claim(batch: int, now: datetime) -> list[OutboxMessage]:
    """Lease up to `batch` due messages to this worker, oldest first."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(UNSENT), OutboxMessage.next_attempt_at <= now,
               ~_behind_an_earlier_event())
        .order_by(OutboxMessage.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for message in rows:
        message.status = "sending"
        message.next_attempt_at = now + lease()
    db.session.commit()
    return rows


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])


def retry_delay(attempts: int) -> timedelta:
    """How long a message waits after its `attempts`-th failed try."""
    first = current_app.config["OUTBOX_RETRY_SECONDS"]
    return min(timedelta(seconds=first * 2 ** (attempts - 1)), MAX_DELAY)


def deliver_due(batch: int = 20, now: datetime | None = None) -> int:
    """Deliver what is due; returns how many messages were sent."""
    sent = 0
    with closing(Relay()) as relay:
        for message in claim(batch, now or utcnow()):
            try:
                _deliver(message, relay)
            except SQLAlchemyError:
                # The database failed, not the delivery: run_worker waits it out, and the
                # message goes again when its lease runs out.
                raise
            except Exception as error:  # noqa: BLE001 — any delivery failure is retried
                _failed(message, error, now or utcnow())
            else:
                message.status = "sent"
                message.sent_at = utcnow()
                message.attempts += 1
                sent += 1
            db.session.commit()
    return sent


def _failed(message: OutboxMessage, error: Exception, now: datetime) -> None:
    """Kept for a retry, or failed for good after the last attempt; logged either way, by the message's
    id and the error's kind (its text, which may name the recipient, is kept on the row for the staff)."""
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    what = f"outbox: {message.channel} {message.topic} (message {message.id}) not delivered, attempt {message.attempts}"
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = "failed"
        current_app.logger.error("%s: %s; failed for good (the console's overview lists it)", what,
                                 type(error).__name__)
        return
    message.status = "pending"
    message.next_attempt_at = now + retry_delay(message.attempts)
    current_app.logger.warning("%s: %s; next try at %s", what, type(error).__name__,
                               message.next_attempt_at.isoformat(timespec="seconds"))


def _deliver(message: OutboxMessage, relay: "Relay") -> None:
    if message.channel == "email":
        relay.send(message)
    elif message.channel == "task":
        # What a failed task wrote is undone with it; its retry starts from nothing.
        with db.session.begin_nested():
            TASKS[message.topic](**message.payload)
    elif message.channel == "sms":
        send_sms(message)
    else:
        post_webhook(message)


def build_email(message: OutboxMessage) -> EmailMessage:
    payload = message.payload
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = payload["to"]
    email["Subject"] = payload["subject"]
    email["Date"] = format_datetime(message.created_at)
    # Stable per message, so a receiver can drop a copy resent after a lost acknowledgement.
    email["Message-ID"] = f"<outbox-{message.id}.{int(message.created_at.timestamp())}@omahallinta>"
    email.set_content(payload["body"])
    return email


def smtp_connection(config, timeout: float) -> smtplib.SMTP:
    """A connection to the relay, secured and logged in as the settings say."""
    security = config["SMTP_SECURITY"]
    smtp_class = smtplib.SMTP_SSL if security == "ssl" else smtplib.SMTP
    smtp = smtp_class(config["SMTP_HOST"], config["SMTP_PORT"], timeout=timeout)
    try:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    except Exception:
        smtp.close()
        raise
    return smtp


class Relay:
    """The SMTP connection of one batch of emails: opened for its first email and kept for the
    rest, so that a city's outage notices do not each pay for a connection, TLS and a login.
    Any failure drops it, and the next email starts on a fresh one: what the relay refused of
    one message never reaches the next."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: OutboxMessage) -> None:
        config = current_app.config
        email = build_email(message)
        if config["MAIL_BACKEND"] == "file":
            directory = Path(config["MAIL_DIR"])
            directory.mkdir(parents=True, exist_ok=True)
            (directory / f"{message.id:06d}.eml").write_bytes(bytes(email))
            return
        try:
            self.smtp = self.smtp or smtp_connection(config, config["SMTP_TIMEOUT"])
            # The one recipient given, never the addresses the To header might be read as.
            self.smtp.send_message(email, to_addrs=[message.payload["to"]])
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            smtp, self.smtp = self.smtp, None
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()  # the relay has gone already: only the socket is left to close


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(message: OutboxMessage) -> None:
    config = current_app.config
    url = config["PROVISIONING_WEBHOOK_URL"]
    if not url:
        return  # no provisioning system: the staff work from the order queue
    if not url.startswith(("http://", "https://")):
        raise ValueError("PROVISIONING_WEBHOOK_URL must be an http(s) URL")
    body = json.dumps({"id": message.id, **message.payload}, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json",
        "X-Omahallinta-Event": message.topic,
        "X-Omahallinta-Signature": webhook_signature(config["PROVISIONING_WEBHOOK_SECRET"], body),
    })
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise RuntimeError(f"webhook answered {response.status}")


def sms_body(payload: dict, template: str, content_type: str) -> bytes:
    """The gateway's request body: SMS_GATEWAY_BODY with $to and $text escaped for its type."""
    if content_type.startswith("application/json"):
        def escape(value):
            return json.dumps(value, ensure_ascii=False)[1:-1]
    else:
        escape = urllib.parse.quote_plus
    return string.Template(template).safe_substitute(
        to=escape(payload["to"]), text=escape(payload["text"])).encode()


def send_sms(message: OutboxMessage) -> None:
    config = current_app.config
    url = config["SMS_GATEWAY_URL"]
    if not url.startswith(("http://", "https://")):
        raise ValueError("SMS_GATEWAY_URL must be an http(s) URL")
    content_type = config["SMS_GATEWAY_CONTENT_TYPE"]
    headers = {"Content-Type": content_type, "Idempotency-Key": f"outbox-{message.id}"}
    if config["SMS_GATEWAY_USER"]:
        secret = f"{config['SMS_GATEWAY_USER']}:{config['SMS_GATEWAY_PASSWORD']}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(secret).decode()
    body = sms_body(message.payload, config["SMS_GATEWAY_BODY"], content_type)
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise RuntimeError(f"SMS gateway answered {response.status}")


def heartbeat(name: str, now: datetime | None = None) -> None:
    """Record that the worker `name` is alive, and forget workers long gone."""
    now = now or utcnow()
    beat = db.session.get(WorkerHeartbeat, name) or WorkerHeartbeat(name=name, started_at=now)
    beat.beat_at = now
    db.session.add(beat)
    db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_WORKERS_AFTER))
    db.session.commit()


def run_worker(poll_seconds: float, once: bool = False) -> None:
    """Deliver forever (or once), sleeping while nothing is due.

    A database that goes away (restarted, failed over) does not stop the worker: it tries
    again after a pause. A message sent just before could not be marked sent; it goes again
    when its lease runs out."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    next_beat = 0.0
    while True:
        try:
            sent = deliver_due()
            if time.monotonic() >= next_beat:
                heartbeat(name)
                refused_pages.forget_stale()
                next_beat = time.monotonic() + HEARTBEAT_SECONDS
        except OperationalError:
            if once:
                raise
            current_app.logger.warning("outbox: the database is unavailable", exc_info=True)
            sent = 0
        finally:
            db.session.remove()
        if once:
            return
        if not sent:
            time.sleep(poll_seconds)

