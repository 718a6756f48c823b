"""Omahallinta: the self-service portal of a small internet and cable-TV operator."""
import os

from flask import Flask, Request, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import CONFIGS, INSTANCE_DIR, ConfigurationError
from app.extensions import api, babel, compress, csrf, db, limiter, login_manager, migrate

# Answers that never carry the session cookie: static files, the probes and /metrics (app/observability.py).
SESSIONLESS = frozenset({"static", "healthz", "readyz", "metrics"})


class SessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        """The API is used with a token alone: a browser's session cookie opens nothing there, so no
        customer's or staff member's session can reach it, and no CSRF is needed for it."""
        from app.web import API_PREFIX

        if request.path.startswith(API_PREFIX):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        """Static files never carry the session cookie, nor do the probes.

        Static files are cached for a year; a Set-Cookie (the idle timeout restarts on every
        response) and the `Vary: Cookie` that comes with it would make the browser fetch them again
        on every page, and a shared cache must never see a session cookie in a public response.
        """
        from app.web import is_api_request

        if request.endpoint not in SESSIONLESS and not is_api_request():
            super().save_session(app, session, response)


class PortalRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        """A view that takes files says how large its request may be (app.web.takes_files); every
        other keeps MAX_CONTENT_LENGTH. Read when the body is parsed, after the route is matched."""
        view = current_app.view_functions.get(self.endpoint) if self.url_rule else None
        return getattr(view, "max_content_length", None) or super().max_content_length


class Portal(Flask):
    session_interface = SessionInterface()
    request_class = PortalRequest

    def send_static_file(self, filename: str):
        """Static files read whole, so Flask-Compress serves them gzip or brotli like any page.

        (A streamed file would get only the streaming encoders, which leave gzip out.)
        """
        from app.web import SCRIPT_BUNDLE, static_bytes

        if filename == SCRIPT_BUNDLE:
            return self.response_class(static_bytes(self.static_folder, filename), mimetype="text/javascript")
        response = super().send_static_file(filename)
        response.direct_passthrough = False
        response.make_sequence()
        return response


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application for `config_name` (production, development or testing)."""
    app = Portal(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(CONFIGS[config_name or os.environ.get("APP_CONFIG", "production")])
    app.config.update(overrides or {})
    configure_secret_key(app)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    register_observability(app)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    return app


def configure_secret_key(app: Flask) -> None:
    """Production must be given SECRET_KEY; development keeps a generated one in instance/."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV_NAME"] == "production":
        raise ConfigurationError("SECRET_KEY is not set. Production needs a long random one, e.g. the output of "
                                 "python3 -c 'import secrets; print(secrets.token_hex(32))'")
    from app.security import instance_secret_key

    app.config["SECRET_KEY"] = instance_secret_key(INSTANCE_DIR)


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (registers the tables)
    from app.i18n import install_gettext, select_locale
    from app.sqlite import configure_sqlite

    configure_sqlite(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(app.root_path, "..", "translations"))
    install_gettext(app)
    compress.init_app(app)
    limiter.init_app(app)
    api.init_app(app)


def register_converters(app: Flask) -> None:
    from app.web import DatabaseId

    app.url_map.converters["int"] = DatabaseId


def register_blueprints(app: Flask) -> None:
    from app.blueprints.accessibility import bp as accessibility_bp
    from app.blueprints.account import bp as account_bp
    from app.blueprints.admin import bp as admin_bp
    from app.blueprints.api import register as register_api
    from app.blueprints.auth import bp as auth_bp
    from app.blueprints.dashboard import bp as dashboard_bp
    from app.blueprints.invoices import bp as invoices_bp
    from app.blueprints.language import bp as language_bp
    from app.blueprints.mail import bp as mail_bp
    from app.blueprints.mix import bp as mix_bp
    from app.blueprints.orders import bp as orders_bp
    from app.blueprints.outages import bp as outages_bp
    from app.blueprints.services import bp as services_bp
    from app.blueprints.support import bp as support_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(language_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(mix_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(services_bp)
    app.register_blueprint(invoices_bp)
    app.register_blueprint(support_bp)
    app.register_blueprint(accessibility_bp)
    register_api(app)
    app.register_blueprint(outages_bp)
    if app.config["MAIL_VIEWER"]:
        from app.blueprints.dev import bp as dev_bp

        app.register_blueprint(dev_bp)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_hooks(app: Flask) -> None:
    from app.web import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app.templating import register

    register(app)


def register_commands(app: Flask) -> None:
    from app.commands import register

    register(app)


def register_observability(app: Flask) -> None:
    from app.observability import register

    register(app)
