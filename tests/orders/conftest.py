"""Helpers for the ordering tests: the demo rows by their business keys, and a fresh confirmation key."""
import re

from app.extensions import db
from app.models import AuditEvent, LicenceKey, Order, OutboxMessage, Subscription
from tests.helpers import count, product

KEY = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="idempotency_key"')


def snapshot() -> dict:
    """What an order writes; a refused order leaves all of it as it was."""
    return {m.__name__: count(m) for m in (Order, Subscription, AuditEvent, OutboxMessage)} | {
        "free keys": count(LicenceKey, LicenceKey.subscription_id.is_(None)),
        "ended": count(Subscription, Subscription.status == "ended"),
    }


def form_key(page: str) -> str:
    match = KEY.search(page)
    assert match, "no idempotency key on the page"
    return match.group(1) or match.group(2)


def empty_pool(code: str) -> None:
    db.session.execute(LicenceKey.__table__.delete().where(
        LicenceKey.product_id == product(code).id, LicenceKey.subscription_id.is_(None)))
    db.session.commit()


def form_data(page: str, **fields) -> dict:
    """The hidden fields of the page's confirmation form, with `fields` on top."""
    from tests.conftest import CSRF

    csrf = CSRF.search(page)
    group = re.search(r'name="group"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="group"', page)
    data = {"csrf_token": csrf.group(1) or csrf.group(2), "idempotency_key": form_key(page)}
    if group:
        data["group"] = group.group(1) or group.group(2)
    return data | fields


def confirm(client, url: str, htmx: bool = False, **fields):
    """Open the review page at `url` and press its confirm button."""
    from tests.conftest import HTMX

    page = client.get(url)
    assert page.status_code == 200, page.text
    return client.post(url, data=form_data(page.text, **fields), headers=HTMX if htmx else None)


def text(response) -> str:
    """The page as a reader sees it: Babel puts a no-break space between the amount and €."""
    return response.text.replace("\xa0", " ")
