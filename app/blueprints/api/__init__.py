"""/api/v1: the operator API for the billing and network systems an ISP already runs.

Thin handlers over the same services the console uses; request and response bodies are the
marshmallow schemas of schemas.py, from which flask-smorest makes /api/v1/openapi.json. Every
resource group is a blueprint made by `resource()`: a token with the group's read scope may GET
it, with its write scope change it. Errors are answered by app/errors.py as RFC 9457 problems.
"""
from flask import current_app, g, request
from flask_smorest import Blueprint
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from app.extensions import api, csrf, limiter
from app.services import api_tokens, audit

PREFIX = "/api/v1"
BEARER = "bearer"


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == BEARER else None


def rate_limit_key() -> str:
    """One budget per token (its digest, so the key is the same whichever server answers)."""
    token = _bearer()
    return f"api:{api_tokens.digest(token)}" if token else f"api-anonymous:{request.remote_addr}"


def _authenticate(group: str) -> None:
    """The request's token, and the scope its method needs on this group; 401 or 403 otherwise."""
    text = _bearer()
    token = api_tokens.authenticate(text) if text else None
    if token is None:
        raise Unauthorized(www_authenticate=WWWAuthenticate(BEARER, {"realm": "api"}))
    access = "read" if request.method in ("GET", "HEAD") else "write"
    if f"{group}:{access}" not in token.scope_set:
        raise Forbidden(f"This token may not {access} {group}.")
    g.api_token = token
    audit.acting(lambda: None, request.remote_addr, f"API: {token.name}")


def resource(group: str, import_name: str, description: str) -> Blueprint:
    """A blueprint of the group: token and scope checked, per-token rate limit, no CSRF (no cookies)."""
    bp = Blueprint(f"api_{group}", import_name, url_prefix=PREFIX, description=description)
    bp.before_request(lambda: _authenticate(group))
    csrf.exempt(bp)
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(bp)
    return bp


def register(app) -> None:
    from app.blueprints.api import catalog, customers, feedback, orders

    api.spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{BEARER: []}]
    for module in (customers, orders, catalog, feedback):
        api.register_blueprint(module.bp)
