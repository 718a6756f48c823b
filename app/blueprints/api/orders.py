"""Orders: the queue by status, delivered or rejected with the console's own functions; and the
provisioning events as a pull feed beside the webhook."""
from app.blueprints.api import resource, schemas
from app.services import order_queue, outbox

bp = resource("orders", __name__, "Orders and provisioning events (scopes orders:read, orders:write)")


@bp.page("/orders", schemas.OrderQuerySchema, schemas.OrdersSchema)
def order_list(after: int, limit: int, status: str | None = None):
    """Orders in id order after `after`, optionally of one status (`new`, `pending`, ...)."""
    return order_queue.orders_after(after, status, limit)


@bp.call("GET", "/orders/<int:order_id>", schemas.OrderSchema)
def order_read(order_id: int):
    return order_queue.order(order_id)


@bp.call("POST", "/orders/<int:order_id>/deliver", schemas.OrderSchema)
def order_deliver(order_id: int):
    """The operator delivered it: as the console's "delivered" button, the same emails and events."""
    order_queue.deliver(order_id)
    return order_queue.order(order_id)


@bp.call("POST", "/orders/<int:order_id>/reject", schemas.OrderSchema, body=schemas.RejectSchema)
def order_reject(values: dict, order_id: int):
    """Not delivered: the customer gets the reason by email, as from the console."""
    order_queue.reject(order_id, values["reason"])
    return order_queue.order(order_id)


@bp.page("/events", schemas.EventQuerySchema, schemas.EventsSchema)
def events(after: int, limit: int):
    """Provisioning events after the id `after`, oldest first: the webhook's ids and bodies, for
    systems that poll. Keep the last id read and ask with it next time."""
    return [{"id": m.id, **m.payload} for m in outbox.events_after(after, limit)]
