"""`flask backup` and `flask restore`: a copy of the whole database, and putting one back.

SQLite: the online backup API copies a consistent snapshot while the portal runs. Postgres:
pg_dump's custom format, taken in the same snapshot the row counts are read in. Beside each
backup a manifest (`<backup>.json`) names its migration and every table's row count; a restore
checks the database it made against it.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, column, func, inspect, select, table, text

from app.extensions import db
from app.services import DomainError

PREFIX = "omahallinta-"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}
MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}


@dataclass
class Manifest:
    database: str  # sqlite | postgresql
    revision: list[str]  # the migration the data is at
    rows: dict[str, int]  # table -> rows
    created_at: str = ""

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def backup(directory: Path, keep: int | None = None) -> tuple[Path, Manifest]:
    """A new backup in `directory`; then only the newest `keep` backups are kept there."""
    dialect = db.engine.dialect.name
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%SZ}{SUFFIXES[dialect]}"
    _create_private(path)
    try:
        manifest = _backup_sqlite(path) if dialect == "sqlite" else _backup_postgres(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    manifest.created_at = datetime.now(UTC).isoformat(timespec="seconds")
    _manifest_path(path).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    if keep:
        for old in sorted(directory.glob(f"{PREFIX}*{SUFFIXES[dialect]}"))[:-keep]:
            old.unlink()
            _manifest_path(old).unlink(missing_ok=True)
    return path, manifest


def restore(path: Path) -> tuple[Manifest, Manifest | None]:
    """Replace the database's contents with the backup at `path`.

    Returns what the database now holds and the backup's manifest (None if it has none); raises
    DomainError when they differ."""
    dialect = db.engine.dialect.name
    with path.open("rb") as file:
        if file.read(len(MAGIC[dialect])) != MAGIC[dialect]:
            raise DomainError(f"{path} is not a backup of a {dialect} database")
    expected = _read_manifest(path)
    db.session.remove()
    if dialect == "sqlite":
        _restore_sqlite(path)
    else:
        _restore_postgres(path)
    db.engine.dispose()  # no pooled connection keeps what was there before
    with db.engine.connect() as connection:
        restored = Manifest(dialect, _revision(connection), _row_counts(connection))
    if expected and (expected.rows, expected.revision) != (restored.rows, restored.revision):
        differ = sorted(name for name in expected.rows.keys() | restored.rows.keys()
                        if expected.rows.get(name) != restored.rows.get(name))
        raise DomainError(f"the restored database differs from the backup's manifest (tables {', '.join(differ)})")
    return restored, expected


def _create_private(path: Path) -> None:
    """The backup holds password hashes and personal data: readable by the portal's user alone."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _read_manifest(path: Path) -> Manifest | None:
    manifest = _manifest_path(path)
    return Manifest(**json.loads(manifest.read_text())) if manifest.exists() else None


def _revision(connection: Connection) -> list[str]:
    if not inspect(connection).has_table("alembic_version"):
        return []
    return sorted(connection.scalars(select(table("alembic_version", column("version_num")).c.version_num)))


def _row_counts(connection: Connection) -> dict[str, int]:
    present = set(inspect(connection).get_table_names())
    return {name: connection.scalar(select(func.count()).select_from(table(name)))
            for name in sorted(present & (set(db.metadata.tables) | {"alembic_version"}))}


# ---- SQLite

def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise DomainError("the database is in memory: there is nothing to back up")
    return Path(database)


def _backup_sqlite(path: Path) -> Manifest:
    source = sqlite3.connect(_sqlite_path())
    target = sqlite3.connect(path)
    try:
        source.backup(target)  # all pages in one step: one consistent snapshot
    finally:
        source.close()
        target.close()
    copy = db.create_engine(f"sqlite:///{path}")
    try:
        with copy.connect() as connection:  # what the file holds, not what the database holds by now
            return Manifest("sqlite", _revision(connection), _row_counts(connection))
    finally:
        copy.dispose()


def _restore_sqlite(path: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(_sqlite_path(), timeout=30)
    try:
        source.backup(target)  # every page of the database replaced, under its write lock
    finally:
        source.close()
        target.close()


# ---- Postgres

def _libpq() -> tuple[str, dict]:
    """The database as pg_dump and pg_restore take it: a connection URI, and the password apart
    (in the environment, not on a command line every user can read)."""
    url = db.engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    return url.set(drivername="postgresql", password=None).render_as_string(), env


def _client(program: str, server_major: int) -> str:
    """The path of `program` (pg_dump, pg_restore) if it can handle a server of version `server_major`."""
    path = shutil.which(program)
    if path is None:
        raise DomainError(f"{program} is not installed (Debian: apt-get install postgresql-client-{server_major})")
    major = int(re.search(r"(\d+)", _run([path, "--version"], os.environ)).group(1))
    if major < server_major:
        raise DomainError(f"{program} is version {major} and the server {server_major}: it cannot read a newer "
                          f"server. Install the version {server_major} client (Debian: apt-get install "
                          f"postgresql-client-{server_major})")
    return path


def _run(command: list[str], env: dict) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603
    if done.returncode:
        raise DomainError(f"{command[0]} failed: {done.stderr.strip()}")
    return done.stdout


def _backup_postgres(path: Path) -> Manifest:
    uri, env = _libpq()
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, connection.begin():
        pg_dump = _client("pg_dump", connection.dialect.server_version_info[0])
        # pg_dump reads the snapshot this transaction counts the rows in, while it stays open.
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        manifest = Manifest("postgresql", _revision(connection), _row_counts(connection))
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={path}", f"--dbname={uri}"], env)
    return manifest


def _restore_postgres(path: Path) -> None:
    uri, env = _libpq()
    with db.engine.connect() as connection:
        pg_restore = _client("pg_restore", connection.dialect.server_version_info[0])
    # Every object of the backup dropped and made again, in one transaction: all or nothing.
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={uri}", str(path)], env)
    # Tables a newer version made, which the backup does not have: `flask db upgrade` makes them
    # again, and would stop at finding them there.
    listed = _run([pg_restore, "--list", str(path)], env)
    in_backup = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listed, re.MULTILINE))
    with db.engine.begin() as connection:
        present = set(inspect(connection).get_table_names())
        for name in sorted(present & (set(db.metadata.tables) | {"alembic_version"}) - in_backup):
            connection.execute(text(f'DROP TABLE "{name}" CASCADE'))
