"""Flask extensions, created unbound and initialised in the factory."""
from http import HTTPStatus

import flask_compress
import flask_smorest
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations identical on SQLite and Postgres.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Compress(flask_compress.Compress):
    """Flask-Compress, for error pages and rejected forms (4xx, 5xx) too.

    It compresses only 2xx responses; but a form sent back with its errors (422) is a whole
    page the customer on a slow line waits for like any other.
    """

    def after_request(self, response):
        status = response.status_code
        if status < 400 or response.mimetype != "text/html":
            return super().after_request(response)
        response.status_code = 200
        try:
            return super().after_request(response)
        finally:
            response.status_code = status


class Api(flask_smorest.Api):
    """flask-smorest for the operator API's schemas and OpenAPI document, with errors answered by
    app/errors.py (its own handler would take over every error page of the portal) as RFC 9457
    problems, which the document says."""

    PROBLEM = "application/problem+json"

    def _register_error_handlers(self) -> None:
        pass

    def _register_responses(self) -> None:
        from app.blueprints.api.schemas import ProblemSchema

        problem = {self.PROBLEM: {"schema": ProblemSchema}}
        for status in HTTPStatus:
            if status >= 400:
                self.spec.components.response(status.name, {"description": status.phrase, "content": problem},
                                              lazy=True)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME,
                                      {"description": "A problem (RFC 9457)", "content": problem}, lazy=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()
limiter = Limiter(key_func=get_remote_address)
api = Api()
