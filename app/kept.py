"""Copies each process keeps of what rarely changes and many pages show, and how a change reaches them.

Every page shows the operator's details, Tilaa the catalogue, and Etusivu of every customer at an
outage's address the same outage with its areas, services and updates: reading them for each request
cost more than the rest of the page's statements (docs/benchmarks.md). So each process keeps a copy
(`Kept`) for at most `SECONDS`, and only while a small generation file in the instance directory is
unchanged (one per copy and database: test runs and tools that open another database in the same
process or directory keep theirs apart). A process whose transaction writes one of the copy's tables
writes a new generation when it commits, so every process of the server reads a new copy on its next
request; it writes one just before the commit as well, so a process that read the old rows in between
reads them again. A change made through another server (whose instance directory is its own; README,
"More than one server") or outside the portal (the sqlite3 shell, psql) is seen within `SECONDS`.

A copy is read on a connection of its own, after the generation file: the request's transaction may
have begun before another process committed and wrote its generation, and on SQLite it then reads
the rows as they were when it began, which would be kept as new until the next change.
"""
import functools
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

from app.extensions import db
from app.sqlite import reading

_copies: list["Kept"] = []
_written = threading.local()  # the copies whose tables this thread's transaction wrote
_OWN_READ = "kept_copy"  # the execution option of a copy's own connection
SECONDS = 5
clock = time.monotonic  # a test moves it on


class Kept:
    """What `read(session)` returns, kept by the process until `tables` are written, for at most
    `SECONDS` (the objects are detached: what the pages use must be loaded by `read`)."""

    def __init__(self, name: str, tables: tuple[str, ...], read: Callable[[Session], object]):
        self.name, self.read, self.tables = name, read, frozenset(tables)
        self._kept: dict[str, tuple[str, float, object]] = {}  # by database: generation, when read, copy
        _copies.append(self)

    def get(self):
        generation, now = self._generation(), clock()
        kept = self._kept.get(_database())
        if kept and kept[0] == generation and now - kept[1] < SECONDS:
            return kept[2]
        with reading(), Session(db.engine.execution_options(**{_OWN_READ: True})) as session:
            copy = self.read(session)
        self._kept[_database()] = (generation, now, copy)
        return copy

    def _path(self) -> Path:
        return Path(current_app.instance_path) / f"{self.name}-{_database()}.generation"

    def _generation(self) -> str:
        try:
            return self._path().read_text()
        except FileNotFoundError:
            return ""

    def changed(self) -> None:
        self._kept.clear()
        try:
            path = self._path()
        except RuntimeError:  # no application: nothing of this process keeps a copy
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(8))


def _database() -> str:
    return _digest(db.engine.url)


@functools.cache
def _digest(url: URL) -> str:
    """Once per database URL a process meets, not on every request that reads a copy."""
    return hashlib.sha256(url.render_as_string(hide_password=False).encode()).hexdigest()[:16]


# The table a statement writes: the one it inserts into, updates or deletes from, or makes, changes or
# drops (a restore). Only that name counts: a column that shares a kept table's name (the outbox's
# `channel`) is not a write of the table.
_WRITTEN_TABLE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|'
                            r'(?:CREATE|ALTER|DROP)\s+TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?)\s+"?(\w+)', re.IGNORECASE)


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(_conn, _cursor, statement, *_args) -> None:
    if not (written := _WRITTEN_TABLE.match(statement)):
        return
    table = written[1].lower()
    for kept in _copies:
        if table in kept.tables:
            _written.copies = getattr(_written, "copies", set()) | {kept}


def _announce() -> None:
    for kept in getattr(_written, "copies", ()):
        kept.changed()


@event.listens_for(Engine, "commit")
def _before_commit(_conn) -> None:
    # Also for a commit without an ORM session, such as a restore.
    _announce()


@event.listens_for(Session, "after_commit")
def _after_commit(_session) -> None:
    _announce()
    _written.copies = set()


def copy_read(conn) -> bool:
    """Whether a statement runs on a copy's own connection: once per process and change, not a page's."""
    return bool(conn.get_execution_options().get(_OWN_READ))


@event.listens_for(Engine, "rollback")
def _rolled_back(conn) -> None:
    if not copy_read(conn):  # a copy read in the middle of a write leaves what the write noted
        _written.copies = set()
