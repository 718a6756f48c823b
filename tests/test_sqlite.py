"""SQLite as the embedded default: concurrent writers queue for the lock instead of failing."""
import threading

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent
from app.services import audit


def test_concurrent_read_then_write_transactions_all_succeed(app):
    errors, writers, rounds = [], 20, 10

    def writer(n: int):
        with app.app_context():
            try:
                for i in range(rounds):
                    # Read first, then write: the pattern that fails with "database is locked"
                    # under WAL unless the transaction began IMMEDIATE.
                    seen = db.session.scalar(select(func.count()).select_from(AuditEvent))
                    audit.record("test.write", None, writer=n, round=i, seen=seen)
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 — collected and asserted below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == writers * rounds
