"""Everything templates can call beyond Jinja's own: registered here, once, from the factory."""
import contextlib
from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import get_locale
from flask_login import current_user

from app import i18n, labels
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.models.base import today
from app.services import payments
from app.services.announcements import linkify
from app.web import operator, static_url, this_page

# The seed's menu, in its order and words.
MENU = (
    ("orders.catalog", _l("Order")),
    ("mix.edit", _l("Edit MIX package")),
    ("services.index", _l("Ordered services")),
    ("invoices.index", _l("Invoices")),
    ("account.details", _l("User details")),
    ("support.index", _l("Customer service")),
    ("mail.index", _l("Email management")),
    ("account.password", _l("Change password")),
)

# The console's menu: (endpoint, label, admins only).
CONSOLE_MENU = (
    ("admin.index", _l("Overview"), False),
    ("admin.customers", _l("Customers"), False),
    ("admin.orders", _l("Orders"), False),
    ("admin.inbox", _l("Feedback and terminations"), False),
    ("admin.billing", _l("Billing"), False),
    ("admin.licence_keys", _l("Licence keys"), False),
    ("admin.customer_import", _l("Import customers"), False),
    ("admin.announcements", _l("Announcements"), False),
    ("admin.outages", _l("Outages"), False),
    ("admin.audit_log", _l("Event log"), False),
    ("admin.products", _l("Products"), True),
    ("admin.channels", _l("MIX channels"), True),
    ("admin.settings", _l("Settings"), True),
    ("admin.password", _l("Change password"), False),
)


def menu(counted: bool = False) -> list[tuple[str, str, int]]:
    """The customer's menu: (endpoint, label, how many unread things wait there, when `counted`)."""
    customer = counted and current_user.is_authenticated and current_user.customer
    unread = customer.unread_replies if customer else 0
    return [(endpoint, label, unread if endpoint == "support.index" else 0) for endpoint, label in MENU]


def console_menu() -> list[tuple[str, str, int]]:
    admin = current_user.is_authenticated and current_user.role == "admin"
    return [(endpoint, label, 0) for endpoint, label, admins_only in CONSOLE_MENU if admin or not admins_only]


def languages() -> list[tuple[str, str]]:
    return [(code, labels.LANGUAGES[code]) for code in current_app.config["LANGUAGES"]]


def gigabytes(megabytes: int) -> str:
    return _("%(size)s GB", size=i18n.number(megabytes / 1024, "#,##0.#"))


def file_size(size: int) -> str:
    """An attachment's size as a reader of the page writes it: "1,2 Mt", "340 kt"."""
    if size >= 1024 * 1024:
        return _("%(size)s MB", size=i18n.number(size / (1024 * 1024), "#,##0.#"))
    return _("%(size)s kB", size=i18n.number(max(1, -(-size // 1024)), "#,##0"))


def data_value(value, key: str = "", section: str = "") -> str:
    """A value of "My data" as a page shows it: a stored code as its label (labels.DATA_VALUES),
    dates, times and numbers as written in Finland, money in euros, yes and no in the reader's language;
    the JSON file keeps them as stored."""
    if value is None or value == "":
        return "–"
    table = labels.DATA_VALUES.get((section, key)) or labels.DATA_VALUES.get(("", key), {})
    if isinstance(value, str) and value in table:
        return str(table[value])
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key.endswith("_cents") and isinstance(value, int):
        return i18n.money(value)
    if key.endswith("_basis_points") and isinstance(value, int):
        return f"{i18n.number(value / 100)} %"
    if isinstance(value, int) and not (key == "id" or key.endswith(("_id", "number"))):  # a quota: 5 120
        return i18n.number(value)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        with contextlib.suppress(ValueError):
            if len(value) == 10:
                return i18n.day(date.fromisoformat(value))
            return i18n.moment(datetime.fromisoformat(value))
    return str(value)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        # Every page's labelled sections: a template macro, given to all templates as a helper is.
        section=app.jinja_env.get_template("_section.html").module.section,
        static_url=static_url, operator=operator, get_locale=get_locale, today=today,
        menu=menu, console_menu=console_menu, this_page=this_page, languages=languages,
        agreement_kinds=labels.AGREEMENT_KINDS, topics=labels.TOPICS,
        feedback_statuses=labels.FEEDBACK_STATUSES, order_statuses=labels.ORDER_STATUSES,
        subscription_states=labels.SUBSCRIPTION_STATES, outage_severities=labels.OUTAGE_SEVERITIES,
        outage_notice_channels=labels.OUTAGE_NOTICE_CHANNELS, invoice_statuses=labels.INVOICE_STATUSES,
        password_strengths=labels.PASSWORD_STRENGTHS, invoice_channels=labels.INVOICE_CHANNELS,
    )
    app.jinja_env.filters.update(
        money=i18n.money, monthly=i18n.monthly, number=i18n.number, day=i18n.day,
        gigabytes=gigabytes, file_size=file_size, datetime_local=i18n.moment, linkify=linkify, localized=i18n.localized,
        data_value=data_value, data_label=lambda key: labels.DATA_FIELDS.get(key, key), grouped=payments.grouped,
    )
