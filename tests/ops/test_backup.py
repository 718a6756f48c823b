"""`flask backup` and `flask restore`: a drill on the test database (SQLite, or Postgres with
TEST_DATABASE_URL): data made through the pages, a backup, the database destroyed, the backup
restored, and the same data and the same logins after it."""
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from app.backups import _client
from app.extensions import db
from app.models import Feedback, Order
from app.services import DomainError
from tests.conftest import drop_everything
from tests.helpers import refused
from tests.orders.conftest import form_data

NEW_PASSWORD = "Routa-Kantele-Lyhty-64"


def fingerprint() -> str:
    """Every row of every table, in primary-key order."""
    digest = hashlib.sha256()
    with db.engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            table = db.metadata.tables.get(name)
            order = [c.name for c in table.primary_key] if table is not None else ["version_num"]
            for row in connection.execute(text(f'SELECT * FROM "{name}" ORDER BY {", ".join(order)}')):
                digest.update(f"{name}:{tuple(row)!r}\n".encode())
    return digest.hexdigest()


def made_through_the_pages(client, make_client) -> None:
    """An order, a changed password, a message to customer service: writes in many tables."""
    client.login()
    assert client.post("/tilaa/JUNIOR", data=form_data(client.get("/tilaa/JUNIOR").text)).status_code == 303
    assert client.submit("/salasanan-vaihto", {"current_password": "Lumi-Ranta-Kello-71",
                                               "new_password": NEW_PASSWORD}).status_code == 303
    assert client.submit("/asiakaspalvelu", {"topic": "feedback", "message": "Kiitos!",
                                             "contact_email": "matti.virtanen@example.fi"}).status_code == 303
    refused(make_client().submit("/kirjaudu", {"login": "100001", "password": "vaara-salasana-1"}))


def test_a_backup_restores_the_same_data_and_the_same_logins(client, make_client, runner, demo_data, tmp_path):
    made_through_the_pages(client, make_client)
    kept_session = make_client()
    kept_session.login("100002", "Sade-Metsa-Tuoli-38")
    before = fingerprint()
    orders, feedback = (db.session.scalar(select(func.count()).select_from(model)) for model in (Order, Feedback))
    db.session.remove()  # nothing of the test holds a lock the restore waits for

    made = runner.invoke(args=["backup", str(tmp_path / "backups")])
    assert made.exit_code == 0, made.output
    backup, manifest_file = sorted((tmp_path / "backups").iterdir(), key=lambda p: p.suffix == ".json")
    assert backup.name.startswith("omahallinta-") and manifest_file.name == backup.name + ".json"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    manifest = json.loads(manifest_file.read_text())
    assert (manifest["rows"]["order"], manifest["rows"]["feedback"]) == (orders, feedback) and feedback == 1
    assert f"Backed up {sum(manifest['rows'].values())} rows in {len(manifest['rows'])} tables to {backup}" \
        in made.output

    drop_everything()  # the disk is lost
    db.engine.dispose()
    assert fingerprint() != before

    restored = runner.invoke(args=["restore", "--yes", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert "the same rows as when it was made" in restored.output and "flask db upgrade" not in restored.output
    assert fingerprint() == before
    fresh = make_client()
    assert fresh.submit("/kirjaudu", {"login": "100001", "password": NEW_PASSWORD}).status_code == 303
    assert "Matti Virtanen" in fresh.get("/").text
    assert kept_session.get("/").status_code == 200  # a session from before the backup goes on


def test_restore_checks_the_backup_and_what_it_made(runner, demo_data, tmp_path):
    db.session.remove()
    assert runner.invoke(args=["backup", str(tmp_path)]).exit_code == 0
    (backup,) = [p for p in tmp_path.iterdir() if p.suffix != ".json"]

    not_a_backup = tmp_path / "notes.dump"
    not_a_backup.write_text("hello")
    refused = runner.invoke(args=["restore", "--yes", str(not_a_backup)])
    assert refused.exit_code == 1 and "is not a backup of a" in refused.output

    asked = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert asked.exit_code == 1 and "Replace everything in" in asked.output  # nothing done without a yes

    manifest = Path(f"{backup}.json")
    tampered = json.loads(manifest.read_text())
    tampered["rows"]["customer"] += 1
    manifest.write_text(json.dumps(tampered))
    mismatch = runner.invoke(args=["restore", "--yes", str(backup)])
    assert mismatch.exit_code == 1 and "differs from the backup's manifest (tables customer)" in mismatch.output


def test_backup_keeps_the_newest(runner, app, tmp_path):
    suffix = ".dump" if db.engine.dialect.name == "postgresql" else ".sqlite3"
    older = [tmp_path / f"omahallinta-202601{day:02}T031500Z{suffix}" for day in (1, 2, 3)]
    for path in older:
        path.write_text("old")
        Path(f"{path}.json").write_text("{}")
    (tmp_path / "muistiinpanot.txt").write_text("not a backup: kept")
    db.session.remove()
    assert runner.invoke(args=["backup", str(tmp_path), "--keep", "2"]).exit_code == 0
    backups = sorted(tmp_path.glob(f"*{suffix}"))
    assert len(backups) == 2 and backups[0] == older[2] and backups[1].stat().st_size > 3
    assert sorted(tmp_path.glob("*.json")) == [Path(f"{b}.json") for b in backups]
    assert (tmp_path / "muistiinpanot.txt").exists()


def test_an_older_postgres_client_is_refused_with_what_to_install(tmp_path, monkeypatch):
    """pg_dump cannot dump a newer server: say which client to install, before trying."""
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.16'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(DomainError, match="apt-get install postgresql-client-15"):
        _client("pg_dump", 15)
    assert _client("pg_dump", 13) == str(fake)


@pytest.mark.usefixtures("postgres")
def test_the_postgres_client_can_dump_this_server():
    with db.engine.connect() as connection:
        major = connection.dialect.server_version_info[0]
    assert _client("pg_dump", major) and _client("pg_restore", major)
