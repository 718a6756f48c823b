"""Request plumbing shared by every blueprint: the two renderings, headers, static URLs."""
import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2_fragments.flask import render_block

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
        g.operator = db.session.get(OperatorSettings, 1) or OperatorSettings(name="Omahallinta")
    return g.operator


@cache
def _static_version(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """A URL that changes with the file, so the file can be cached for a year."""
    path = Path(current_app.static_folder) / filename
    return url_for("static", filename=filename, v=_static_version(str(path)))


def menu() -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label in MENU if endpoint in current_app.view_functions]


# Blueprints a staff session may use; every other page is a customer's.
STAFF_BLUEPRINTS = {"admin", "auth", "dev"}


def keep_staff_in_console():
    """A staff session is never served a customer page (current_user.customer is None for staff)."""
    if request.blueprint and request.blueprint not in STAFF_BLUEPRINTS \
            and current_user.is_authenticated and current_user.customer is None:
        return redirect(url_for("admin.index"), 303)
    return None


def register(app: Flask) -> None:
    app.before_request(keep_staff_in_console)
    app.jinja_env.globals.update(static_url=static_url, menu=menu, operator=operator,
                                  is_partial=is_partial, get_locale=get_locale)
    app.jinja_env.filters.update(money=i18n.money, monthly=i18n.monthly, number=i18n.number, day=i18n.day)

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
