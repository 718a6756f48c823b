"""/api/v1: the operator API for the billing and network systems an ISP already runs.

Thin handlers over the same services the console uses; request and response bodies are the
marshmallow schemas of schemas.py, from which flask-smorest makes /api/v1/openapi.json. Every
resource group is a blueprint made by `resource()`: a token with the group's read scope may GET
it, with its write scope change it. Errors are answered by app/errors.py as RFC 9457 problems.
"""
import functools
import hashlib
import json

from flask import current_app, g, request
from flask_smorest import Blueprint
from marshmallow import Schema
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    Unauthorized,
    UnprocessableEntity,
    UnsupportedMediaType,
)

from app.extensions import api, csrf, limiter
from app.i18n import lazy_gettext as _l
from app.services import api_tokens, audit, idempotency

PREFIX = "/api/v1"
BEARER = "bearer"


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == BEARER else None


def _token():
    """The request's usable token, or None: looked up once, for the rate limit and the scope check."""
    if "api_token_found" not in g:
        text = _bearer()
        g.api_token_found = api_tokens.authenticate(text) if text else None
    return g.api_token_found


def rate_limit_key() -> str:
    """One budget per usable token (its digest, so the key is the same whichever server answers), else
    one per address: a made-up token has no budget of its own, or each would be a fresh one."""
    token = _token()
    return f"api:{token.token_hash}" if token else f"api-anonymous:{request.remote_addr}"


def _authenticate(group: str) -> None:
    """The request's token, and the scope its method needs on this group; 401 or 403 otherwise."""
    token = _token()
    if token is None:
        raise Unauthorized(www_authenticate=WWWAuthenticate(BEARER, {"realm": "api"}))
    scope = f"{group}:{'read' if request.method in ('GET', 'HEAD') else 'write'}"
    if scope not in token.scope_set:
        raise Forbidden(str(_l("The token does not have the permission %(scope)s.", scope=scope)))
    g.api_token = token
    audit.acting(lambda: None, request.remote_addr, f"API: {token.name}")


IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 100},
                   "description": "Any unique text, e.g. a UUID: sent again with the same request, the first "
                                  "answer comes back and nothing is done twice"}


def idempotent(view):
    """Mark a POST that creates something: it honours Idempotency-Key, and the document says so.
    The work is done by `_claim` and `_settle` around the request, so the mark may stand anywhere
    among the view's decorators."""
    view.idempotent = True
    return Blueprint.doc(parameters=[IDEMPOTENCY_KEY])(view)


def _fingerprint() -> str:
    """What a retry must repeat: the method, the path and the body; a JSON body as what it says, its
    keys in order and without its spacing, so a retry that writes the same object another way is the
    same request. A body that is no JSON is taken as it is (the view refuses it)."""
    body = request.get_data()
    try:
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        pass
    return hashlib.sha256(b"\n".join((request.method.encode(), request.path.encode(), body))).hexdigest()


def _claim():
    """Before a marked view: take the request's key, or answer a retry as the first time."""
    sent = request.headers.get("Idempotency-Key")
    view = current_app.view_functions.get(request.endpoint)
    if sent is None or not getattr(view, "idempotent", False):
        return None
    key = sent.strip()
    if not key:  # a key of spaces would otherwise be no key: the retry it was sent for would do it again
        raise BadRequest(str(_l("The Idempotency-Key is empty.")))
    if len(key) > IDEMPOTENCY_KEY["schema"]["maxLength"]:
        raise BadRequest(str(_l("The Idempotency-Key is too long.")))
    claim = idempotency.claim(g.api_token.id, key, _fingerprint())
    if claim.mismatch:
        raise UnprocessableEntity(str(_l("This Idempotency-Key was used with another request.")))
    if claim.busy:
        raise Conflict(str(_l("A request with this Idempotency-Key is still being answered.")))
    if claim.replay:
        status, body = claim.replay
        response = current_app.response_class(body, status, mimetype="application/json") if body else nothing(status)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    g.idempotency_claim = claim.id
    return None


def _settle(response):
    """After a claimed request: keep a success's answer for retries; a failure frees the key."""
    claim_id = g.pop("idempotency_claim", None)
    if claim_id is not None:
        if response.status_code < 300:
            idempotency.remember(claim_id, response.status_code, response.get_data(as_text=True))
        else:
            idempotency.forget(claim_id)
    return response


def nothing(status: int):
    """An answer without a body (flask-smorest would send "" as JSON), so without a media type."""
    response = current_app.response_class(status=status)
    del response.headers["Content-Type"]
    return response


class Parser(FlaskParser):
    """webargs' parser of the requests, but a body sent under another media type is refused as such
    (webargs would read it as no body, and every required field would be called missing), and a body
    nested deeper than Python's JSON reader goes is not JSON either (it raised RecursionError: a 500)."""

    def _raw_load_json(self, req):
        if not is_json_request(req) and req.get_data(cache=True):
            raise UnsupportedMediaType(str(_l("Send JSON with Content-Type application/json.")))
        try:
            return super()._raw_load_json(req)
        except RecursionError as error:
            raise json.JSONDecodeError("nested too deeply", "[…]", 0) from error


class Resource(Blueprint):
    """A resource group's blueprint, with one way to declare a route (`call`) and one way of a list
    read a page at a time (`page`)."""

    ARGUMENTS_PARSER = Parser()

    def call(self, method: str, rule: str, answer: type[Schema] | None, *, status: int = 200,
             body: type[Schema] | None = None, query: type[Schema] | None = None, endpoint: str | None = None,
             **response):
        """The route `method rule`, answered with `status` and `answer`'s body (`response` says more of
        the answer, for the document). The view takes the JSON `body`, when the route has one, as its
        first argument, and the fields of the `query` schema as keyword arguments."""
        layers = [self.route(rule, methods=[method], endpoint=endpoint)]
        if body is not None:
            layers.append(self.arguments(body))
        if query is not None:
            layers.append(self.arguments(query, location="query", as_kwargs=True))
        layers.append(self.response(status, answer, **response))
        return lambda view: functools.reduce(lambda inner, layer: layer(inner), reversed(layers), view)

    def page(self, rule: str, query: type[Schema], page: type[Schema]):
        """A GET of items in id order, a page after the id `after` (the query is a PageQuerySchema): the view
        takes the query's fields as arguments and returns the page's items, answered as `page`'s `items`."""
        def decorator(view):
            @functools.wraps(view)
            def items(**arguments):
                return {"items": view(**arguments)}
            return self.call("GET", rule, page, query=query)(items)
        return decorator


def resource(group: str, import_name: str, description: str) -> Resource:
    """A blueprint of the group: token and scope checked, per-token rate limit, no CSRF (no cookies)."""
    bp = Resource(f"api_{group}", import_name, url_prefix=PREFIX, description=description)
    bp.before_request(lambda: _authenticate(group))
    bp.before_request(_claim)
    bp.after_request(_settle)
    csrf.exempt(bp)
    # One budget per token over the whole API (a limit of each route would give it one per route).
    limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=rate_limit_key)(bp)
    return bp


def register(app) -> None:
    from app.blueprints.api import catalog, customers, feedback, invoices, orders, outages

    api.spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{BEARER: []}]
    for module in (customers, orders, catalog, feedback, invoices, outages):
        api.register_blueprint(module.bp)
