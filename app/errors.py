"""Error pages in the user's language, inside the layout; never a stack trace. One handler turns
a service's refusal into the page: the form again with the message (422), the 404 page, or 429.
Under /api/ the same handlers answer an RFC 9457 problem (application/problem+json) instead."""
import contextlib
import inspect
import re
from datetime import UTC, datetime
from http import HTTPStatus

from flask import Flask, current_app, flash, g, jsonify, request
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge, ServiceUnavailable

from app.extensions import db, limiter, login_manager
from app.i18n import clock
from app.i18n import lazy_gettext as _l
from app.services import DomainError, NotFound, TooManyAttempts
from app.templating import file_size
from app.web import is_api_request, render, to_login, unnamed_operator

# Forms anyone may send without a session (logging in, the language, the outage search, an email
# change's confirmation), by blueprint or endpoint; any other form was drawn for a session.
OPEN_FORMS = {"auth", "language", "outages", "accessibility", "dev", "account.confirm_email"}
SESSION_ENDED = _l("Your session has ended, so the form was not sent. Log in, and send it again.")

MESSAGES = {
    400: (_l("Something was wrong with the request"), _l("Check the address and what was sent.")),
    401: (_l("Sign in first"), _l("This needs a valid API token: Authorization: Bearer followed by the token.")),
    403: (_l("No access"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("The page does not exist or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too much data"), _l("What you sent is too large. The limit is 1 MB.")),
    422: (_l("This cannot be done"), _l("Go back and check what you asked.")),
    429: (_l("Too many attempts"), _l("Please wait a while before trying again.")),
    500: (_l("Something went wrong"),
          _l("An error occurred on our side. Please try again in a moment.")),
    503: (_l("Service temporarily unavailable"),
          _l("The service is being serviced or is overloaded. Please try again in a few minutes.")),
}


FIELDS_REFUSED = _l("Check the fields named in errors.")

# marshmallow and webargs, which check the API's requests, word their refusals in English; the
# API says them in the request's language like its own. Their texts are fixed templates, so each
# is matched whole and said again with its values. A text not listed passes on as it is.
LIBRARY_MESSAGES = [(re.compile(pattern), message) for pattern, message in (
    (r"Missing data for required field\.", _l("This field is required.")),
    (r"Field may not be null\.", _l("This field cannot be null.")),
    (r"Unknown field\.", _l("There is no such field.")),
    (r"Invalid value\.", _l("Invalid value.")),
    (r"Invalid (input )?type\.", _l("The value is of the wrong type.")),
    (r"Not a valid (string|utf-8 string)\.", _l("Not text.")),
    (r"Not a valid integer\.", _l("Not an integer.")),
    (r"Not a valid number\.|Number too large\.", _l("Not a number this field takes.")),
    (r"Not a valid boolean\.", _l("Not true or false.")),
    (r"Not a valid date\.", _l("Not a date: write it as YYYY-MM-DD.")),
    (r"Not a valid datetime\.", _l("Not a time: write it in ISO 8601, e.g. 2026-11-29T08:00:00+02:00.")),
    (r"Not a valid (list|mapping type)\.", _l("The value is of the wrong type.")),
    (r"Invalid JSON body\.", _l("The body is not JSON.")),
    (r"Shorter than minimum length (?P<min>\d+)\.", _l("At least %(min)s long.")),
    (r"Longer than maximum length (?P<max>\d+)\.", _l("At most %(max)s long.")),
    (r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.", _l("From %(min)s to %(max)s long.")),
    (r"Must be one of: (?P<choices>.*)\.", _l("One of: %(choices)s.")),
    (r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.",
     _l("From %(min)s to %(max)s.")),
)]


def _in_language(message: str) -> str:
    for pattern, said in LIBRARY_MESSAGES:
        if found := pattern.fullmatch(message):
            return str(said) % found.groupdict() if found.groupdict() else str(said)
    return message


def _problem(code: int, detail=None, errors: dict | None = None, headers=()):
    """RFC 9457: the status's phrase as title (type about:blank), what went wrong in the request's
    language as detail, and each refused field of `errors` ({dotted field: message}) on its own."""
    body = {"type": "about:blank", "title": HTTPStatus(code).phrase, "status": code,
            "detail": str(detail or MESSAGES.get(code, MESSAGES[500])[1])}
    fields = [{"field": field, "detail": str(message)} for field, message in (errors or {}).items() if field]
    if fields:
        body["errors"] = fields
    response = jsonify(body)
    response.status_code = code
    response.mimetype = "application/problem+json"
    response.headers.extend(headers)
    return response


def _flat(messages, path: str = "") -> dict:
    """marshmallow's nested messages ({"json": {"agreements": {0: {"kind": [...]}}}}) as
    {"agreements.0.kind": "..."}; the location (json, query) is left out, and what marshmallow says
    of an object as a whole (`_schema`) is said of that object (of the `body` at the top)."""
    if isinstance(messages, dict):
        found = {}
        for key, value in messages.items():
            if key == "_schema" or not path and key in ("json", "query", "headers", "path"):
                inner = path
            else:
                inner = f"{path}.{key}".lstrip(".")
            found.update(_flat(value, inner))
        return found
    if isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        return {path or "body": " ".join(map(_in_language, messages))}
    return {path or "body": str(messages)}


def _http_problem(error: HTTPException):
    """A werkzeug error under /api/: its own headers (Allow, WWW-Authenticate) kept; the request's
    validation errors (webargs puts them in `data`) field by field."""
    code = error.code or 500
    messages = (getattr(error, "data", None) or {}).get("messages")
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    # Our own description (a missing permission, a stale If-Match), never werkzeug's English default.
    detail = error.description if error.description != type(error).description else None
    if messages:
        return _problem(code, FIELDS_REFUSED, _flat(messages), headers)
    return _problem(code, detail, headers=headers)


def _page(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])

    def page():
        # An htmx request gets only the message, for the status region; its target stays as it was.
        return render("errors/error.html", "error_status", code=code, title=title, text=detail or text,
                      http_status=code, alert=f"{title}. {detail or text}")

    try:
        return page()
    except DBAPIError:  # the database is away: the layout's operator and user could not be read
        _without_database()
        return page()


def _too_many(reset_at: float | None):
    """429, saying when the next try is possible (and Retry-After for programs)."""
    answer = _problem if is_api_request() else _page
    if reset_at is None:
        return answer(429)
    at = datetime.fromtimestamp(reset_at, UTC)
    response = answer(429, _l("You can try again at %(time)s.", time=clock(at)))  # after the title, "Too many attempts"
    response.headers["Retry-After"] = str(max(1, int(reset_at - datetime.now(UTC).timestamp())))
    return response


def _refused(error: DomainError):
    """A service said no to what a valid form asked: nothing it did stays, and the page the form
    came from is drawn again with the message on its field (app.forms.Form), answered 422."""
    db.session.rollback()
    if isinstance(error, TooManyAttempts):
        return _too_many(error.retry_at.timestamp())
    if is_api_request():
        fields = {field: message for field, message in error.errors.items() if field}
        return _problem(error.status, error.errors.get(None) or (FIELDS_REFUSED if fields else error.message), fields)
    if isinstance(error, NotFound):
        return _page(404)
    if request.method == "POST" and request.endpoint in current_app.view_functions and "redrawing" not in g:
        g.refusal = g.redrawing = error
        # The view itself, without its decorators: the login check has passed, and a rate limit
        # must not count the same request twice.
        view = inspect.unwrap(current_app.view_functions[request.endpoint])
        try:
            response = current_app.make_response(current_app.ensure_sync(view)(**request.view_args))
        except DomainError as again:  # the page itself cannot be drawn now (gone, or refused)
            return _refused(again)
        if "refusal" not in g:  # a form took the message and drew it
            response.status_code = DomainError.status
            return response
    return _page(DomainError.status, error.message)


def _without_database():
    """After a failure the page must render without touching the database, so it is drawn as
    for a visitor: the rollback (or a commit before the failure) has expired the user and the
    operator settings this request read, and reading them again could fail again."""
    with contextlib.suppress(Exception):  # the connection may be gone altogether
        db.session.rollback()
    g._login_user = login_manager.anonymous_user()
    g.operator = unnamed_operator()


def register(app: Flask) -> None:
    @app.teardown_appcontext
    def close_session(_error):
        """Postgres may close the connection after the response is made (a restart between the
        view and this teardown). The session's closing ROLLBACK then fails, but the server has
        already rolled back and the user has a finished page, which must not turn into a 500.
        Teardowns run last-registered first, so Flask-SQLAlchemy's own one finds no session."""
        try:
            db.session.remove()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            db.session.registry.clear()

    app.register_error_handler(DomainError, _refused)

    @app.errorhandler(RateLimitExceeded)
    def too_many(_error):
        current = limiter.current_limit
        return _too_many(current.reset_at if current is not None else None)

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        if not {request.blueprint, request.endpoint} & OPEN_FORMS and not current_user.is_authenticated:
            # Logged out in another tab, or timed out: the form's token went with its session. Said so,
            # and back to the form's page after logging in, as any page asked for without a session.
            flash(SESSION_ENDED, "info")
            return to_login("auth.staff_login" if request.blueprint == "admin" else "auth.login")
        return _page(400, _l("The form may have expired. Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            _without_database()
        if is_api_request():
            return _http_problem(error)
        if error.code == RequestEntityTooLarge.code:  # a form with attachments may be larger than the rest
            return _page(413, _l("What you sent is too large. The limit is %(size)s.",
                                 size=file_size(request.max_content_length)))
        return _page(error.code or 500)

    @app.errorhandler(RedisError)
    def rate_limits_down(error: RedisError):
        # The rate limits' storage away: nothing is let through uncounted (a login could be guessed
        # at without limit), so the answer is "unavailable for a while", as with the database away.
        app.logger.warning("rate limit storage unavailable: %s", error)
        return (_problem if is_api_request() else _page)(ServiceUnavailable.code)

    @app.errorhandler(OperationalError)
    def database_down(error: OperationalError):
        # The database away, or (on SQLite) "database is locked": either way the admin should read it.
        app.logger.warning("database unavailable: %s", error.orig)
        _without_database()
        return (_problem if is_api_request() else _page)(ServiceUnavailable.code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        _without_database()
        return (_problem if is_api_request() else _page)(InternalServerError.code)
