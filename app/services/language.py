"""The customer's language: the UI and the emails follow it."""
from flask import current_app

from app.models import Customer
from app.services import audit


def set_preference(customer: Customer, locale: str) -> None:
    """Save the language of a customer's pages and emails."""
    if locale not in current_app.config["LANGUAGES"]:
        raise ValueError(f"unsupported language {locale!r}")
    if customer.locale != locale:
        audit.record("customer.locale_changed", customer.id, old=customer.locale, new=locale)
        customer.locale = locale
