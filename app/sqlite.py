"""SQLite as a real multi-user database: WAL, and writers that queue instead of sleeping.

A transaction that reads first and writes later can fail at once with "database is
locked" under WAL; starting every writing transaction with BEGIN IMMEDIATE makes a
writer wait for the lock instead. Requests that cannot write (GET, HEAD) begin deferred,
so readers never queue behind writers.

SQLite's own wait (the busy handler) polls: it sleeps 1, 2, 5, 10 … up to 100 ms between
tries, so a writer that collides waits much longer than the lock is held, and under ten
concurrent writers the slowest waited 400 ms for a lock held 2 ms at a time. So before BEGIN
IMMEDIATE a writer first takes an exclusive `flock` on a lock file beside the database
(`<database>-writer`), which the kernel hands to the next waiter the moment the holder
commits or rolls back: writers of every process and thread queue, and the busy handler is
only the fallback for a writer that does not take the lock (the sqlite3 shell). The lock is on
unless SQLITE_WRITER_LOCK=false: on a quiet machine it cut the MIX toggle's p95 at ten connections
from 518–723 ms to 97–123 ms, at a somewhat higher median (docs/benchmarks.md, "SQLite writes").

Every transaction of a request that may write begins IMMEDIATE, also those after its first
commit: a route may call two services that each commit (the login: the language, then the login
record), and a deferred transaction that reads and then writes fails at once, without waiting,
when another writer committed in between (SQLITE_BUSY_SNAPSHOT). Only when a POST's services are
done and its htmx answer is drawn (`end_writes`, called by `web.done`) does the request stop
writing: the answer is rendered outside the lock.

synchronous=NORMAL in WAL mode: a commit is durable against a crash of the process (it is in
the WAL file, which the operating system keeps), not against a power cut or kernel crash,
which may lose the last commits before the WAL is synced (at a checkpoint); the database
is never corrupted. FULL would fsync every commit, the slowest step of a small write.
"""
import fcntl
import os
import sqlite3
import threading
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.extensions import db

BUSY_TIMEOUT_MS = 15000
_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=True)
# The lock files this thread holds. A thread that writes on a second connection while its first
# holds the lock would wait on itself for ever; it waits in the busy handler instead, which gives
# up with "database is locked" after BUSY_TIMEOUT_MS, as it did before the lock file.
_held = threading.local()


class QueueingConnection(sqlite3.Connection):
    """A sqlite3 connection that holds the database's writer lock from BEGIN IMMEDIATE to the end of
    the transaction. Each connection opens the lock file itself: `flock` locks belong to an open
    file, so two connections of one process (two threads) queue like two processes."""

    _lock_path = ""
    _lock_fd: int | None = None
    _holding = False

    def open_writer_lock(self) -> None:
        path = next((row[2] for row in self.execute("PRAGMA database_list") if row[1] == "main"), "")
        if path:  # an in-memory database has one connection and no file
            self._lock_path = path + "-writer"
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    def take_writer_lock(self) -> None:
        held = _held.__dict__.setdefault("paths", set())
        if self._lock_fd is None or self._holding or self._lock_path in held:
            return
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._holding = True
        held.add(self._lock_path)

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            getattr(_held, "paths", set()).discard(self._lock_path)
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


def engine_options(uri: str, options: dict) -> dict:
    """The engine options for `uri`: a SQLite database is opened with QueueingConnection."""
    if not uri.startswith("sqlite"):
        return options
    connect_args = {**options.get("connect_args", {}), "factory": QueueingConnection}
    return {**options, "connect_args": connect_args}


@event.listens_for(Engine, "connect")
def _configure_connection(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # SQLAlchemy emits BEGIN itself (below); the driver's own transaction handling is off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
    if isinstance(dbapi_connection, QueueingConnection):
        dbapi_connection.open_writer_lock()


@event.listens_for(Engine, "begin")
def _begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    if not _write_intent.get():
        connection.exec_driver_sql("BEGIN")
        return
    dbapi_connection = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, QueueingConnection):
        dbapi_connection.take_writer_lock()
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@event.listens_for(Session, "after_flush")
def _wrote(session: Session, _context) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("wrote", None)


def end_writes() -> None:
    """A POST's services are done (`web.done` is drawing its answer): the request's transaction ends
    and what the answer still reads begins deferred, so the answer is rendered outside the writer
    lock (on Postgres, outside the rows a service locked with `with_for_update`)."""
    _end_transaction()
    _write_intent.set(False)


@contextmanager
def writing():
    """A write in a request that only reads (a GET: opening a conversation marks its replies read).
    What was read so far ends, and the write begins IMMEDIATE, as a POST's: the deferred transaction
    that has read would fail at once, without waiting, if another writer had committed since
    (SQLITE_BUSY_SNAPSHOT). After it, the request reads on outside the writer lock."""
    _end_transaction()
    with _intent(writes=True):
        yield


def _end_transaction() -> None:
    """A service commits what it writes, so what is left open has only read: it ends with a commit
    that keeps what was read, and nothing is read again for it. Anything written and not committed
    (which no service leaves) is rolled back, as the request's end would."""
    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get("wrote"):
        session.rollback()
    else:
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = True


def reading():
    """What runs inside only reads, also in a request that writes: its transactions begin deferred
    (on a connection of its own inside a POST, BEGIN IMMEDIATE would wait for the writer lock that the
    request itself holds)."""
    return _intent(writes=False)


@contextmanager
def _intent(writes: bool):
    token = _write_intent.set(writes)
    try:
        yield
    finally:
        _write_intent.reset(token)


def configure_sqlite(app: Flask) -> None:
    """Opens SQLite databases with QueueingConnection (before the engines are made) unless
    SQLITE_WRITER_LOCK is off, and tells each request's transactions whether they write."""
    if app.config["SQLITE_WRITER_LOCK"]:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                                                                 app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))

    @app.before_request
    def mark_write_intent() -> None:
        _write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def forget_write_intent(_error=None) -> None:
        # Code run after a request on the same thread (a test, the command line) writes again.
        _write_intent.set(True)
