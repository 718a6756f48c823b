"""What an admin sees of the running portal: a request id and one log line per request, the
Prometheus metrics at /metrics, and the probes /healthz and /readyz.

Metrics live in prometheus_client's shared files when PROMETHEUS_MULTIPROC_DIR is set (gunicorn
with several workers: deploy/gunicorn.conf.py sets it), else in the process. What the database
knows (the outbox, the workers' heartbeats) is read when /metrics is asked, so every web server
reports the same numbers. The probes and /metrics carry no session and no rate limit.
"""
import hmac
import ipaddress
import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from functools import cache

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, Response, current_app, g, has_request_context, request, request_finished, request_started
from flask.logging import default_handler
from flask_login import user_logged_in
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, limiter
from app.models import OutboxMessage, WorkerHeartbeat
from app.models.base import utcnow
from app.services import attempts

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ
# Every metric has labels: a labelled metric writes nothing until it is used, so a process that
# never serves (the outbox worker) needs no metrics directory.
REQUESTS = Counter("omahallinta_http_requests", "Requests answered, by endpoint, method and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("omahallinta_http_request_duration_seconds", "Time to answer a request, by endpoint.",
                    ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
LOGINS = Counter("omahallinta_logins", "Sessions started, by the account's role.", ["role"])
LOGIN_FAILURES = Counter("omahallinta_login_failures",
                         "Wrong passwords or codes, on any form that checks one, by endpoint.", ["endpoint"])
RATE_LIMIT_HITS = Counter("omahallinta_rate_limit_hits", "Requests refused by a rate limit (429), by endpoint.",
                          ["endpoint"])
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Links sent by email carry their key in the path (password reset, invitation, email change): a log
# line shows where such a link leads, never the key. deploy/nginx/omahallinta.conf does the same.
TOKEN_IN_PATH = re.compile(r"(/uusi-salasana/|/kutsu/|/kayttajatiedot/sahkoposti/vahvista/)[^/?#&\s\"]+")
# An id a proxy in front made (nginx's $request_id) is kept, so its log and ours meet.
GIVEN_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

request_log = logging.getLogger("app.request")


def redact(target: str) -> str:
    """`target` (a path or an address, anything that may hold one) with the keys of emailed links left out."""
    return TOKEN_IN_PATH.sub(r"\1[token]", target)


def register(app: Flask) -> None:
    configure_logging(app)
    request_started.connect(_start, app)
    request_finished.connect(_finish, app)
    user_logged_in.connect(_logged_in, app)
    attempts.failed_check.connect(_failed_check)
    for view in (healthz, readyz, metrics):
        app.add_url_rule(f"/{view.__name__}", view_func=limiter.exempt(view))


# ---- logs

class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is written (gunicorn, systemd and the tests
    each give the process theirs)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


class TextFormatter(logging.Formatter):
    converter = time.gmtime

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s", "%Y-%m-%dT%H:%M:%SZ")


class JSONFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, request id, message, and a request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": record.request_id,
            "message": record.getMessage(),
            **getattr(record, "http", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _with_request_id(record: logging.LogRecord) -> bool:
    record.request_id = g.get("request_id", "-") if has_request_context() else "-"
    return True


def configure_logging(app: Flask) -> None:
    """The portal's loggers (`app`, `app.request`) write to stderr as LOG_FORMAT says, every line
    with the request's id; systemd's journal or gunicorn's error log takes it from there."""
    logger = logging.getLogger(app.import_name)
    logger.removeHandler(default_handler)
    for handler in [h for h in logger.handlers if isinstance(h, StderrHandler)]:
        logger.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(JSONFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter())
    handler.addFilter(_with_request_id)
    logger.addHandler(handler)
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False


# ---- every request

def _start(_app, **_extra) -> None:
    given = request.headers.get("X-Request-ID", "")
    store = g._get_current_object()
    store.request_id = given if GIVEN_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    store.request_started = time.perf_counter()


def _finish(_app, response: Response, **_extra) -> None:
    """Count the request, time it, log it; tell the client its id. (Run on every request: the
    request and g are looked up once, each a context-variable lookup.)"""
    store, asked = g._get_current_object(), request._get_current_object()
    if "request_id" not in store:  # the request failed before it started (its context could not be made)
        _start(_app)
    seconds = time.perf_counter() - store.request_started
    endpoint = asked.endpoint or "none"
    method = asked.method if asked.method in METHODS else "other"
    status = response.status_code
    response.headers["X-Request-ID"] = store.request_id
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)
    if status == 429:
        RATE_LIMIT_HITS.labels(endpoint).inc()
    if request_log.isEnabledFor(logging.INFO):
        path = redact(asked.full_path if asked.query_string else asked.path)
        size = response.content_length
        request_log.info("%s %s %s %.1fms %sB %s", method, path, status, seconds * 1000,
                         "-" if size is None else size, asked.remote_addr, extra={"http": {
                             "method": method, "path": path, "status": status,
                             "duration_ms": round(seconds * 1000, 1), "bytes": size,
                             "remote_addr": asked.remote_addr, "endpoint": endpoint}})


def _logged_in(_app, user, **_extra) -> None:
    LOGINS.labels(user.role).inc()


def _failed_check(_windows) -> None:
    LOGIN_FAILURES.labels((request.endpoint if has_request_context() else None) or "none").inc()


# ---- probes

def _json(body: dict, status: int = 200) -> Response:
    response = current_app.json.response(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def healthz() -> Response:
    """The process is alive and answers; nothing else is asked."""
    return _json({"status": "ok"})


def readyz() -> Response:
    """Ready to serve: the database answers, its schema is the code's, and the outbox moves."""
    checks = {}
    try:
        current = frozenset(MigrationContext.configure(db.session.connection()).get_current_heads())
        checks["database"] = {"ok": True}
        heads = migration_heads()
        checks["migrations"] = {"ok": current == heads, "database": sorted(current), "code": sorted(heads)}
        oldest = db.session.scalar(select(func.min(OutboxMessage.created_at))
                                   .where(OutboxMessage.status.in_(("pending", "sending"))))
        age = (utcnow() - oldest).total_seconds() if oldest else 0.0
        limit = current_app.config["READYZ_OUTBOX_MAX_AGE_SECONDS"]
        checks["outbox"] = {"ok": age <= limit, "oldest_unsent_age_seconds": round(age, 1), "limit_seconds": limit}
    except SQLAlchemyError as error:
        checks["database"] = {"ok": False, "error": type(error).__name__}
    finally:
        db.session.rollback()
    # Without its rate limits' storage the portal answers logins and the API with 503: not ready.
    checks["rate_limits"] = {"ok": limiter.storage.check()}
    ok = all(check["ok"] for check in checks.values())
    return _json({"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503)


def migration_heads() -> frozenset[str]:
    """The revisions the code's migrations end in (read once per process)."""
    return _heads(current_app.extensions["migrate"].directory)


@cache
def _heads(directory: str) -> frozenset[str]:
    return frozenset(ScriptDirectory(directory).get_heads())


def metrics() -> Response:
    """Prometheus' text format, to the addresses METRICS_ALLOWED_ADDRESSES names or with METRICS_TOKEN."""
    if not _may_read_metrics():
        return Response("Forbidden: see METRICS_ALLOWED_ADDRESSES and METRICS_TOKEN.\n", 403, mimetype="text/plain")
    registry = CollectorRegistry()
    if MULTIPROCESS:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_Database())
    response = Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})
    response.headers["Cache-Control"] = "no-store"
    return response


def _may_read_metrics() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in allowed_networks(current_app.config["METRICS_ALLOWED_ADDRESSES"]))


@cache
def allowed_networks(setting: str) -> tuple:
    """METRICS_ALLOWED_ADDRESSES: addresses or networks, separated by commas or spaces."""
    return tuple(ipaddress.ip_network(item, strict=False) for item in re.split(r"[\s,]+", setting) if item)


class _ThisProcess:
    """The metrics of this process alone (no PROMETHEUS_MULTIPROC_DIR: one process serves)."""

    def collect(self):
        return REGISTRY.collect()


class _Database:
    """The outbox and the workers as the database has them now."""

    def collect(self):
        up = GaugeMetricFamily("omahallinta_database_up", "Whether the database answered this scrape.")
        try:
            families = list(self._read())
        except SQLAlchemyError:
            db.session.rollback()
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *families]

    @staticmethod
    def _read():
        now = utcnow()
        rows = db.session.execute(
            select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at),
                   func.count().filter(OutboxMessage.attempts > 0))
            .where(OutboxMessage.status.in_(("pending", "sending", "failed")))
            .group_by(OutboxMessage.status)).all()
        by_status = {status: (count, oldest, retried) for status, count, oldest, retried in rows}
        messages = GaugeMetricFamily("omahallinta_outbox_messages",
                                     "Emails and events not sent: pending, being sent, failed for good.",
                                     labels=["status"])
        for status in ("pending", "sending", "failed"):
            messages.add_metric([status], by_status.get(status, (0,))[0])
        yield messages
        unsent = [by_status[s] for s in ("pending", "sending") if s in by_status]
        oldest = min((row[1] for row in unsent), default=None)
        yield GaugeMetricFamily("omahallinta_outbox_oldest_unsent_age_seconds",
                                "How long the oldest unsent message has waited (0: none waits).",
                                value=(now - oldest).total_seconds() if oldest else 0)
        yield GaugeMetricFamily("omahallinta_outbox_retrying_messages",
                                "Unsent messages that have failed at least once and wait to be tried again.",
                                value=sum(row[2] for row in unsent))

        beats = db.session.execute(select(WorkerHeartbeat.name, WorkerHeartbeat.beat_at)).all()
        stamps = GaugeMetricFamily("omahallinta_worker_heartbeat_timestamp_seconds",
                                   "When each outbox worker last said it was alive (Unix time).", labels=["worker"])
        for name, beat_at in beats:
            stamps.add_metric([name], beat_at.timestamp())
        yield stamps
        newest = max((beat_at for _, beat_at in beats), default=None)
        yield GaugeMetricFamily("omahallinta_worker_heartbeat_age_seconds",
                                "Seconds since any outbox worker last said it was alive (+Inf: never).",
                                value=(now - newest).total_seconds() if newest else float("inf"))
        db.session.rollback()
