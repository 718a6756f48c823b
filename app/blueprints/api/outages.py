"""Outages: published, updated and resolved with the console's own functions, so the customers
are told the same way; listed and read."""
from app.blueprints.api import idempotent, resource, schemas
from app.models import Outage
from app.models.base import utcnow
from app.services import get, outages

bp = resource("outages", __name__, "Outages of the network and telling customers of them "
                                   "(scopes outages:read, outages:write)")


@bp.page("/outages", schemas.OutageQuerySchema, schemas.OutagesSchema)
def outage_list(after: int, limit: int, current: bool | None = None):
    """Outages in id order after `after`; `current=true` for those on now (begun, not resolved)."""
    return outages.outages_after(after, limit, utcnow(), current)


@bp.call("POST", "/outages", schemas.OutageSchema,
         status=201, body=schemas.OutageInputSchema, description="Published; the affected customers are being told")
@idempotent
def outage_create(values: dict):
    """Publish an outage, as the console's form: at postal codes or municipalities, or of all
    customers; of the named product groups, or of every service."""
    codes, places = values.pop("postal_codes"), values.pop("municipalities")
    return outages.create(values, values.pop("groups"), codes, places), 201  # the groups read as their ids


@bp.call("GET", "/outages/<int:outage_id>", schemas.OutageSchema)
def outage_read(outage_id: int):
    return get(Outage, outage_id)


@bp.call("POST", "/outages/<int:outage_id>/updates", schemas.OutageSchema,
         status=201, body=schemas.OutageUpdateInputSchema, description="Posted")
@idempotent
def outage_update(values: dict, outage_id: int):
    """Post an update; it shows on the public page and in the feed at once."""
    outage = get(Outage, outage_id)
    outages.post_update(outage, values["text"], utcnow())
    return outage, 201


@bp.call("POST", "/outages/<int:outage_id>/resolve", schemas.OutageSchema, body=schemas.OutageResolveSchema)
def outage_resolve(values: dict, outage_id: int):
    """Resolve it with a closing note; the customers told of its start are told it is over."""
    outage = get(Outage, outage_id)
    outages.resolve(outage, values["closing_note"], utcnow())
    return outage
