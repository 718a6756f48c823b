"""Who reaches the API: a usable token with the route's scope, and nobody else — not an unknown,
expired or revoked token, not a customer's or staff member's browser session. Every API route is
tried (tests/security/routes.py lists them), and nothing changes on a refused request."""
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from app.extensions import db
from app.models import Agreement, ApiToken, Invoice, Order, PayTvCard
from app.models.base import utcnow
from app.services import api_tokens
from tests.api.conftest import bearer
from tests.helpers import customer_id, staff_login
from tests.security.routes import API, routes
from tests.security.site import changed, fingerprint

WRITES = {"PUT", "POST", "PATCH", "DELETE"}


def _calls(app):
    """(method, url, scope it needs) of every API route, with Matti's number and an order, agreement
    and card of his."""
    matti = customer_id("100001")
    values = {"customer_number": "100001", "code": "TURVAPAKETTI-3", "feedback_id": 1, "subscription_id": 1,
              "agreement_id": db.session.query(Agreement.id).filter_by(customer_id=matti).first()[0],
              "card_id": db.session.query(PayTvCard.id).filter_by(customer_id=matti).first()[0],
              "outage_id": 1,
              "invoice_number": db.session.query(Invoice.number).first()[0],
              "order_id": db.session.query(Order.id).filter_by(customer_id=matti).first()[0]}
    for route in routes(app, {API}):
        group = route.endpoint.removeprefix("api_").split(".")[0]
        for method in route.methods:
            access = "write" if method in WRITES else "read"
            yield method, route.url(values), f"{group}:{access}"


def _refused_everywhere(app, client, headers, status):
    before = fingerprint()
    problems = []
    for method, url, _scope in _calls(app):
        response = client.open(url, method=method, headers=headers, json={})
        if response.status_code != status or response.mimetype != "application/problem+json":
            problems.append(f"{method} {url}: {response.status_code} {response.mimetype}")
        if status == 401 and response.headers.get("WWW-Authenticate", "").lower() != "bearer realm=api":
            problems.append(f"{method} {url}: no WWW-Authenticate")
    assert not problems, "\n".join(problems)
    assert not changed(before)


@pytest.mark.parametrize("headers", [{}, bearer("oh_not-a-token"), {"Authorization": "Basic eWxsYXBpdG86eA=="},
                                     {"Authorization": "Bearer"}])
def test_without_a_token_every_route_is_401(app, client, demo_data, headers):
    _refused_everywhere(app, client, headers, 401)


def test_an_expired_token_is_401(app, client, make_token, demo_data):
    headers = make_token()
    db.session.query(ApiToken).update({"expires_at": utcnow() - timedelta(seconds=1)})
    db.session.commit()
    _refused_everywhere(app, client, headers, 401)


def test_a_revoked_token_is_401(app, client, make_token, demo_data):
    headers = make_token()
    assert client.get("/api/v1/customers/100001", headers=headers).status_code == 200
    api_tokens.revoke(db.session.query(ApiToken.id).scalar())
    _refused_everywhere(app, client, headers, 401)


def test_a_customers_browser_session_reaches_nothing(app, client, demo_data):
    client.login()
    assert client.get("/").status_code == 200
    _refused_everywhere(app, client, {}, 401)


def test_a_staff_session_reaches_nothing(app, client, demo_data):
    staff_login(client)
    _refused_everywhere(app, client, {}, 401)


def test_each_route_needs_its_own_scope(app, client, make_token, demo_data):
    """A token with every scope but the one a route needs is 403 there, and changes nothing."""
    without = {scope: make_token(*[s for s in api_tokens.SCOPES if s != scope]) for scope in api_tokens.SCOPES}
    before = fingerprint()
    problems = []
    for method, url, scope in _calls(app):
        headers = without[scope]
        response = client.open(url, method=method, headers=headers, json={})
        if response.status_code != 403 or scope not in response.json["detail"]:
            problems.append(f"{method} {url} without {scope}: {response.status_code} {response.text}")
    assert not problems, "\n".join(problems)
    assert set(changed(before)) <= {"api_token"}  # only when each token was last used


def test_api_answers_set_no_cookie_and_need_no_csrf(client, api):
    response = client.put("/api/v1/customers/200001", json={"name": "Aino Uusi"}, headers=api)
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_the_rate_limit_is_per_token(app, client, make_token, demo_data):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        first, second = make_token(name="Laskutus"), make_token(name="Verkko")
        # One budget for the whole API, whichever resources the calls read.
        answers = [client.get(url, headers=first) for url in (
            "/api/v1/customers/100001", "/api/v1/orders", "/api/v1/catalog/groups")]
        assert [a.status_code for a in answers] == [200] * 3
        # What is left is told on every answer; "wait" (Retry-After) only when the limit is reached.
        assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
        assert not any("Retry-After" in a.headers for a in answers)
        limited = client.get("/api/v1/customers/100002/agreements", headers=first)
        assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
        assert 0 < int(limited.headers["Retry-After"]) <= 60
        assert client.get("/api/v1/customers/100001", headers=second).status_code == 200
        # A made-up token is no budget of its own: it shares its address's, and that runs out too.
        made_up = [client.get("/api/v1/orders", headers={"Authorization": f"Bearer made-up-{n}"}).status_code
                   for n in range(4)]
        assert made_up == [401, 401, 401, 429]
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"


def test_the_openapi_document_is_served_without_a_token(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/customers/{customer_number}" in document["paths"]
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_every_answer_with_a_body_documents_its_schema(client):
    """Schemathesis checks an answer's body only against a schema the document gives; an answer
    whose links were merged in without it (a link table keyed differently) would go unchecked."""
    paths = client.get("/api/v1/openapi.json").json["paths"]
    unschemed = [f"{method.upper()} {path} {status}"
                 for path, operations in paths.items() for method, operation in operations.items()
                 if method != "parameters" for status, answer in operation["responses"].items()
                 if status.startswith("2") and status not in ("202", "204")
                 and "schema" not in answer.get("content", {}).get("application/json", {})]
    assert not unschemed
    put = paths["/api/v1/customers/{customer_number}"]["put"]["responses"]
    assert {"links", "headers", "content"} <= put["200"].keys() and {"links", "content"} <= put["201"].keys()


def test_a_read_is_answered_when_noting_the_tokens_use_collides_with_a_writer(app, client, api):
    """On SQLite a read's transaction cannot become a write once another writer has committed: the
    token's once-a-minute note of its use then fails at once. It waits for a later request; the read
    is answered (it was a 503)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: Postgres lets the note wait for the other writer")
    collided = []

    def another_writer_first(conn, cursor, statement, *args):
        if statement.startswith("UPDATE api_token") and not collided:
            collided.append(statement)
            with db.engine.connect() as other:  # a second connection: another request's commit
                other.execute(text("UPDATE customer SET updated_at = updated_at WHERE id = 1"))
                other.commit()

    event.listen(db.engine, "before_cursor_execute", another_writer_first)
    try:
        response = client.get("/api/v1/customers/100001", headers=api)
    finally:
        event.remove(db.engine, "before_cursor_execute", another_writer_first)
    assert collided and response.status_code == 200, response.text
