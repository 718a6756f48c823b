"""Lisenssiavaimet: the staff fill a security product's key pool; waiting orders get keys at once."""
from sqlalchemy import func, select

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import ngettext
from app.models import LicenceKey, Product, Subscription
from app.services import DomainError, audit, licences
from app.validators import has_control_characters

MAX_KEY_LENGTH = 100


def pool() -> list[tuple[Product, int, int, int]]:
    """Each key product with its free keys, keys given and subscriptions waiting, in one statement."""
    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).correlate(Product).scalar_subquery()

    return list(db.session.execute(
        select(Product,
               count(LicenceKey, LicenceKey.product_id == Product.id, LicenceKey.subscription_id.is_(None)),
               count(LicenceKey, LicenceKey.product_id == Product.id, LicenceKey.subscription_id.isnot(None)),
               count(Subscription, Subscription.product_id == Product.id, Subscription.status == "pending"))
        .where(Product.needs_licence_key).order_by(Product.position, Product.id)
    ).tuples())


def parse_keys(text: str) -> list[str]:
    """One key per line; blank lines skipped. Every bad line is named, and then nothing is added."""
    keys, problems, seen = [], [], {}
    for number, line in enumerate(text.splitlines(), start=1):
        key = line.strip()
        if not key:
            continue
        # A control character or U+FFFD (what an uploaded file's undecodable bytes became) is no key's.
        if len(key) > MAX_KEY_LENGTH or any(ch.isspace() for ch in key) or has_control_characters(key) \
                or "\ufffd" in key:
            problems.append(_l("line %(n)d: not a licence key", n=number))
        elif key in seen:
            problems.append(_l("line %(n)d: the same key as on line %(m)d", n=number, m=seen[key]))
        else:
            seen[key] = number
            keys.append(key)
    existing = set(db.session.scalars(select(LicenceKey.key).where(LicenceKey.key.in_(keys)))) if keys else set()
    problems += [_l("line %(n)d: the key is in the pool already", n=seen[k]) for k in keys if k in existing]
    if problems:
        raise DomainError(_l("Nothing was added. %(problems)s", problems="; ".join(str(p) for p in problems)),
                          field="keys")
    if not keys:
        raise DomainError(_l("Write or upload at least one key."), field="keys")
    return keys


def upload(product_id: int, text: str) -> tuple[int, int]:
    """Add the keys, then hand them to pending orders oldest first; returns (added, given)."""
    product = db.session.get(Product, product_id)
    if product is None or not product.needs_licence_key:
        raise DomainError(_l("Choose a security product."))  # the console's choice or the API's path: no field of both
    keys = parse_keys(text)
    db.session.add_all([LicenceKey(product_id=product.id, key=key) for key in keys])
    db.session.flush()
    given = licences.assign_pending(product.id)
    audit.record("licence_keys.added", None, product=product.code, added=len(keys), given=given)
    db.session.commit()
    return len(keys), given


def summary(added: int, given: int) -> str:
    text = ngettext("%(num)d key added.", "%(num)d keys added.", added)
    if given:
        text += " " + ngettext("%(num)d waiting order got its key.", "%(num)d waiting orders got their keys.", given)
    return text
