"""What an admin sees of the running portal: the probes, the metrics, one log line per request
with its id, and never a key, password or cookie in the log. (The same through gunicorn and
nginx: test_proxy.py.)"""
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_limiter import Limit
from limits.storage import storage_from_string
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from app import create_app
from app.extensions import db, limiter
from app.models import OutboxMessage
from app.models.base import utcnow
from app.observability import configure_logging, migration_heads, redact
from app.services import api_tokens, outbox
from tests.api.conftest import bearer
from tests.helpers import emailed_link, refused

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json"
PROBES = ("/healthz", "/readyz", "/metrics")


def scrape(client) -> dict:
    """Every sample of /metrics: {(name, ((label, value), ...)): value}."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def unsent_email(to: str) -> OutboxMessage:
    message = outbox._queue("email", "test", None, {"to": to, "subject": "Hei", "body": "Hei!\n"})
    db.session.flush()
    return message


def log_lines(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("path", PROBES)
def test_probes_answer_without_a_session_or_a_cookie(client, demo_data, path):
    client.login()
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.vary
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_says_the_process_is_alive(client):
    response = client.get("/healthz")
    assert response.json == {"status": "ok"} and response.mimetype == "application/json"


def test_readyz_checks_the_database_the_migrations_and_the_outbox(client, app):
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "ok"
    assert ready.json["checks"]["migrations"]["database"] == sorted(migration_heads())

    stuck = unsent_email("matti@example.fi")
    stuck.created_at = utcnow() - timedelta(seconds=app.config["READYZ_OUTBOX_MAX_AGE_SECONDS"] + 60)
    db.session.commit()
    waiting = client.get("/readyz")
    assert waiting.status_code == 503 and waiting.json["status"] == "unavailable"
    assert waiting.json["checks"]["outbox"]["ok"] is False and waiting.json["checks"]["migrations"]["ok"]
    stuck.status = "sent"
    db.session.commit()
    assert client.get("/readyz").status_code == 200

    (head,) = migration_heads()
    db.session.execute(text("UPDATE alembic_version SET version_num = 'e7996b1cad5a'"))
    db.session.commit()
    try:
        behind = client.get("/readyz")
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
    assert behind.status_code == 503
    assert behind.json["checks"]["migrations"] == {"ok": False, "database": ["e7996b1cad5a"], "code": [head]}


def test_readyz_without_a_database(tmp_path):
    unreachable = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/dir.db"})
    response = unreachable.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert unreachable.test_client().get("/healthz").status_code == 200  # alive all the same


def test_without_the_rate_limits_storage_logins_and_the_api_answer_503_and_it_is_not_ready(client, demo_data,
                                                                                          monkeypatch):
    """Redis away: a login cannot be counted, so it is not let through uncounted; the answer is the
    503 of a service away (it was a 500), and the readiness probe says so, for the load balancer."""
    api = bearer(api_tokens.create("Laskutus", ["customers:read"], None))
    away = storage_from_string("redis://127.0.0.1:9/0")  # nothing listens on the discard port
    monkeypatch.setattr(limiter, "_storage", away)
    monkeypatch.setattr(limiter, "_limiter", type(limiter.limiter)(away))
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["rate_limits"] == {"ok": False}
    login = client.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    assert login.status_code == 503 and "Palvelu on tilapäisesti poissa käytöstä" in login.text
    assert client.get("/api/v1/customers/100001", headers=api).status_code == 503


def test_probes_are_outside_the_rate_limits(client):
    """Even under a limit on every route, the probes answer every time."""
    limiter.limit_manager.set_default_limits([Limit("2 per minute").bind(limiter)])
    try:
        for path in PROBES:
            assert [client.get(path).status_code for _ in range(4)] == [200] * 4, path
        assert [client.get("/kirjaudu").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        limiter.limit_manager.set_default_limits([])


def test_every_request_has_an_id_and_one_log_line(client, capsys):
    log_lines(capsys)
    response = client.get("/kirjaudu?next=/tilaa")
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = [line for line in log_lines(capsys) if request_id in line]
    assert len(lines) == 1
    assert re.search(rf"INFO app.request \[{request_id}\] GET /kirjaudu\?next=/tilaa 200 [\d.]+ms \d+B 127.0.0.1$",
                     lines[0])
    # An id from the proxy in front is kept, so its log and the portal's meet; a malformed one is not.
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-0f3e9a77"}).headers["X-Request-ID"] == \
        "nginx-0f3e9a77"
    for malformed in ("<script>", "short", "a" * 65):
        assert re.fullmatch(r"[0-9a-f]{32}", client.get("/healthz", headers={"X-Request-ID": malformed})
                            .headers["X-Request-ID"])


def test_an_error_is_logged_with_the_id_of_its_request(client, app, capsys, monkeypatch):
    monkeypatch.setitem(app.view_functions, "accessibility.statement", lambda: 1 / 0)
    log_lines(capsys)
    response = client.get("/saavutettavuusseloste")
    assert response.status_code == 500
    logged = "\n".join(log_lines(capsys))
    assert f"ERROR app [{response.headers['X-Request-ID']}] unhandled error" in logged
    assert "ZeroDivisionError" in logged


def test_json_log_lines(client, app, capsys):
    app.config["LOG_FORMAT"] = "json"
    configure_logging(app)
    try:
        log_lines(capsys)
        response = client.post("/kirjaudu", data={"login": "x"}, headers={"X-Request-ID": "abcdef012345"})
        entries = [json.loads(line) for line in log_lines(capsys)]
    finally:
        app.config["LOG_FORMAT"] = "text"
        configure_logging(app)
    (entry,) = [e for e in entries if e["logger"] == "app.request"]
    assert entry["request_id"] == response.headers["X-Request-ID"] == "abcdef012345"
    assert {k: entry[k] for k in ("level", "method", "path", "status", "endpoint", "remote_addr")} == {
        "level": "INFO", "method": "POST", "path": "/kirjaudu", "status": 400, "endpoint": "auth.login",
        "remote_addr": "127.0.0.1"}
    assert entry["duration_ms"] >= 0 and entry["bytes"] > 0 and entry["time"].endswith("+00:00")


def test_the_keys_of_emailed_links_never_reach_the_log(client, make_client, demo_data, capsys):
    log_lines(capsys)
    client.submit("/unohtunut-salasana", {"login": "matti.virtanen@example.fi"})
    link = emailed_link("password_reset")
    token = link.rsplit("/", 1)[1]
    client.get(link)
    assert client.submit(link, {"new_password": "Kahvi-Purjevene-Lokakuu-9"}).status_code == 303
    logged = "\n".join(log_lines(capsys))
    assert "GET /uusi-salasana/[token] 200" in logged and "POST /uusi-salasana/[token] 303" in logged
    assert token not in logged and "Kahvi-Purjevene-Lokakuu-9" not in logged


def test_every_route_with_a_key_in_its_path_is_redacted(app):
    keyed = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert {rule.endpoint for rule in keyed} >= {"auth.reset_password", "auth.accept_invitation",
                                                 "account.confirm_email"}
    for rule in keyed:
        path = rule.build({"token": "eyJhIjoxfQ.Zm9v-Ba_r.c2lnbmF0dXJl"}, append_unknown=False)[1]
        for logged in (path, f"GET {path}?x=1 HTTP/1.1", f"https://oma.example.fi{path}"):
            assert "eyJhIjoxfQ" not in redact(logged), rule
            assert "[token]" in redact(logged)


def test_metrics_count_requests_logins_failures_and_rate_limits(client, make_client, demo_data):
    before = scrape(client)
    refused(client.submit("/kirjaudu", {"login": "100001", "password": "vaara-salasana-1"}))
    client.login()
    anonymous = make_client()
    statuses = [anonymous.submit("/unohtunut-salasana", {"login": "ei@example.fi"}).status_code for _ in range(6)]
    assert statuses == [303] * 5 + [429]
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    # The refused login is sent back to the form (post/redirect/get), the right one on: both 303.
    assert grew("omahallinta_http_requests_total", endpoint="auth.login", method="POST", status="303") == 2
    assert grew("omahallinta_login_failures_total", endpoint="auth.login") == 1
    assert grew("omahallinta_logins_total", role="customer") == 1
    assert grew("omahallinta_rate_limit_hits_total", endpoint="auth.forgot_password") == 1
    assert grew("omahallinta_http_request_duration_seconds_count", endpoint="auth.forgot_password") == 12
    assert grew("omahallinta_http_request_duration_seconds_bucket", endpoint="auth.forgot_password", le="+Inf") == 12
    client.get("/ei-ole")  # no route: counted under endpoint "none", not under its path
    assert value(scrape(client), "omahallinta_http_requests_total", endpoint="none", method="GET", status="404") >= 1


def test_metrics_report_the_outbox_and_the_workers(client):
    now = utcnow()
    waiting, retrying, given_up = (unsent_email(f"{who}@example.fi") for who in "abc")
    waiting.created_at = now - timedelta(seconds=600)
    retrying.attempts = 2
    given_up.status, given_up.attempts = "failed", 5
    db.session.commit()
    outbox.heartbeat("kone:4242", now=now - timedelta(seconds=30))
    outbox.heartbeat("kone:4343", now=now - timedelta(seconds=5))

    samples = scrape(client)
    assert value(samples, "omahallinta_database_up") == 1
    assert [value(samples, "omahallinta_outbox_messages", status=s) for s in ("pending", "sending", "failed")] == \
        [2, 0, 1]
    assert value(samples, "omahallinta_outbox_retrying_messages") == 1
    assert 600 <= value(samples, "omahallinta_outbox_oldest_unsent_age_seconds") < 660
    assert value(samples, "omahallinta_worker_heartbeat_timestamp_seconds", worker="kone:4242") == \
        pytest.approx((now - timedelta(seconds=30)).timestamp())
    assert 5 <= value(samples, "omahallinta_worker_heartbeat_age_seconds") < 60

    outbox.heartbeat("kone:4444", now=now + timedelta(days=2))  # a day later the others are forgotten
    workers = {labels for name, labels in scrape(client) if name == "omahallinta_worker_heartbeat_timestamp_seconds"}
    assert workers == {(("worker", "kone:4444"),)}


def test_metrics_without_workers_say_none_has_beaten(client):
    assert value(scrape(client), "omahallinta_worker_heartbeat_age_seconds") == float("inf")
    assert db.session.query(OutboxMessage).count() == 0


def test_metrics_answer_only_allowed_addresses_or_the_token(client, app, monkeypatch):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics").status_code == 200  # from this machine
    refused = client.get("/metrics", environ_base=outside)
    assert refused.status_code == 403 and "omahallinta" not in refused.text
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "t" * 40)
    assert client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer " + "t" * 40}) \
        .status_code == 200
    for wrong in ("Bearer " + "t" * 39, "Bearer", "t" * 40, "Basic dDp0"):
        assert client.get("/metrics", environ_base=outside, headers={"Authorization": wrong}).status_code == 403
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_ADDRESSES", "10.0.0.0/8, 2001:db8::/32")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "2001:db8::5"}).status_code == 200
    assert client.get("/metrics").status_code == 403  # loopback is no longer listed


def test_the_sample_dashboard_shows_only_metrics_the_portal_exports(client):
    exported = {line.split()[2] for line in client.get("/metrics").text.splitlines() if line.startswith("# TYPE")}
    dashboard = json.loads(DASHBOARD.read_text())
    queried = {re.sub(r"_(bucket|count|sum)$", "", name) for panel in dashboard["panels"]
               for target in panel["targets"] for name in re.findall(r"omahallinta_\w+", target["expr"])}
    assert queried and queried <= exported, queried - exported
    assert {"omahallinta_http_requests_total", "omahallinta_http_request_duration_seconds",
            "omahallinta_login_failures_total", "omahallinta_rate_limit_hits_total", "omahallinta_outbox_messages",
            "omahallinta_worker_heartbeat_age_seconds"} <= queried
