"""Idempotency-Key on the POSTs that create something: a retry is answered as the first time and
does nothing again; the same key with another request is refused; the document says which take it."""
import pytest

from app.models import Agreement, OutboxMessage, PayTvCard
from tests.helpers import count

# (url, body, another body, the rows the first one adds)
CREATING = [
    ("/api/v1/customers/100004/agreements", {"kind": "billing", "valid_from": "2026-12-01"},
     {"kind": "service", "valid_from": "2026-12-01"}, Agreement),
    ("/api/v1/customers/100002/pay-tv-cards", {"card_number": "0100 5555 0001", "valid_until": "2028-12-31"},
     {"card_number": "0100 5555 0002", "valid_until": "2028-12-31"}, PayTvCard),
    ("/api/v1/customers/200001/invite", None, {"again": True}, OutboxMessage),
]


@pytest.mark.parametrize(("url", "body", "other", "rows"), CREATING, ids=lambda v: getattr(v, "__name__", None))
def test_a_retry_gets_the_first_answer_and_another_request_is_refused(client, api, url, body, other, rows):
    client.put("/api/v1/customers/200001", json={"name": "Aino Uusi", "email": "aino@example.fi"}, headers=api)
    before = count(rows)
    headers = {**api, "Idempotency-Key": "9b7e6f3c-retry"}
    first = client.post(url, json=body, headers=headers)
    again = client.post(url, json=body, headers=headers)
    assert first.status_code in (201, 202) and again.status_code == first.status_code
    assert again.get_data() == first.get_data() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers.get("Content-Type") == first.headers.get("Content-Type")
    assert count(rows) == before + 1
    refused = client.post(url, json=other, headers=headers)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert count(rows) == before + 1


def test_a_retry_that_writes_the_same_json_another_way_is_the_same_request(client, api):
    """Keys in another order, other spacing: the same object, so the first answer, not a refusal."""
    headers = {**api, "Idempotency-Key": "reordered", "Content-Type": "application/json"}
    url = "/api/v1/customers/100004/agreements"
    before = count(Agreement)
    first = client.post(url, data='{"kind": "billing", "valid_from": "2026-12-01"}', headers=headers)
    again = client.post(url, data='{"valid_from":"2026-12-01",\n "kind":"billing"}', headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert count(Agreement) == before + 1
    other = client.post(url, data='{"valid_from": "2026-12-02", "kind": "billing"}', headers=headers)
    assert other.status_code == 422


def test_a_key_of_spaces_is_refused_not_ignored(client, api):
    """Ignored, it would let the retry it was sent for add a second agreement."""
    before = count(Agreement)
    for _ in range(2):
        response = client.post("/api/v1/customers/100004/agreements",
                               json={"kind": "billing", "valid_from": "2026-12-01"},
                               headers={**api, "Idempotency-Key": "   ", "Accept-Language": "en"})
        assert response.status_code == 400 and response.json["detail"] == "The Idempotency-Key is empty."
    assert count(Agreement) == before


def test_keys_are_per_token(client, make_token, demo_data):
    """Two systems that happen to choose the same key do not get each other's answers."""
    url, key = "/api/v1/customers/100004/agreements", {"Idempotency-Key": "1"}
    first = client.post(url, json={"kind": "billing", "valid_from": "2026-12-01"}, headers={**make_token(), **key})
    other = client.post(url, json={"kind": "service", "valid_from": "2026-12-01"},
                        headers={**make_token(name="Verkko"), **key})
    assert first.status_code == other.status_code == 201 and first.json["id"] != other.json["id"]


def test_every_creating_post_takes_an_idempotency_key(client):
    """A POST that answers 201 or 202 says in the document that it honours the key (and so does it:
    `idempotent` both marks and documents)."""
    paths = client.get("/api/v1/openapi.json").json["paths"]
    creating = {path: op for path, ops in paths.items() for method, op in ops.items()
                if method == "post" and {"201", "202"} & set(op["responses"])}
    assert len(creating) >= 5
    missing = [path for path, op in creating.items()
               if "Idempotency-Key" not in {p["name"] for p in op.get("parameters", [])}]
    assert not missing
