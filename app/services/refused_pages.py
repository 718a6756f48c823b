"""A refused form's page, kept for the GET that follows (post/redirect/get).

Without JavaScript a refused form is not answered in place: the browser would keep the POST in
its history, and Back after a later success would ask to send the form again. The page is kept
here, in the database every process shares (it can hold a long message, more than a cookie may),
and `app/web.py` sends the browser to the form's page, which shows it once.
"""
import secrets
from datetime import timedelta

from sqlalchemy import delete

from app.extensions import db
from app.models import RefusedPage
from app.models.base import utcnow
from app.sqlite import writing

# Long enough for a slow connection to follow the redirect; the typed text goes with it.
KEPT_FOR = timedelta(minutes=10)


def keep(path: str, body: str) -> str:
    """Keep `body` for the next GET of `path`; the token goes into the session. Its own unit of
    work, after the refused request's own was rolled back (nothing it wrote stays)."""
    db.session.rollback()
    _forget_stale()
    token = secrets.token_urlsafe(32)
    # A refused field may hold a NUL (it is refused for that), which Postgres cannot keep in text;
    # a browser reads one in a page as U+FFFD anyway.
    body = body.replace("\x00", "\ufffd")
    db.session.add(RefusedPage(token=token, path=path, body=body, created_at=utcnow()))
    db.session.commit()
    return token


def forget_stale() -> None:
    """Pages whose GET never came (the browser closed): the worker forgets them with its heartbeat,
    so what a customer typed is not kept longer than `KEPT_FOR` even when nobody is refused."""
    _forget_stale()
    db.session.commit()


def _forget_stale() -> None:
    db.session.execute(delete(RefusedPage).where(RefusedPage.created_at < utcnow() - KEPT_FOR))


def take(token: str, path: str) -> str | None:
    """The page kept under `token`, once, if it is for `path` and still fresh."""
    with writing():  # a GET's write: on SQLite it waits for other writers instead of failing (a 503)
        kept = db.session.execute(delete(RefusedPage).where(RefusedPage.token == token)
                                  .returning(RefusedPage.path, RefusedPage.body, RefusedPage.created_at)).first()
        db.session.commit()
    if kept is None or kept.path != path or kept.created_at < utcnow() - KEPT_FOR:
        return None
    return kept.body
