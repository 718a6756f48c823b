"""The audit log: who changed what, written in the same transaction as the change."""
import json
from collections.abc import Callable
from contextvars import ContextVar

from app.extensions import db
from app.models import Account, AuditEvent

# Who is acting in this request and from where, told by the web layer (a session) or the API
# (a token); the worker and the command line act as "system".
_actor: ContextVar[Callable[[], Account | None] | None] = ContextVar("audit_actor", default=None)
_address: ContextVar[str | None] = ContextVar("audit_address", default=None)
_name: ContextVar[str | None] = ContextVar("audit_name", default=None)


def acting(actor: Callable[[], Account | None] | None, address: str | None, name: str | None = None) -> None:
    """Set for the current request: `actor` is called only when something is recorded."""
    _actor.set(actor)
    _address.set(address)
    _name.set(name)


def record(action: str, customer_id: int | None = None, actor: Account | None = None, **details) -> None:
    if actor is None and _actor.get() is not None:
        actor = _actor.get()()
    if _address.get():
        details.setdefault("ip", _address.get())
    db.session.add(AuditEvent(
        action=action,
        customer_id=customer_id,
        actor_account_id=actor.id if actor else None,
        actor_name=actor.name if actor else (_name.get() or "system"),
        details_json=json.dumps(details, default=str, ensure_ascii=False),
    ))
