"""Request plumbing shared by every blueprint: the two renderings, finishing a POST, headers,
static URLs."""
import hashlib
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape
from werkzeug.routing import IntegerConverter
from wtforms import Form as WTForm

from app.extensions import login_manager
from app.models import Attachment, OperatorSettings
from app.services import attachments, audit, refused_pages, settings
from app.sessions import safe_next
from app.sqlite import end_writes

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

DB_INT_MAX = 2**31 - 1  # ids are 32-bit INTEGER columns


class DatabaseId(IntegerConverter):
    """`<int:…>` in a route: only numbers an id column can hold, so /tilaus/99999999999999999999
    is a 404 like any other missing id, not a database overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def int_arg(name: str, default: int | None = None, values=None) -> int | None:
    """A positive number from the query string (or `values`: a form's) that the database can hold;
    anything else is `default`."""
    value = (request.args if values is None else values).get(name, type=int)
    return value if value is not None and 0 < value <= DB_INT_MAX else default


# Everything under this path is the operator API: tokens, not sessions; JSON problems, not pages.
API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def is_partial() -> bool:
    """htmx 4 asks for a fragment with HX-Request-Type: partial."""
    return request.headers.get("HX-Request-Type") == "partial"


def _forms(context: dict) -> list[WTForm]:
    """The forms a page shows: given by name, or in a dict of them (a form per row); each once,
    though a page may name one form twice (the mail page's new-mailbox form is also its `posted`)."""
    found = {}
    for value in context.values():
        values = value.values() if isinstance(value, dict) else (value,)
        found.update((id(v), v) for v in values if isinstance(v, WTForm))
    return list(found.values())


def _fields_to_fix(form: WTForm) -> int:
    """Fields with a message of their own (a hidden one's is shown by the control it belongs to);
    what the form says as a whole is an alert of the form itself."""
    return sum(1 for field in form if field.errors and field.type != "CSRFTokenField")


def render(template: str, block: str | None = None, http_status: int | None = None, alert: str | None = None,
           new_page: bool = False, **context):
    """The whole page, or only `block` of the same template when htmx asks for a part.

    A form on the page with errors makes the answer a 422. An htmx answer also updates the
    layout's status region: the messages of this request, `alert` (an error the page says in its
    own body), and how many fields need attention; and for a GET (htmx moving to another view,
    such as a product group) or a `new_page` (a POST's answer that is a page of its own, such as a
    receipt) the page's title.
    """
    invalid = [form for form in _forms(context) if form.errors]
    if block and is_partial():
        title = render_block(template, "title", **context) if request.method == "GET" or new_page else None
        body = render_block(template, block, **context) + render_template(
            "_status.html", fields=sum(_fields_to_fix(form) for form in invalid), alert=alert,
            title=Markup(title) if title else None)  # noqa: S704 (autoescaped by Jinja)
    else:
        body = render_template(template, **context)
    response = make_response(body, http_status or (422 if invalid else 200))
    response.vary.add("HX-Request")
    response.vary.add("HX-Request-Type")
    return response


def done(message: str | None, url: str, template: str | None = None, block: str | None = None,
         push: bool = False, kind: str = "success", **context):
    """Finish a POST that succeeded: `message` goes to the status region (a success, or `kind`); without
    JavaScript a 303 to `url` (the page that shows the result), with htmx `block` of `template`
    in the same response (`push` puts `url` in the address bar, for a page of its own)."""
    if message:
        flash(message, kind)
    if block and is_partial():
        end_writes()
        response = render(template, block, new_page=push, **context)
        if push:
            response.headers["HX-Push-Url"] = url
        return response
    return redirect(url, 303)


def to_login(endpoint: str = "auth.login"):
    """A visitor without a session goes to the login page and, after it, back: to the page asked for,
    or for a form sent after the session ended, to the form's page (`form_page()`; the address the
    form was sent to may take no GET). htmx is told to load the login page as a whole page, not to
    put it in the part it asked for."""
    next_url = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else form_page()
    url = url_for(endpoint, next=next_url)
    if request.headers.get("HX-Request"):
        response = make_response("", 200)  # htmx reads HX-Redirect only from a 2xx answer
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


@login_manager.unauthorized_handler
def must_log_in():
    message = escape(login_manager.login_message)
    # Said once, however many pages were asked for before the login page came (a second tab, htmx).
    if not any(escape(waiting) == message for _kind, waiting in session.get("_flashes", ())):
        flash(login_manager.login_message, login_manager.login_message_category)
    return to_login(login_manager.login_view)


def this_page() -> str:
    """The address of the page the reader is on: for a POST, the form's page (`form_page()`), else
    Etusivu or the console's front page."""
    return form_page() or url_for("admin.index" if request.blueprint == "admin" else "dashboard.index")


def form_page() -> str | None:
    """The page a request's form is on: the address it was sent to, or, for an address that only
    takes forms (a mailbox's password), the page it was sent from, if a same-site Referer says so."""
    if request.method == "GET" or request.url_rule is None or "GET" in request.url_rule.methods:
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer._replace(scheme="", netloc="", fragment="").geturl())


# The session key of a refused form's page waiting for its GET.
REFUSED = "refused_page"


def redraw(template: str, block: str, **context):
    """Answer a POST that changes nothing but the form being written (a canned reply added to the text):
    with htmx `block` in place; without JavaScript the page is kept and shown by the GET of the form's
    page, as a refused form is, so no POST stays in the history."""
    response = render(template, block, **context)
    return response if is_partial() else _kept(response)


def redirect_refusal(response):
    """Post/redirect/get for refused forms too. Without JavaScript a refused form (422, the form
    again with its messages, or the refusal's page) is kept and the browser sent to the form's
    page, which shows it once: the POST never stays in the history, so Back after a later success
    does not ask to send it again. An htmx answer replaces a part of the page and leaves no entry."""
    if response.status_code != 422 or request.method != "POST" or is_partial() or is_api_request():
        return response
    return _kept(response)


def _kept(response):
    """The page kept for the GET of the form's page, and the browser sent there (303)."""
    page = form_page()
    if page is None:  # sent from no known page: answered in place
        return response
    session[REFUSED] = refused_pages.keep(page, response.get_data(as_text=True))
    return redirect(page, 303)


def show_refusal():
    """The GET that follows a refused form: its page, as it was drawn. The next GET, whatever it
    is, ends the wait, so the page is never shown later out of place."""
    if request.method != "GET" or REFUSED not in session or is_partial():
        return None
    body = refused_pages.take(session.pop(REFUSED), request.full_path.rstrip("?"))
    return make_response(body) if body is not None else None


def takes_files(view):
    """A view whose form carries files (attachments, a customer register to import): its request may be
    as large as the attachments allow."""
    view.max_content_length = attachments.REQUEST_LIMIT
    return view


def send_attachment(attachment: Attachment):
    """A message's attachment as a download, never shown in the page's place: its detected type,
    its name safe in any language (RFC 6266 with RFC 5987's filename*), no-store and nosniff as
    every answer (register())."""
    return send_file(attachments.path_of(attachment), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.name, etag=False, conditional=False)


def operator() -> OperatorSettings:
    """The operator's details, kept by the process until they change (services/settings.py)."""
    if (details := g.get("operator")) is None:  # once per request: the layout asks five times
        details = g.operator = settings.current_operator() or unnamed_operator()
    return details


def unnamed_operator() -> OperatorSettings:
    """For a page drawn before the operator has saved their details, or without the database."""
    return OperatorSettings(name="Omahallinta")


# Every page loads one script file: htmx and our own few lines joined, so a first visit
# stays within the budget of three requests (page, style sheet, script).
SCRIPT_BUNDLE = "app.js"
SCRIPTS = ("vendor/htmx-4.0.1.min.js", "counter.js", "scroll.js", "copy.js")


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


def tell_audit_who_acts() -> None:
    """Changes made in this request are recorded as the session's user's, from its address."""
    audit.acting(lambda: current_user if current_user.is_authenticated else None, request.remote_addr)


def forget_who_acted(_error=None) -> None:
    """The request is over: what happens next (a test, the command line) acts as "system"."""
    audit.acting(None, None)


def register(app: Flask) -> None:
    app.before_request(refuse_nul)
    app.before_request(tell_audit_who_acts)
    app.teardown_request(forget_who_acted)
    app.before_request(keep_staff_in_console)
    app.before_request(show_refusal)

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
        if request.endpoint == "static" and response.status_code == 200 and request.args.get("v") == \
                _static_version(current_app.static_folder, request.view_args["filename"]):
            # Kept for a year: a new file has a new address. Only the file's own version is: another
            # (a server of the old release asked for the new one) would be kept as that version.
            headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            # Pages and downloads (billing CSV and JSON, one's own data) carry personal data:
            # never kept by shared caches or the back button's disk.
            headers["Cache-Control"] = "no-store"
        return response

    # Registered last so it runs first: the redirect it may answer gets the headers above.
    app.after_request(redirect_refusal)
