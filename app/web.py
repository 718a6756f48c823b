"""Request plumbing shared by every blueprint: the two renderings, headers, static URLs."""
import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, abort, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2_fragments.flask import render_block
from werkzeug.routing import IntegerConverter

from app import i18n
from app.extensions import db
from app.models import OperatorSettings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# The seed's menu, in its order and words; an entry shows once its page exists.
MENU = (
    ("orders.catalog", _l("Order")),
    ("mix.edit", _l("Edit MIX package")),
    ("services.index", _l("Ordered services")),
    ("account.details", _l("User details")),
    ("support.index", _l("Customer service")),
    ("mail.index", _l("Email management")),
    ("account.password", _l("Change password")),
)


DB_INT_MAX = 2**31 - 1  # ids are 32-bit INTEGER columns


class DatabaseId(IntegerConverter):
    """`<int:…>` in a route: only numbers an id column can hold, so /tilaus/99999999999999999999
    is a 404 like any other missing id, not a database overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def int_arg(name: str, default: int | None = None) -> int | None:
    """A positive number from the query string that the database can hold; anything else is `default`."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= DB_INT_MAX else default


def is_partial() -> bool:
    """htmx 4 asks for a fragment with HX-Request-Type: partial."""
    return request.headers.get("HX-Request-Type") == "partial"


def render(template: str, block: str | None = None, status: int = 200, **context):
    """The whole page, or only `block` of the same template when htmx asks for a part."""
    if block and is_partial():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    response.vary.add("HX-Request-Type")
    return response


def operator() -> OperatorSettings:
    """The operator's details, read once per request."""
    if "operator" not in g:
        g.operator = db.session.get(OperatorSettings, 1) or unnamed_operator()
    return g.operator


def unnamed_operator() -> OperatorSettings:
    """For a page drawn before the operator has saved their details, or without the database."""
    return OperatorSettings(name="Omahallinta")


# Every page loads one script file: htmx and our own few lines joined, so a first visit
# stays within the budget of three requests (page, style sheet, script).
SCRIPT_BUNDLE = "app.js"
SCRIPTS = ("vendor/htmx-4.0.1.min.js", "counter.js", "scroll.js")


@cache
def static_bytes(folder: str, filename: str) -> bytes:
    if filename == SCRIPT_BUNDLE:
        return b"\n".join(Path(folder, name).read_bytes() for name in SCRIPTS)
    return Path(folder, filename).read_bytes()


@cache
def _static_version(folder: str, filename: str) -> str:
    return hashlib.sha256(static_bytes(folder, filename)).hexdigest()[:12]


def static_url(filename: str) -> str:
    """A URL that changes with the file, so the file can be cached for a year."""
    return url_for("static", filename=filename, v=_static_version(current_app.static_folder, filename))


def menu() -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label in MENU if endpoint in current_app.view_functions]


# Blueprints a staff session may use (the footer's language switcher and accessibility statement
# included); every other page is a customer's.
STAFF_BLUEPRINTS = {"admin", "auth", "dev", "language", "accessibility"}


def keep_staff_in_console():
    """A staff session is never served a customer page (current_user.customer is None for staff)."""
    if request.blueprint and request.blueprint not in STAFF_BLUEPRINTS \
            and current_user.is_authenticated and current_user.customer is None:
        return redirect(url_for("admin.index"), 303)
    return None


def refuse_nul() -> None:
    """A NUL character belongs in no address, and Postgres cannot store or compare one in text:
    such an address is malformed (400), refused before its path or query reaches a query.
    (Form fields say it next to the field: app/validators.py refuses control characters.)"""
    if "\x00" in request.path or any("\x00" in value for _, values in request.args.lists() for value in values):
        abort(400)


def register(app: Flask) -> None:
    app.before_request(refuse_nul)
    app.before_request(keep_staff_in_console)
    app.jinja_env.globals.update(static_url=static_url, menu=menu, operator=operator,
                                  is_partial=is_partial, get_locale=get_locale)
    app.jinja_env.filters.update(money=i18n.money, monthly=i18n.monthly, number=i18n.number, day=i18n.day,
                                 localized=i18n.localized)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint == "static" and request.args.get("v"):
            headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif response.mimetype == "text/html":
            # Pages carry personal data: never kept by shared caches or the back button's disk.
            headers["Cache-Control"] = "no-store"
        return response
