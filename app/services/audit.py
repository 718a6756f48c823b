"""The audit log: who changed what, written in the same transaction as the change."""
import json

from flask import has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models import Account, AuditEvent


def record(action: str, customer_id: int | None = None, actor: Account | None = None, **details) -> None:
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if has_request_context():
        details.setdefault("ip", request.remote_addr)
    db.session.add(AuditEvent(
        action=action,
        customer_id=customer_id,
        actor_account_id=actor.id if actor else None,
        actor_name=actor.name if actor else "system",
        details_json=json.dumps(details, default=str, ensure_ascii=False),
    ))
