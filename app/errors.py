"""Error pages in the user's language, inside the layout; never a stack trace."""
import contextlib
from datetime import UTC, datetime

from flask import Flask, g
from flask_babel import format_time
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from app.extensions import db, limiter, login_manager
from app.web import render, unnamed_operator

MESSAGES = {
    400: (_l("Something was wrong with the request"),
          _l("The form may have expired. Go back, reload the page and try again.")),
    403: (_l("No access"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("The page does not exist or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too much data"), _l("What you sent is too large. The limit is 1 MB.")),
    429: (_l("Too many attempts"), _l("Please wait a while before trying again.")),
    500: (_l("Something went wrong"),
          _l("An error occurred on our side. Please try again in a moment.")),
    503: (_l("Service temporarily unavailable"),
          _l("The service is being serviced or is overloaded. Please try again in a few minutes.")),
}


def _page(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    # An htmx request gets only the message, for the status region; its target stays as it was.
    return render("errors/error.html", "error_status", code=code, title=title, text=detail or text,
                  status=code)


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

    @app.errorhandler(RateLimitExceeded)
    def too_many(_error):
        current = limiter.current_limit
        detail = None
        if current is not None:
            at = datetime.fromtimestamp(current.reset_at, UTC)
            detail = _l("Too many attempts. You can try again at %(time)s.",
                        time=format_time(at, "short"))
        response = _page(429, detail)
        if current is not None:
            response.headers["Retry-After"] = str(max(1, int(current.reset_at - datetime.now(UTC).timestamp())))
        return response

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        return _page(400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            _without_database()
        return _page(error.code or 500)

    @app.errorhandler(OperationalError)
    def database_down(_error):
        _without_database()
        return _page(ServiceUnavailable.code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        _without_database()
        return _page(InternalServerError.code)
