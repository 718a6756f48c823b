"""Language selection and locale-aware formatting of money, numbers and dates."""
from datetime import date, datetime

from babel.numbers import format_currency, format_decimal
from flask import current_app, g, has_request_context, request
from flask_babel import format_date, format_datetime, format_time, get_locale, get_translations, to_user_timezone
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

LANGUAGE_COOKIE = "lang"
# Dates, money and numbers as written in Finland in every language: 24.11.2026, 12,90 €, 25,5 (CLDR's sv
# is Sweden's 2026-11-24, its en 11/24/26 and €12.90). Times are on the 24-hour clock everywhere, with the
# separator each language uses in Finland.
FINLAND = "fi_FI"  # the numbers' locale: a decimal comma, a space between thousands, the euro sign after
DATE_FORMAT = "d.M.y"
DATETIME_FORMATS = {"sv": "d.M.y 'kl.' HH.mm", "en": "d.M.y, HH:mm"}
TIME_FORMATS = {"sv": "HH.mm", "en": "HH:mm"}


def catalog():
    """The translations of the language shown now. Flask-Babel finds them again for every string
    (a dozen lookups of the request's context each: a tenth of Etusivu's CPU time); this keeps them
    beside Flask-Babel's own locale of the request, and looks again when that changes (`force_locale`
    sets another, `refresh` clears it)."""
    try:  # `g` once: every read through its proxy looks the context up again
        namespace = g._get_current_object()
    except RuntimeError:  # no application context: Flask-Babel's untranslated catalog
        return get_translations()
    babel = getattr(namespace, "_flask_babel", None)  # Flask-Babel's namespace of the context
    kept = getattr(babel, "catalog", None)
    if kept is not None and kept[0] is getattr(babel, "babel_locale", None):
        return kept[1]
    locale, translations = get_locale(), get_translations()
    namespace._flask_babel.catalog = (locale, translations)
    return translations


def gettext(string: str, **variables) -> str:
    """`_`: Flask-Babel's gettext, through the request's catalog."""
    text = catalog().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ngettext (`%(num)d` is the count), through the request's catalog."""
    return catalog().ungettext(singular, plural, num) % {"num": num, **variables}


def _in_template(eval_ctx, text: str, variables: dict) -> str:
    """As Jinja's own newstyle gettext: the translation is the template's own markup, the values put
    into it are escaped, and it is always formatted (a template writes a per cent sign as `%%`)."""
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704 (the catalog's text)


@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables) -> str:
    return _in_template(eval_ctx, catalog().ugettext(string), variables)


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    return _in_template(eval_ctx, catalog().ungettext(singular, plural, num), {"num": num, **variables})


def install_gettext(app) -> None:
    """Templates translate through the request's catalog too, in one call a string: Jinja's own
    newstyle callables reach the translation through three calls of the template's context (13 µs
    a string, 36 strings on Etusivu). `newstyle_gettext` is what Jinja's own would set: a string's
    values are passed to the call, which escapes them."""
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)


class LazyText(LazyString):
    """A translation made when it is shown, in the language of that moment.

    Flask-Babel's own lazy string passes itself to Jinja as ready-made HTML, so a value put
    into it (`%(name)s`) would come out as live markup. This one is text like any other: it
    is escaped where it is shown, with whatever was put into it.
    """

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables) -> LazyText:
    """`_l`: for messages made before the language is known (module level, forms, rules)."""
    return LazyText(gettext, string, **variables)


def remember_language(response, code: str):
    """The switcher's cookie, kept for a year; the account's choice sets it too, so the next
    login (which adopts the cookie's language) does not undo a choice made in the account."""
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


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


def translated(obj, field: str) -> tuple[str, bool]:
    """`obj.<field>` in the page's language (its `<field>_sv` or `<field>_en`), or the Finnish text when that
    is empty; and whether the Finnish text stands in on a Swedish or English page."""
    locale = str(get_locale() or "fi")
    if locale != "fi":
        if value := getattr(obj, f"{field}_{locale}", None):
            return value, False
        return getattr(obj, field), True
    return getattr(obj, field), False


def localized(obj, field: str) -> Markup:
    """For a template: the text in the page's language, or the Finnish text marked lang="fi", so that a
    screen reader reads it as Finnish (WCAG 3.1.2)."""
    text, finnish_instead = translated(obj, field)
    return Markup('<span lang="fi">%s</span>') % text if finnish_instead and text else escape(text)


def money(cents: int) -> str:
    """12,90 € in every language."""
    return format_currency(cents / 100, "EUR", locale=FINLAND)


def monthly(cents: int) -> str:
    """12,90 €/kk in Finnish, 12,90 €/mån in Swedish, 12,90 €/month in English."""
    return gettext("%(price)s/month", price=money(cents))


def number(value: float | int, pattern: str | None = None) -> str:
    """25,5 in every language; `pattern` as Babel's (#,##0.#)."""
    return format_decimal(value, pattern, locale=FINLAND)


def day(value: date | None) -> str:
    """24.11.2026 in every language, a timestamp on the operator's calendar day."""
    if value is None:
        return ""
    return format_date(value, DATE_FORMAT)


def moment(value: datetime) -> str:
    """24.11.2026 14.05 in Finnish, 24.11.2026 kl. 14.05 in Swedish, 24.11.2026, 14:05 in English,
    in the operator's time zone."""
    return format_datetime(value, DATETIME_FORMATS.get(str(get_locale()), "short"))


def clock(value: datetime) -> str:
    """14.05 in Finnish and Swedish, 14:05 in English, in the operator's time zone."""
    return format_time(value, TIME_FORMATS.get(str(get_locale()), "short"))


def local_minute(value: datetime) -> str:
    """The value of a datetime-local control (its `max`, say) in the operator's time zone: 2026-11-24T14:05."""
    return to_user_timezone(value).strftime("%Y-%m-%dT%H:%M")
