"""Customers by customer number: list, read, upsert (the import's function), close, invite;
their agreements and pay-TV cards (the whole list, or one added, ended or deleted) and subscriptions."""
import hashlib
import json
import re

from flask import request
from marshmallow import Schema
from werkzeug.exceptions import BadRequest, PreconditionFailed

from app.blueprints.api import PREFIX, idempotent, nothing, resource, schemas
from app.extensions import compress
from app.i18n import lazy_gettext as _l
from app.models import Customer
from app.services import DomainError, accounts, customer_import, customers, subscriptions

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
    # Keyed by number, as flask-smorest keys its own answers, so the links merge into the documented answer.
    return {"responses": {status: answer for status in statuses}}


CUSTOMER_LINKS = {"Read": (CUSTOMER, "get", {}), "Agreements": (CUSTOMER + "/agreements", "get", {}),
                  "PayTvCards": (CUSTOMER + "/pay-tv-cards", "get", {}),
                  "Subscriptions": (CUSTOMER + "/subscriptions", "get", {})}


def row_links(rows: str, id_name: str) -> dict:
    """An added row's id leads to ending and deleting that row."""
    row, by_id = f"{CUSTOMER}/{rows}/{{{id_name}}}", {id_name: "$response.body#/id"}
    return links(201, End=(row + "/end", "post", by_id), Delete=(row, "delete", by_id))


def etag(customer: Customer) -> str:
    """The customer's version: a digest of what a read answers, so any change to it changes the tag."""
    body = json.dumps(schemas.CustomerSchema().dump(customer), sort_keys=True)
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


# RFC 9110's If-Match: "*", or entity tags in quotes (a weak one W/"…"), separated by commas.
IF_MATCH = re.compile(r'\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*')


def _check_if_match(customer: Customer | None) -> None:
    """A write sent with If-Match applies only to the version it names (412 otherwise); "*" to any.
    A tag without its quotes, or an empty header, is refused (400): read as no condition, the write a
    client meant to guard would apply whatever the version."""
    sent = request.headers.get("If-Match")
    if sent is None:
        return
    if not IF_MATCH.fullmatch(sent.strip()):
        raise BadRequest(str(_l('If-Match takes the ETag as a read gave it, in its quotes ("…"), or *.')))
    if customer is None or not any(request.if_match.contains_raw(tag) for tag in _as_read(etag(customer))):
        raise PreconditionFailed(str(_l("The customer has changed since you read it: read it again.")))


def _as_read(tag: str) -> list[str]:
    """The tag as a read may have given it: Flask-Compress writes the content coding into a compressed
    answer's strong tag (`"…:gzip"`), so a client that accepts compression (curl --compressed, most
    HTTP libraries) reads that form and sends it back."""
    return [tag, *(f'{tag[:-1]}:{coding}"' for coding in compress.enabled_algorithms)]


def _to_change(customer_number: str) -> Customer:
    """The customer a write changes. The customer's ETag covers its agreements and cards, so a write
    to any of them sent with If-Match applies only to the version it names, as a PUT of the customer."""
    customer = customers.by_number(customer_number)
    _check_if_match(customer)
    return customer


@bp.call("GET", "/customers", schemas.CustomerPageSchema, query=schemas.CustomerQuerySchema)
def customer_list(limit: int, cursor: str | None = None, updated_since=None):
    """Customers in customer-number order, a page at a time; with `updated_since`, only those changed since."""
    page = customers.changed_since(updated_since, cursor, limit + 1)
    return {"items": page[:limit], "next_cursor": page[limit - 1].customer_number if len(page) > limit else None}


@bp.call("GET", "/customers/<customer_number>", schemas.CustomerSchema, headers=ETAG)
def customer_read(customer_number: str):
    customer = customers.by_number(customer_number)
    return customer, 200, {"ETag": etag(customer)}


@bp.call("PUT", "/customers/<customer_number>", schemas.CustomerSchema,
         body=schemas.CustomerInputSchema, headers=ETAG, description="Updated (or nothing changed)")
@bp.alt_response(201, schema=schemas.CustomerSchema, headers=ETAG, description="Created")
@bp.alt_response(412, response="PRECONDITION_FAILED")
@bp.doc(**links(200, 201, **CUSTOMER_LINKS))
def customer_put(values: dict, customer_number: str):
    """Create or update the customer with this number, by the CSV import's rules; the same body
    again changes nothing. Send `If-Match` with the ETag of a read to refuse a stale write."""
    if not customer_import.NUMBER.fullmatch(customer_number):  # as the path reads it: "200001 " is not 200001
        raise DomainError(_l("customer_number must be digits"), field="customer_number")
    _check_if_match(customers.find_by_number(customer_number))
    customer, created = customer_import.upsert_customer({**values, "customer_number": customer_number})
    return customer, 201 if created else 200, {"ETag": etag(customer)}


@bp.call("POST", "/customers/<customer_number>/close", schemas.CustomerSchema, headers=ETAG)
@bp.alt_response(412, response="PRECONDITION_FAILED")
def customer_close(customer_number: str):
    """The customer can no longer log in and every session ends; the records stay."""
    customer = _to_change(customer_number)
    customers.close(customer)
    return customer, 200, {"ETag": etag(customer)}


@bp.call("POST", "/customers/<customer_number>/invite", None, status=202,
         description="The first-login link is on its way to the customer's email")
@idempotent
def customer_invite(customer_number: str):
    accounts.invite(customers.by_number(customer_number))
    return nothing(202)


def customer_rows(one: str, rows: str, schema: type[Schema], list_schema: type[Schema], *, replace, add, end,
                  delete, says: dict[str, str]) -> None:
    """The routes of one kind of a customer's rows (agreements, pay-TV cards), each by the console's own
    function: the whole list read or replaced, one row added, ended or deleted. `one` names a row in the
    endpoints and its id, `rows` is the path below the customer and the list's field; `says` is what the
    document says of each change."""
    collection = f"/customers/<customer_number>/{rows}"
    # The row's id keeps its own name in the URL (agreement_id, card_id), as clients and links know it,
    # so the views below take it by that name.
    row, id_name = f"{collection}/<int:{one}_id>", f"{one}_id"

    def saying(what: str):
        """The view's docstring, which becomes its summary in the document."""
        def mark(view):
            view.__doc__ = says.get(what)
            return view
        return mark

    @bp.call("GET", collection, list_schema, endpoint=f"{one}s_read")
    def read(customer_number: str):
        return customers.by_number(customer_number)

    @bp.call("PUT", collection, list_schema, body=list_schema, endpoint=f"{one}s_replace")
    @bp.alt_response(412, response="PRECONDITION_FAILED")
    @saying("replace")
    def replace_all(values: dict, customer_number: str):
        customer = _to_change(customer_number)
        replace(customer, values[rows.replace("-", "_")])
        return customer

    @bp.call("POST", collection, schema, status=201, body=schema, endpoint=f"{one}_add", description="Added")
    @bp.alt_response(412, response="PRECONDITION_FAILED")
    @saying("add")
    @idempotent
    @bp.doc(**row_links(rows, id_name))
    def add_one(values: dict, customer_number: str):
        return add(_to_change(customer_number), None, **values)

    @bp.call("POST", f"{row}/end", schema, body=schemas.EndSchema, endpoint=f"{one}_end")
    @bp.alt_response(412, response="PRECONDITION_FAILED")
    @saying("end")
    def end_one(values: dict, customer_number: str, **row_id: int):
        return end(_to_change(customer_number), row_id[id_name], values["valid_until"])

    @bp.call("DELETE", row, None, status=204, endpoint=f"{one}_delete")
    @bp.alt_response(412, response="PRECONDITION_FAILED")
    @saying("delete")
    def delete_one(customer_number: str, **row_id: int):
        delete(_to_change(customer_number), row_id[id_name])
        return nothing(204)


customer_rows("agreement", "agreements", schemas.AgreementSchema, schemas.AgreementsSchema,
              replace=customers.replace_agreements, add=customers.save_agreement, end=customers.end_agreement,
              delete=customers.delete_agreement, says={
                  "replace": "The customer's agreements become exactly these (add, change and end by sending the "
                             "whole list).",
                  "add": "Add one agreement, as the console's \"add\"; the others stay as they are.",
                  "end": "The agreement is in force up to and including `valid_until`.",
                  "delete": "Remove an agreement entered by mistake; one that ended is ended, not removed."})
customer_rows("card", "pay-tv-cards", schemas.PayTvCardSchema, schemas.PayTvCardsSchema,
              replace=customers.replace_cards, add=customers.save_card, end=customers.end_card,
              delete=customers.delete_card, says={
                  "add": "Add one card; a number another customer has is refused.",
                  "end": "The card is valid up to and including `valid_until`.",
                  "delete": "Take the card from the customer; its number is free for another."})


@bp.call("GET", "/customers/<customer_number>/subscriptions", schemas.SubscriptionsSchema)
def subscriptions_read(customer_number: str):
    customer = customers.by_number(customer_number)
    return {"subscriptions": subscriptions.subscriptions_of(customer.id)}
