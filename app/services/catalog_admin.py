"""Tuotteet and MIX-kanavat: what the admin changes in the catalog and the channel pool.

Orders keep the price the customer agreed to (Order.price_cents), so a new price applies to
new orders only; the billing export reads the order's price.
"""
import re
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Channel, MixChoice, Product, ProductGroup, Subscription
from app.services import DomainError, NotFound, audit

PRODUCT_FIELDS = ("group_id", "code", "name", "description", "term_months", "requires_pay_tv_card", "family",
                  "rank", "mix_size", "download_url", "needs_licence_key", "mailbox_count", "sellable", "position")
# A month of any service costs less than 100 000 €: a larger figure is a slip of the keyboard.
MAX_PRICE_CENTS = 10_000_000
TRANSLATIONS = ("name_sv", "name_en", "description_sv", "description_en")


def set_translations(item: ProductGroup | Product | Channel, values: dict) -> None:
    """The Swedish and English texts given; an empty one falls back to the Finnish."""
    for key in TRANSLATIONS:
        if key in values:
            setattr(item, key, (values[key] or "").strip() or None)


def groups_with_products() -> list[ProductGroup]:
    return list(db.session.scalars(
        select(ProductGroup).options(selectinload(ProductGroup.products)).order_by(ProductGroup.position)))


def product(code: str) -> Product:
    """The product with this code, or NotFound."""
    found = db.session.scalar(select(Product).where(Product.code == code))
    if found is None:
        raise NotFound(code)
    return found


HUNDREDTHS = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


def _hundredths(text: str, below: int, message, field: str) -> int:
    """'12,90' or '1 000,00' -> 1290 or 100000: digits with at most two decimals (not Decimal's "1e3",
    "NaN" or "-0"), less than `below`."""
    plain = re.sub(r"\s", "", text).replace(",", ".")
    if not HUNDREDTHS.fullmatch(plain) or not Decimal(plain) < below:
        raise DomainError(message, field=field)
    return int(Decimal(plain) * 100)


def by_codes(codes) -> dict[str, Product]:
    """The products with these codes, by code (for showing their names in the page's language)."""
    return {p.code: p for p in db.session.scalars(select(Product).where(Product.code.in_(set(codes))))}


def parse_euros(text: str, field: str) -> int:
    """'12,90' or '12.90' -> 1290 cents."""
    return _hundredths(text.replace("€", ""), MAX_PRICE_CENTS // 100, _l("Write the price in euros, e.g. 12,90."),
                       field)


def parse_percent(text: str, field: str) -> int:
    """'25,5' -> 2550 basis points."""
    return _hundredths(text.replace("%", ""), 100, _l("Write the VAT rate as a percentage, e.g. 25,5."), field)


def _parsed(problems: dict, parse, text: str, field: str) -> int | None:
    """`parse(text, field)`, or None with its refusal added to `problems`."""
    try:
        return parse(text, field)
    except DomainError as error:
        problems.update(error.errors)
        return None


def refusals(product: Product | None, price: str, vat: str, **values) -> dict:
    """What `save_product` refuses, by field. The console's form asks too when its own checks refuse
    something (a field it could not read is None here), so that every refusal comes in one answer."""
    return _checked(product, price, vat, values)[1]


def save_product(product: Product | None, price: str, vat: str, **values) -> Product:
    """Every refusal at once, each on its field."""
    values, problems = _checked(product, price, vat, values)
    if problems:
        raise DomainError.of(problems)
    created = product is None
    if created:
        product = Product()
        db.session.add(product)
    old_price = product.price_cents
    for key in PRODUCT_FIELDS:
        setattr(product, key, values.get(key))
    set_translations(product, values)
    product.price_cents, product.vat_basis_points = values["price_cents"], values["vat_basis_points"]
    db.session.flush()
    audit.record("product.created" if created else "product.updated", None, product=product.code,
                 price_cents=product.price_cents, old_price_cents=old_price)
    db.session.commit()
    return product


def _checked(product: Product | None, price: str, vat: str, values: dict) -> tuple[dict, dict]:
    """The product's values as they are saved (the code in capitals, texts without spaces around them,
    the price and VAT read) and every refusal by field."""
    values = dict(values)
    values["code"] = (values.get("code") or "").strip().upper()
    values["description"] = (values.get("description") or "").strip()
    problems = {}
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{0,39}", values["code"]):
        problems["code"] = _l("The code is letters A–Z, digits and dashes.")
    elif db.session.scalar(select(Product.id).where(Product.code == values["code"],
                                                    Product.id != (product.id if product else -1))):
        problems["code"] = _l("Another product has this code.")
    values["family"] = (values.get("family") or "").strip() or None
    if (values["family"] is None) != (values.get("rank") is None):
        problems["rank"] = _l("A family needs a rank, and a rank a family.")
    values["download_url"] = (values.get("download_url") or "").strip() or None
    if values["download_url"] and not values["download_url"].startswith("https://"):
        problems["download_url"] = _l("The download address must start with https://.")
    values["price_cents"] = _parsed(problems, parse_euros, price, "price")
    values["vat_basis_points"] = _parsed(problems, parse_percent, vat, "vat")
    if values.get("group_id") is None or db.session.get(ProductGroup, values["group_id"]) is None:
        problems["group_id"] = _l("Choose a product group.")
    if product is not None and (most := _most_chosen(product)) > (values.get("mix_size") or 0):
        # A smaller package would hold fewer channels than its customers have: their picker would say
        # "6 / 3 chosen", and the operator's systems would be sent more channels than the package has.
        problems["mix_size"] = _l("A customer of this package has chosen %(n)d channels: it cannot be made "
                                  "smaller than that.", n=most)
    return values, problems


def _most_chosen(product: Product) -> int:
    """The most channels chosen in one of the product's MIX subscriptions still running or waiting."""
    per_subscription = (select(func.count(MixChoice.id).label("chosen")).join(MixChoice.subscription)
                        .where(Subscription.product_id == product.id, Subscription.status.in_(("active", "pending")))
                        .group_by(MixChoice.subscription_id).subquery())
    return db.session.scalar(select(func.coalesce(func.max(per_subscription.c.chosen), 0)))


def change_price(code: str, price_cents: int, vat_basis_points: int) -> Product:
    """The product's monthly price from now on, as the console's product form sets it: new orders
    take it, orders made keep theirs (and so do the billing export's lines for them)."""
    found = product(code)
    old_price, old_vat = found.price_cents, found.vat_basis_points
    found.price_cents, found.vat_basis_points = price_cents, vat_basis_points
    audit.record("product.price_changed", None, product=found.code, price_cents=price_cents,
                 old_price_cents=old_price, vat_basis_points=vat_basis_points, old_vat_basis_points=old_vat)
    db.session.commit()
    return found


def save_group(group: ProductGroup | None, code: str, name: str, position: int, **translations) -> None:
    code = code.strip().lower()
    if db.session.scalar(select(ProductGroup.id).where(ProductGroup.code == code,
                                                       ProductGroup.id != (group.id if group else -1))):
        raise DomainError(_l("Another group has this code."), field="code")
    if group is None:
        group = ProductGroup()
        db.session.add(group)
    group.code, group.name, group.position = code, name.strip(), position
    set_translations(group, translations)
    db.session.flush()
    audit.record("product_group.saved", None, group=code)
    db.session.commit()


def channels() -> list[Channel]:
    return list(db.session.scalars(select(Channel).order_by(Channel.retired, Channel.position, Channel.name)))


def save_channel(channel: Channel | None, name: str, genre: str, description: str, position: int,
                 **translations) -> None:
    name = name.strip()
    # "Sport One" and "sport one" would be two rows the customer cannot tell apart on the MIX page.
    if db.session.scalar(select(Channel.id).where(func.lower(Channel.name) == name.lower(),
                                                  Channel.id != (channel.id if channel else -1))):
        raise DomainError(_l("Another channel has this name."), field="name")
    if channel is None:
        channel = Channel()
        db.session.add(channel)
    channel.name, channel.position = name, position
    channel.genre, channel.description = (genre or "").strip(), (description or "").strip()
    set_translations(channel, translations)
    db.session.flush()
    audit.record("channel.saved", None, channel=name)
    db.session.commit()


def set_retired(channel: Channel, retired: bool) -> None:
    """A retired channel cannot be picked anew; it stays in the selections that have it."""
    channel.retired = retired
    audit.record("channel.retired" if retired else "channel.restored", None, channel=channel.name)
    db.session.commit()
