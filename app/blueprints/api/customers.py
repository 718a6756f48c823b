"""Customers by customer number: list, read, upsert (the import's function), close, invite;
their agreements and pay-TV cards (the whole list, or one added, ended or deleted) and subscriptions."""
import hashlib
import json

from flask import request
from werkzeug.exceptions import PreconditionFailed

from app.blueprints.api import PREFIX, idempotent, resource
from app.blueprints.api.schemas import (
    AgreementSchema,
    AgreementsSchema,
    CustomerInputSchema,
    CustomerPageSchema,
    CustomerQuerySchema,
    CustomerSchema,
    EndSchema,
    PayTvCardSchema,
    PayTvCardsSchema,
    SubscriptionsSchema,
)
from app.i18n import lazy_gettext as _l
from app.models import Customer
from app.services import customer_import, customers, subscriptions

bp = resource("customers", __name__, "Customers, their agreements, pay-TV cards and subscriptions "
                                     "(scopes customers:read, customers:write)")
ETAG = {"ETag": {"description": "The version of the customer, for If-Match", "schema": {"type": "string"}}}
CUSTOMER = "/customers/{customer_number}"


def links(*statuses: int, **targets: tuple[str, str, dict]) -> dict:
    """OpenAPI links of the answers with these statuses: name=(path, method, parameters as runtime
    expressions), for clients and Schemathesis' stateful run; the customer's number is the request's own."""
    def ref(path: str, method: str) -> str:
        return "#/paths/" + (PREFIX + path).replace("~", "~0").replace("/", "~1") + "/" + method

    answer = {"links": {name: {"operationRef": ref(path, method),
                               "parameters": {"customer_number": "$request.path.customer_number", **parameters}}
                        for name, (path, method, parameters) in targets.items()}}
    return {"responses": {str(status): answer for status in statuses}}


CUSTOMER_LINKS = {"Read": (CUSTOMER, "get", {}), "Agreements": (CUSTOMER + "/agreements", "get", {}),
                  "PayTvCards": (CUSTOMER + "/pay-tv-cards", "get", {}),
                  "Subscriptions": (CUSTOMER + "/subscriptions", "get", {})}


def row_links(rows: str, id_name: str) -> dict:
    """An added row's id leads to ending and deleting that row."""
    row, by_id = f"{CUSTOMER}/{rows}/{{{id_name}}}", {id_name: "$response.body#/id"}
    return links(201, End=(row + "/end", "post", by_id), Delete=(row, "delete", by_id))


def etag(customer: Customer) -> str:
    """The customer's version: a digest of what a read answers, so any change to it changes the tag."""
    body = json.dumps(CustomerSchema().dump(customer), sort_keys=True)
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def _check_if_match(customer: Customer | None) -> None:
    """A write sent with If-Match applies only to the version it names (412 otherwise); "*" to any."""
    if request.if_match and (customer is None or not request.if_match.contains_raw(etag(customer))):
        raise PreconditionFailed(str(_l("The customer has changed since you read it: read it again.")))


@bp.get("/customers")
@bp.arguments(CustomerQuerySchema, location="query", as_kwargs=True)
@bp.response(200, CustomerPageSchema)
def customer_list(limit: int, cursor: str | None = None, updated_since=None):
    """Customers in customer-number order, a page at a time; with `updated_since`, only those changed since."""
    page = customers.changed_since(updated_since, cursor, limit + 1)
    return {"items": page[:limit], "next_cursor": page[limit - 1].customer_number if len(page) > limit else None}


@bp.get("/customers/<customer_number>")
@bp.response(200, CustomerSchema, headers=ETAG)
def customer_read(customer_number: str):
    customer = customers.by_number(customer_number)
    return customer, 200, {"ETag": etag(customer)}


@bp.put("/customers/<customer_number>")
@bp.arguments(CustomerInputSchema)
@bp.response(200, CustomerSchema, headers=ETAG, description="Updated (or nothing changed)")
@bp.alt_response(201, schema=CustomerSchema, headers=ETAG, description="Created")
@bp.alt_response(412, response="PRECONDITION_FAILED")
@bp.doc(**links(200, 201, **CUSTOMER_LINKS))
def customer_put(values: dict, customer_number: str):
    """Create or update the customer with this number, by the CSV import's rules; the same body
    again changes nothing. Send `If-Match` with the ETag of a read to refuse a stale write."""
    _check_if_match(customers.find_by_number(customer_number))
    customer, created = customer_import.upsert_customer({**values, "customer_number": customer_number})
    return customer, 201 if created else 200, {"ETag": etag(customer)}


@bp.post("/customers/<customer_number>/close")
@bp.response(200, CustomerSchema, headers=ETAG)
def customer_close(customer_number: str):
    """The customer can no longer log in and every session ends; the records stay."""
    customer = customers.by_number(customer_number)
    customers.close(customer)
    return customer, 200, {"ETag": etag(customer)}


@bp.post("/customers/<customer_number>/invite")
@idempotent
@bp.response(202, description="The first-login link is on its way to the customer's email")
def customer_invite(customer_number: str):
    customers.invite(customers.by_number(customer_number))
    return ""


@bp.get("/customers/<customer_number>/agreements")
@bp.response(200, AgreementsSchema)
def agreements_read(customer_number: str):
    return customers.by_number(customer_number)


@bp.put("/customers/<customer_number>/agreements")
@bp.arguments(AgreementsSchema)
@bp.response(200, AgreementsSchema)
def agreements_replace(values: dict, customer_number: str):
    """The customer's agreements become exactly these (add, change and end by sending the whole list)."""
    customer = customers.by_number(customer_number)
    customers.replace_agreements(customer, values["agreements"])
    return customer


@bp.post("/customers/<customer_number>/agreements")
@idempotent
@bp.arguments(AgreementSchema)
@bp.response(201, AgreementSchema, description="Added")
@bp.doc(**row_links("agreements", "agreement_id"))
def agreement_add(values: dict, customer_number: str):
    """Add one agreement, as the console's "add"; the others stay as they are."""
    return customers.save_agreement(customers.by_number(customer_number), None, **values)


@bp.post("/customers/<customer_number>/agreements/<int:agreement_id>/end")
@bp.arguments(EndSchema)
@bp.response(200, AgreementSchema)
def agreement_end(values: dict, customer_number: str, agreement_id: int):
    """The agreement is in force up to and including `valid_until`."""
    return customers.end_agreement(customers.by_number(customer_number), agreement_id, values["valid_until"])


@bp.delete("/customers/<customer_number>/agreements/<int:agreement_id>")
@bp.response(204)
def agreement_delete(customer_number: str, agreement_id: int):
    """Remove an agreement entered by mistake; one that ended is ended, not removed."""
    customers.delete_agreement(customers.by_number(customer_number), agreement_id)


@bp.get("/customers/<customer_number>/pay-tv-cards")
@bp.response(200, PayTvCardsSchema)
def cards_read(customer_number: str):
    return customers.by_number(customer_number)


@bp.put("/customers/<customer_number>/pay-tv-cards")
@bp.arguments(PayTvCardsSchema)
@bp.response(200, PayTvCardsSchema)
def cards_replace(values: dict, customer_number: str):
    customer = customers.by_number(customer_number)
    customers.replace_cards(customer, values["pay_tv_cards"])
    return customer


@bp.post("/customers/<customer_number>/pay-tv-cards")
@idempotent
@bp.arguments(PayTvCardSchema)
@bp.response(201, PayTvCardSchema, description="Added")
@bp.doc(**row_links("pay-tv-cards", "card_id"))
def card_add(values: dict, customer_number: str):
    """Add one card; a number another customer has is refused."""
    return customers.save_card(customers.by_number(customer_number), None, **values)


@bp.post("/customers/<customer_number>/pay-tv-cards/<int:card_id>/end")
@bp.arguments(EndSchema)
@bp.response(200, PayTvCardSchema)
def card_end(values: dict, customer_number: str, card_id: int):
    """The card is valid up to and including `valid_until`."""
    return customers.save_card(customers.by_number(customer_number), card_id, "", values["valid_until"])


@bp.delete("/customers/<customer_number>/pay-tv-cards/<int:card_id>")
@bp.response(204)
def card_delete(customer_number: str, card_id: int):
    """Take the card from the customer; its number is free for another."""
    customers.delete_card(customers.by_number(customer_number), card_id)


@bp.get("/customers/<customer_number>/subscriptions")
@bp.response(200, SubscriptionsSchema)
def subscriptions_read(customer_number: str):
    customer = customers.by_number(customer_number)
    return {"subscriptions": subscriptions.subscriptions_of(customer.id)}
