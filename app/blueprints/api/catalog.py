"""The catalog (read; a product's price changed), and the licence-key pools (a batch added all or nothing)."""
from app.blueprints.api import idempotent, resource, schemas
from app.services import catalog_admin, licence_pool

bp = resource("catalog", __name__, "Catalog and licence keys (scopes catalog:read, catalog:write)")


@bp.call("GET", "/catalog/groups", schemas.GroupsSchema)
def groups():
    """Product groups with their products, in the order customers see them."""
    return {"groups": catalog_admin.groups_with_products()}


@bp.call("GET", "/catalog/channels", schemas.ChannelsSchema)
def channels():
    """The MIX channel pool; retired channels last."""
    return {"channels": catalog_admin.channels()}


@bp.call("PUT", "/catalog/products/<code>/price", schemas.ProductSchema, body=schemas.PriceSchema)
def price_change(values: dict, code: str):
    """The monthly price of new orders from now on; orders made keep the price they were made at, so
    the billing export charges them as before. Audited under the token's name."""
    return catalog_admin.change_price(code, values["price_cents"], values["vat_basis_points"])


@bp.call("POST", "/catalog/products/<code>/licence-keys", schemas.LicenceKeysAddedSchema, status=201,
         body=schemas.LicenceKeysSchema)
@idempotent
def licence_keys_add(values: dict, code: str):
    """Add keys to a security product's pool, as the console's upload: every bad line (item n is
    line n) is named and then nothing is added; waiting orders get keys at once."""
    added, given = licence_pool.upload(catalog_admin.product(code).id, "\n".join(values["keys"]))
    return {"added": added, "given": given}
