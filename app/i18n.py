"""Language selection and locale-aware formatting of money and dates."""
from datetime import date

from flask import current_app, has_request_context, request
from flask_babel import format_currency, format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """Account preference, then the switcher's cookie, then the browser, then Finnish."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the worker and the command line render in the recipient's language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.customer:
        if current_user.customer.locale in languages:
            return current_user.customer.locale
    if request.cookies.get(LANGUAGE_COOKIE) in languages:
        return request.cookies[LANGUAGE_COOKIE]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def money(cents: int) -> str:
    """12,90 € in Finnish and Swedish, €12.90 in English."""
    return format_currency(cents / 100, "EUR")


def monthly(cents: int) -> str:
    return _("%(price)s/month", price=money(cents))


def day(value: date | None) -> str:
    """24.11.2026 in Finnish, 2026-11-24 in Swedish."""
    if value is None:
        return ""
    style = "medium" if str(get_locale()) == "en" else "short"
    return format_date(value, style)
