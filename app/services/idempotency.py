"""Idempotency keys of the API's POSTs that create things: a retried request (the answer was lost
on the way) is answered as the first one was, and what it did is not done twice."""
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import ApiIdempotencyKey


@dataclass
class Claim:
    """`id` of the key's row; `replay` the first answer (status, body) when the request was done already;
    `busy` when the first is still being answered; `mismatch` when the key came with another request."""

    id: int | None = None
    replay: tuple[int, str] | None = None
    busy: bool = False
    mismatch: bool = False


def claim(token_id: int, key: str, digest: str) -> Claim:
    """Take the key for this request (committed at once, so a concurrent retry sees it taken), or
    say why the request must not run (again)."""
    row = ApiIdempotencyKey(token_id=token_id, key=key, request_digest=digest)
    db.session.add(row)
    try:
        db.session.commit()
        return Claim(id=row.id)
    except IntegrityError:
        db.session.rollback()
    first = db.session.scalar(select(ApiIdempotencyKey).where(
        ApiIdempotencyKey.token_id == token_id, ApiIdempotencyKey.key == key))
    if first is None or first.status_code is None:  # still running (or failing just now)
        return Claim(busy=True)
    if first.request_digest != digest:
        return Claim(mismatch=True)
    return Claim(replay=(first.status_code, first.body))


def remember(claim_id: int, status_code: int, body: str) -> None:
    db.session.execute(update(ApiIdempotencyKey).where(ApiIdempotencyKey.id == claim_id)
                       .values(status_code=status_code, body=body))
    db.session.commit()


def forget(claim_id: int) -> None:
    """The request failed: nothing of it stays, so the same key may try again."""
    db.session.rollback()
    db.session.execute(delete(ApiIdempotencyKey).where(ApiIdempotencyKey.id == claim_id))
    db.session.commit()
