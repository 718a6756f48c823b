"""SQLite as the embedded default: concurrent writers queue for the lock instead of failing."""
import fcntl
import os
import threading

import pytest
from sqlalchemy import event, func, select

from app import create_app
from app.extensions import db
from app.models import AuditEvent
from app.services import audit
from app.sqlite import end_writes


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



def writer_lock() -> int:
    """The lock file beside the test database, opened as another process would."""
    return os.open(db.engine.url.database + "-writer", os.O_RDWR | os.O_CREAT, 0o600)


def test_writers_queue_on_the_lock_file_and_readers_do_not(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    db.session.commit()
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": db.engine.url.render_as_string(),
                                 "SQLITE_WRITER_LOCK": True})
    fd = writer_lock()
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process is writing
    wrote, read = threading.Event(), threading.Event()

    def write():
        with app.app_context():
            audit.record("test.write", None)
            db.session.commit()
            db.session.remove()
        wrote.set()

    def read_page():
        with app.test_request_context("/"):
            app.preprocess_request()
            db.session.scalar(select(func.count()).select_from(AuditEvent))
            db.session.remove()
        read.set()

    threads = [threading.Thread(target=write), threading.Thread(target=read_page)]
    for t in threads:
        t.start()
    try:
        assert read.wait(5), "a GET waited for the writer lock"
        assert not wrote.wait(0.5), "a writer did not wait for the writer lock"
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert wrote.wait(5)
    for t in threads:
        t.join()
    with app.app_context():
        db.engine.dispose()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_a_post_writes_after_its_first_commit_and_code_after_a_get_writes(app):
    """A route may call two services that commit (the language, then the login record): the
    second begins IMMEDIATE too. After a GET, code on the same thread (the worker, a test) writes."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    begins = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with app.test_request_context("/", method="POST"):
            app.preprocess_request()
            audit.record("test.write", None)
            db.session.commit()
            db.session.scalar(select(func.count()).select_from(AuditEvent))
            db.session.rollback()
        with app.test_request_context("/"):
            app.preprocess_request()
            db.session.scalar(select(func.count()).select_from(AuditEvent))
            db.session.rollback()
        db.session.scalar(select(func.count()).select_from(AuditEvent))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert begins == ["BEGIN IMMEDIATE", "BEGIN IMMEDIATE", "BEGIN", "BEGIN IMMEDIATE"]


def test_what_is_written_and_not_committed_is_not_kept_by_the_answer(app):
    """No service leaves a write uncommitted; if a view did (an attribute set for showing), ending
    the transaction for the answer rolls it back, as the end of the request would."""
    audit.record("test.kept", None)
    db.session.commit()
    with app.test_request_context("/", method="POST"):
        app.preprocess_request()
        event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "test.kept"))
        event_row.action = "test.changed"
        end_writes()
        assert event_row.action == "test.kept"  # read again after the rollback
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.kept")) == 1
