"""Customers through the API: the list and its cursor, read with ETag, the import's upsert with
If-Match, close, invite, agreements, cards and subscriptions."""
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent, Customer, OutboxMessage
from app.models.base import utcnow
from tests.helpers import count, customer, statements

NEW = {"name": "Aino Uusi", "street_address": "Koulukatu 1", "postal_code": "33100", "city": "Tampere",
       "phone": "040 765 4321", "email": "Aino.Uusi@Example.fi", "language": "sv"}


def test_the_list_pages_by_cursor_in_customer_number_order(client, api):
    numbers, cursor = [], None
    while True:
        page = client.get("/api/v1/customers", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})},
                          headers=api).json
        numbers += [c["customer_number"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert numbers == sorted(numbers) and len(numbers) == count(Customer) == len(set(numbers))


def test_the_list_answers_in_the_same_statements_for_any_page_size(client, api):
    client.get("/api/v1/customers", headers=api)  # the token's first use is noted, once a minute
    with statements() as small:
        client.get("/api/v1/customers?limit=1", headers=api)
    with statements() as large:
        client.get("/api/v1/customers?limit=100", headers=api)
    assert len(small) == len(large)


def test_updated_since_lists_only_customers_changed_since(client, api):
    later = utcnow() + timedelta(seconds=1)
    db.session.query(Customer).filter_by(customer_number="100002").one().updated_at = later
    db.session.commit()
    page = client.get("/api/v1/customers", query_string={"updated_since": later.isoformat()}, headers=api).json
    assert [c["customer_number"] for c in page["items"]] == ["100002"]


def test_bad_query_values_are_422_problems_by_field(client, api):
    response = client.get("/api/v1/customers?limit=0&cursor=!!&updated_since=eilen", headers=api)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == {"limit", "cursor", "updated_since"}


def test_read_has_an_etag_that_changes_with_the_customer(client, api):
    first = client.get("/api/v1/customers/100001", headers=api)
    assert first.json["name"] == "Matti Virtanen" and first.json["agreements"] and first.json["pay_tv_cards"]
    assert client.get("/api/v1/customers/100001", headers=api).headers["ETag"] == first.headers["ETag"]
    client.put("/api/v1/customers/100001", json={**NEW, "name": "Matti Virtanen-Koski"}, headers=api)
    assert client.get("/api/v1/customers/100001", headers=api).headers["ETag"] != first.headers["ETag"]


def test_an_unknown_customer_is_a_404_problem(client, api):
    response = client.get("/api/v1/customers/999999", headers=api)
    assert response.status_code == 404 and response.json["status"] == 404
    assert client.put("/api/v1/customers/999999/agreements", json={"agreements": []}, headers=api).status_code == 404


def test_put_creates_then_is_idempotent(client, api):
    created = client.put("/api/v1/customers/200001", json=NEW, headers=api)
    assert created.status_code == 201
    assert created.json["email"] == "aino.uusi@example.fi" and created.json["language"] == "sv"
    again = client.put("/api/v1/customers/200001", json=NEW, headers=api)
    assert again.status_code == 200 and again.headers["ETag"] == created.headers["ETag"]
    assert count(Customer, Customer.customer_number == "200001") == 1
    client.put("/api/v1/customers/200001", json={**NEW, "city": "Nokia"}, headers=api)
    events = db.session.query(AuditEvent).filter_by(action="customer.upserted").order_by(AuditEvent.id).all()
    assert [e.actor_name for e in events] == ["API: Laskutus"] * 2  # the same PUT again is no event
    assert events[0].details["new"] and "name" in events[0].details["fields"]
    assert not events[1].details["new"] and events[1].details["fields"] == ["city"]
    # found by the console's search like any customer
    assert customer("200001").search_terms


def test_put_follows_the_imports_rules(client, api):
    taken = client.put("/api/v1/customers/200001", json={**NEW, "email": "matti.virtanen@example.fi"}, headers=api)
    assert taken.status_code == 422
    assert taken.json["errors"] == [{"field": "email", "detail": "email kuuluu asiakkaalle 100001"}]
    bad = client.put("/api/v1/customers/12ab", json={**NEW, "phone": "040\x00"}, headers=api)
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {"phone"}
    unusable = client.put("/api/v1/customers/200001", json={**NEW, "postal_code": "331 00", "phone": "040 12"},
                          headers=api)
    assert sorted((e["field"], e["detail"]) for e in unusable.json["errors"]) == [
        ("phone", "phone ei ole puhelinnumero"), ("postal_code", "postal_code ei ole viisi numeroa")]
    bad_number = client.put("/api/v1/customers/12ab", json=NEW, headers=api)
    assert [e["field"] for e in bad_number.json["errors"]] == ["customer_number"]
    assert count(Customer, Customer.customer_number.in_(("200001", "12ab"))) == 0


def test_put_refuses_every_bad_field_at_once(client, api):
    response = client.put("/api/v1/customers/200001", json={"name": 5, "language": "de", "city": "x" * 101,
                                                            "extra": 1}, headers=api)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"name", "language", "city", "extra"}


def test_if_match_refuses_a_stale_write(client, api):
    etag = client.get("/api/v1/customers/100001", headers=api).headers["ETag"]
    fresh = client.put("/api/v1/customers/100001", json={**NEW, "email": ""}, headers={**api, "If-Match": etag})
    assert fresh.status_code == 200
    stale = client.put("/api/v1/customers/100001", json={**NEW, "name": "Joku Muu", "email": ""},
                       headers={**api, "If-Match": etag})
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    assert stale.json["detail"] == "Asiakkaan tiedot ovat muuttuneet lukemisesi jälkeen: lue ne uudelleen."
    assert customer("100001").name == "Aino Uusi"
    for malformed in (etag.strip('"'), "", "  "):  # no quotes, or nothing: no condition a write could meet
        bad = client.put("/api/v1/customers/100001", json={**NEW, "name": "Joku Muu", "email": ""},
                         headers={**api, "If-Match": malformed})
        assert bad.status_code == 400 and "If-Match" in bad.json["detail"], malformed
    assert customer("100001").name == "Aino Uusi"
    missing = client.put("/api/v1/customers/200009", json=NEW, headers={**api, "If-Match": "*"})
    assert missing.status_code == 412
    assert client.put("/api/v1/customers/100001", json={**NEW, "email": ""},
                      headers={**api, "If-Match": "*"}).status_code == 200


@pytest.mark.parametrize("encoding", ["gzip", "br", "identity"])
def test_if_match_takes_the_tag_of_a_compressed_read(client, api, encoding):
    """A client that accepts compression reads the tag Flask-Compress gives a compressed answer
    (`"…:gzip"`) and sends it back: it names the same version, and a stale one is still refused."""
    read = client.get("/api/v1/customers/100001", headers={**api, "Accept-Encoding": encoding})
    assert read.headers.get("Content-Encoding", "identity") == encoding
    etag = read.headers["ETag"]
    assert etag.endswith(f':{encoding}"') == (encoding != "identity")
    fresh = client.put("/api/v1/customers/100001", json={**NEW, "email": ""}, headers={**api, "If-Match": etag})
    assert fresh.status_code == 200
    stale = client.put("/api/v1/customers/100001", json={**NEW, "name": "Joku Muu", "email": ""},
                       headers={**api, "If-Match": etag})
    assert stale.status_code == 412
    other = etag.split(":")[0].rstrip('"') + ':compress"'  # a coding the portal never answers with
    assert client.put("/api/v1/customers/100001", json={**NEW, "email": ""},
                      headers={**api, "If-Match": other}).status_code == 412
    assert customer("100001").name == "Aino Uusi"


def test_if_match_covers_the_customers_agreements_cards_and_closing(client, api):
    """The customer's ETag is of its agreements and cards too: a write to them with a stale tag is
    refused and changes nothing; with the current tag (or none) it applies."""
    stale = client.get("/api/v1/customers/100001", headers=api).headers["ETag"]
    client.put("/api/v1/customers/100001", json={**NEW, "email": ""}, headers=api)
    before = client.get("/api/v1/customers/100001", headers=api).json
    agreement, card = before["agreements"][0]["id"], before["pay_tv_cards"][0]["id"]
    base = "/api/v1/customers/100001"
    writes = [("PUT", f"{base}/agreements", {"agreements": []}),
              ("POST", f"{base}/agreements", {"kind": "service", "valid_from": "2026-01-01", "valid_until": None}),
              ("POST", f"{base}/agreements/{agreement}/end", {"valid_until": "2030-01-01"}),
              ("DELETE", f"{base}/agreements/{agreement}", None),
              ("PUT", f"{base}/pay-tv-cards", {"pay_tv_cards": []}),
              ("DELETE", f"{base}/pay-tv-cards/{card}", None),
              ("POST", f"{base}/close", None)]
    for method, url, body in writes:
        response = client.open(url, method=method, json=body, headers={**api, "If-Match": stale})
        assert response.status_code == 412, (method, url, response.status_code)
    assert client.get("/api/v1/customers/100001", headers=api).json == before
    current = client.get(base, headers=api).headers["ETag"]
    assert client.put(f"{base}/agreements", json={"agreements": before["agreements"]},
                      headers={**api, "If-Match": current}).status_code == 200


def test_close_ends_the_customers_login(client, api):
    response = client.post("/api/v1/customers/100001/close", headers=api)
    assert response.status_code == 200 and response.json["status"] == "closed"
    assert db.session.query(AuditEvent).filter_by(action="customer.closed").one().actor_name == "API: Laskutus"


def test_invite_sends_the_first_login_link(client, api):
    client.put("/api/v1/customers/200001", json=NEW, headers=api)
    invited = client.post("/api/v1/customers/200001/invite", headers=api)
    assert invited.status_code == 202 and invited.data == b"" and "Content-Type" not in invited.headers
    mail = db.session.query(OutboxMessage).filter_by(channel="email", recipient="aino.uusi@example.fi").one()
    assert mail.topic == "invitation"
    # Matti has a password already: the service's refusal is a 422 problem with its message
    refused = client.post("/api/v1/customers/100001/invite", headers=api)
    assert refused.status_code == 422 and "salasana" in refused.json["detail"]


def test_agreements_are_replaced_and_the_same_list_changes_nothing(client, api):
    client.put("/api/v1/customers/200001", json=NEW, headers=api)
    body = {"agreements": [{"kind": "connection", "valid_from": "2026-01-01", "valid_until": None},
                           {"kind": "billing", "valid_from": "2026-01-01", "valid_until": "2026-12-31"}]}
    response = client.put("/api/v1/customers/200001/agreements", json=body, headers=api)
    assert response.status_code == 200 and len(response.json["agreements"]) == 2
    etag = client.get("/api/v1/customers/200001", headers=api).headers["ETag"]
    client.put("/api/v1/customers/200001/agreements", json=body, headers=api)
    assert client.get("/api/v1/customers/200001", headers=api).headers["ETag"] == etag
    assert count(AuditEvent, AuditEvent.action == "agreements.replaced") == 1
    ended = client.put("/api/v1/customers/200001/agreements", json={"agreements": body["agreements"][:1]}, headers=api)
    assert [a["kind"] for a in ended.json["agreements"]] == ["connection"]
    assert client.get("/api/v1/customers/200001/agreements", headers=api).json == ended.json


def test_agreement_errors_name_their_line(client, api):
    body = {"agreements": [{"kind": "connection", "valid_from": "2026-01-01"},
                           {"kind": "billing", "valid_from": "2026-05-01", "valid_until": "2026-04-30"},
                           {"kind": "tv", "valid_from": "2026-01-01"}]}
    schema = client.put("/api/v1/customers/100001/agreements", json=body, headers=api)
    assert schema.status_code == 422 and [e["field"] for e in schema.json["errors"]] == ["agreements.2.kind"]
    rule = client.put("/api/v1/customers/100001/agreements", json={"agreements": body["agreements"][:2]}, headers=api)
    assert [e["field"] for e in rule.json["errors"]] == ["agreements.1.valid_until"]


def test_agreements_of_one_kind_may_follow_each_other_but_not_overlap(client, api):
    """With two in force, ending "the" connection agreement would leave the other: the customer
    could still log in and order."""
    ended, following = ({"kind": "connection", "valid_from": "2020-01-01", "valid_until": "2026-06-30"},
                        {"kind": "connection", "valid_from": "2026-07-01"})
    overlapping = {"kind": "connection", "valid_from": "2026-06-30"}
    url = "/api/v1/customers/100001/agreements"
    refused = client.put(url, json={"agreements": [ended, {"kind": "billing", "valid_from": "2020-01-01"},
                                                   overlapping]}, headers=api)
    assert refused.status_code == 422 and [e["field"] for e in refused.json["errors"]] == ["agreements.2.valid_from"]
    twice = client.put(url, json={"agreements": [following, following]}, headers=api)
    assert [e["field"] for e in twice.json["errors"]] == ["agreements.1.valid_from"]
    assert client.put(url, json={"agreements": [ended, following]}, headers=api).status_code == 200
    added = client.post(url, json={"kind": "connection", "valid_from": "2027-01-01"}, headers=api)
    assert added.status_code == 422 and [e["field"] for e in added.json["errors"]] == ["valid_from"]
    assert "for part of this time" in client.post(url, json={"kind": "connection", "valid_from": "2026-06-01"},
                                                  headers={**api, "Accept-Language": "en"}).json["errors"][0]["detail"]
    assert client.post(url, json={"kind": "service", "valid_from": "2027-01-01"}, headers=api).status_code == 201
    agreement = next(a for a in client.get(url, headers=api).json["agreements"] if a["valid_until"])
    stretched = client.post(f"{url}/{agreement['id']}/end", json={"valid_until": "2026-07-01"}, headers=api)
    assert stretched.status_code == 422
    kept = [(a["kind"], a["valid_from"], a["valid_until"]) for a in client.get(url, headers=api).json["agreements"]]
    assert kept == [("connection", "2020-01-01", "2026-06-30"), ("connection", "2026-07-01", None),
                    ("service", "2027-01-01", None)]


def _cards(response) -> list[dict]:
    """The cards of an answer without the ids the portal gave them."""
    return [{k: v for k, v in card.items() if k != "id"} for card in response.json["pay_tv_cards"]]


def test_cards_are_replaced_and_another_customers_card_is_refused(client, api):
    theirs = {"card_number": "0100 8888 0002", "valid_until": "2029-01-31"}
    client.put("/api/v1/customers/100002/pay-tv-cards", json={"pay_tv_cards": [theirs]}, headers=api)
    body = {"pay_tv_cards": [{"card_number": "0100 9999 0001", "valid_until": "2029-01-31"}]}
    response = client.put("/api/v1/customers/100001/pay-tv-cards", json=body, headers=api)
    assert response.status_code == 200 and _cards(response) == body["pay_tv_cards"]
    read = client.get("/api/v1/customers/100001/pay-tv-cards", headers=api)
    assert read.json == response.json
    taken = client.put("/api/v1/customers/100001/pay-tv-cards",
                       json={"pay_tv_cards": [*body["pay_tv_cards"], theirs]}, headers=api)
    assert taken.status_code == 422 and taken.json["errors"][0]["field"] == "pay_tv_cards.1.card_number"
    twice = client.put("/api/v1/customers/100001/pay-tv-cards",
                       json={"pay_tv_cards": body["pay_tv_cards"] * 2}, headers=api)
    assert twice.status_code == 422 and twice.json["errors"][0]["field"] == "pay_tv_cards.1.card_number"
    assert _cards(client.get("/api/v1/customers/100002/pay-tv-cards", headers=api)) == [theirs]
    # A number is the same card however it is written; it is answered in groups of four.
    for written in ("0100-8888-0002", "010088880002"):
        again = client.put("/api/v1/customers/100001/pay-tv-cards",
                           json={"pay_tv_cards": [{**theirs, "card_number": written}]}, headers=api)
        assert again.status_code == 422 and again.json["errors"][0]["field"] == "pay_tv_cards.0.card_number"
    bad = client.put("/api/v1/customers/100001/pay-tv-cards", json={"pay_tv_cards": [
        {**theirs, "card_number": "x"}, {**theirs, "card_number": "０１００２３４５"}]}, headers=api)
    assert [e["field"] for e in bad.json["errors"]] == ["pay_tv_cards.0.card_number", "pay_tv_cards.1.card_number"]
    added = client.post("/api/v1/customers/100001/pay-tv-cards",
                        json={"card_number": "0100-7777-12", "valid_until": "2029-01-31"}, headers=api)
    assert added.status_code == 201 and added.json["card_number"] == "0100 7777 12"
    assert client.post("/api/v1/customers/100001/pay-tv-cards", json={"card_number": "-1", "valid_until": "2029-01-31"},
                       headers=api).json["errors"][0]["field"] == "card_number"


def test_a_list_read_can_be_sent_back_as_it_is(client, api):
    """The ids of a read are the portal's: a PUT of the same list, ids and all, changes nothing."""
    for path, key in (("agreements", "agreements"), ("pay-tv-cards", "pay_tv_cards")):
        url = f"/api/v1/customers/100001/{path}"
        read = client.get(url, headers=api).json
        assert read[key] and all("id" in row for row in read[key])
        again = client.put(url, json=read, headers=api)
        assert again.status_code == 200 and again.json == read


def test_one_agreement_is_added_ended_and_deleted_by_its_id(client, api):
    url = "/api/v1/customers/100004/agreements"
    added = client.post(url, json={"kind": "billing", "valid_from": "2026-12-01"}, headers=api)
    assert added.status_code == 201 and added.json["valid_until"] is None
    agreement = added.json["id"]
    assert added.json in client.get(url, headers=api).json["agreements"]
    ended = client.post(f"{url}/{agreement}/end", json={"valid_until": "2027-05-31"}, headers=api)
    assert ended.status_code == 200 and ended.json == {**added.json, "valid_until": "2027-05-31"}
    before = client.post(f"{url}/{agreement}/end", json={"valid_until": "2026-11-30"}, headers=api)
    assert before.status_code == 422 and before.json["errors"][0]["field"] == "valid_until"
    deleted = client.delete(f"{url}/{agreement}", headers=api)
    assert deleted.status_code == 204 and deleted.data == b"" and "Content-Type" not in deleted.headers
    assert all(a["id"] != agreement for a in client.get(url, headers=api).json["agreements"])
    assert client.delete(f"{url}/{agreement}", headers=api).status_code == 404
    actions = [e.action for e in db.session.query(AuditEvent).filter(
        AuditEvent.customer_id == customer("100004").id).order_by(AuditEvent.id)]
    assert actions[-3:] == ["agreement.saved", "agreement.saved", "agreement.deleted"]
    assert {e.actor_name for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("agreement.%"))} == {
        "API: Laskutus"}


def test_one_card_is_added_ended_and_deleted_and_its_number_then_free(client, api):
    url = "/api/v1/customers/100002/pay-tv-cards"
    card = {"card_number": "0100 7777 0003", "valid_until": "2028-12-31"}
    added = client.post(url, json=card, headers=api)
    assert added.status_code == 201 and {**added.json, "id": None} == {**card, "id": None}
    taken = client.post("/api/v1/customers/100001/pay-tv-cards", json=card, headers=api)
    assert taken.status_code == 422 and taken.json["errors"][0]["field"] == "card_number"
    ended = client.post(f"{url}/{added.json['id']}/end", json={"valid_until": "2027-01-31"}, headers=api)
    assert ended.json == {**added.json, "valid_until": "2027-01-31"}
    assert client.delete(f"{url}/{added.json['id']}", headers=api).status_code == 204
    assert client.post("/api/v1/customers/100001/pay-tv-cards", json=card, headers=api).status_code == 201


def test_a_row_is_reached_only_through_its_own_customer(client, api):
    """Another customer's agreement or card id is a 404, as an unknown one, and nothing changes."""
    matti = client.get("/api/v1/customers/100001", headers=api).json
    agreement, card = matti["agreements"][0]["id"], matti["pay_tv_cards"][0]["id"]
    for url in (f"/api/v1/customers/100002/agreements/{agreement}", f"/api/v1/customers/100002/pay-tv-cards/{card}"):
        assert client.post(f"{url}/end", json={"valid_until": "2026-12-31"}, headers=api).status_code == 404
        assert client.delete(url, headers=api).status_code == 404
    assert client.get("/api/v1/customers/100001", headers=api).json == matti


def test_a_single_change_moves_the_customer_into_updated_since(client, api):
    later = utcnow()
    client.post("/api/v1/customers/100004/agreements", json={"kind": "service", "valid_from": "2026-12-01"},
                headers=api)
    page = client.get("/api/v1/customers", query_string={"updated_since": later.isoformat()}, headers=api).json
    assert [c["customer_number"] for c in page["items"]] == ["100004"]


def test_subscriptions_are_read(client, api):
    response = client.get("/api/v1/customers/100001/subscriptions", headers=api)
    assert response.status_code == 200
    assert {"LAAJAKAISTA-100", "MIX-6"} <= {s["product"] for s in response.json["subscriptions"]}


def test_the_csv_import_and_the_api_save_through_the_same_function(client, api, monkeypatch):
    from app.services import customer_import

    seen = []
    original = customer_import._save
    monkeypatch.setattr(customer_import, "_save", lambda c, row: seen.append(row.values["customer_number"])
                        or original(c, row))
    client.put("/api/v1/customers/200001", json=NEW, headers=api)
    customer_import.import_customers(
        "customer_number;name;street_address;postal_code;city;phone;email;language;agreements;agreements_from\n"
        "200002;Eino Toinen;;;;;;;;\n")
    assert seen == ["200001", "200002"]


def test_every_refusal_is_said_in_the_requests_language(client, api):
    """The checks the schema library makes word their refusals in English; the API says them in
    the request's language (Finnish by default), as it says the portal's own rules."""
    body = {"name": "Aino\x1b", "city": "T" * 300, "language": "de", "postal_code": 33100, "shoe_size": 44}
    said = {}
    for language in ("fi", "sv", "en"):
        response = client.put("/api/v1/customers/100900", json=body,
                              headers={**api, "Accept-Language": language})
        assert response.status_code == 422
        said[language] = {error["field"]: error["detail"] for error in response.json["errors"]}
    assert said["fi"] == {"name": "Poista tekstistä ohjausmerkit.", "city": "Pituus enintään 100.",
                          "language": "Jokin kielistä fi, sv ja en; tyhjä pitää asiakkaan oman.",
                          "postal_code": "Ei tekstiä.", "shoe_size": "Tällaista kenttää ei ole."}
    assert said["sv"]["postal_code"] == "Inte text." and said["sv"]["shoe_size"] == "Det finns inget sådant fält."
    assert said["en"]["city"] == "At most 100 long."
    assert said["en"]["name"] == "Remove the control characters from the text."
    missing = client.put("/api/v1/customers/100900", json={}, headers=api)
    assert missing.json["errors"] == [{"field": "name", "detail": "Kenttä vaaditaan."}]
    not_json = client.put("/api/v1/customers/100900", data="{", headers={**api, "Content-Type": "application/json"})
    assert not_json.status_code == 400
    assert not_json.json["errors"] == [{"field": "body", "detail": "Runko ei ole JSONia."}]


def test_a_customers_every_refusal_comes_at_once(client, api):
    """The body's own refusals (a language) and the import's rules (a blank name, a postal code, a
    phone number) in one answer, not round after round."""
    response = client.put("/api/v1/customers/100001", json={"name": "  ", "postal_code": "1", "phone": "123",
                                                            "language": "de"}, headers=api)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"name", "postal_code", "phone", "language"}
    assert customer("100001").name == "Matti Virtanen"
