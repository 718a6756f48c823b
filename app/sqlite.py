"""SQLite as a real multi-user database: WAL, a busy timeout, and writers that queue.

A transaction that reads first and writes later can fail at once with "database is
locked" under WAL; starting every writing transaction with BEGIN IMMEDIATE makes a
writer wait for the lock (up to the busy timeout) instead. Requests that cannot write
(GET, HEAD) begin deferred, so readers never queue behind writers.
"""
import sqlite3
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15000
_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=True)


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


@event.listens_for(Engine, "begin")
def _begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def configure_sqlite(app: Flask) -> None:
    @app.before_request
    def mark_write_intent() -> None:
        _write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))
