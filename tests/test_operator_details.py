"""The operator's details on every page: kept by each process, and a change is seen at once."""
import subprocess
import sys

from sqlalchemy import event

from app import kept
from app.extensions import db
from app.models import OperatorSettings
from app.services import settings

CHANGE_IN_ANOTHER_PROCESS = """
import sys
from app import create_app
from app.services import settings
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    settings.save_operator(phone="03 450 59")
"""


def test_pages_do_not_read_the_details_again(client, demo_data):
    reads = []

    def note(_conn, _cursor, statement, *_args):
        reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        client.get("/kirjaudu")
        assert any("operator_settings" in statement for statement in reads)  # the first page of this process
        reads.clear()
        client.get("/kirjaudu")
        assert reads == []  # the login page needs nothing else
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def test_a_change_saved_here_is_seen_on_the_next_page(client, demo_data):
    assert "03 450 51" in client.get("/kirjaudu").text
    settings.save_operator(phone="03 450 52")
    assert "03 450 52" in client.get("/kirjaudu").text


def test_a_change_written_without_the_form_is_seen_too(client, demo_data):
    assert "03 450 51" in client.get("/kirjaudu").text
    db.session.get(OperatorSettings, 1).phone = "03 450 53"
    db.session.commit()
    assert "03 450 53" in client.get("/kirjaudu").text
    db.session.get(OperatorSettings, 1).phone = "03 450 54"
    db.session.rollback()  # a change not committed is not seen
    assert "03 450 53" in client.get("/kirjaudu").text


def test_a_change_by_another_process_is_seen_at_once(client, demo_data):
    """Another gunicorn worker (here: another Python process) saves the details."""
    assert "03 450 51" in client.get("/kirjaudu").text
    db.session.commit()
    url = db.engine.url.render_as_string(hide_password=False)
    subprocess.run([sys.executable, "-c", CHANGE_IN_ANOTHER_PROCESS, url], check=True, timeout=60)
    assert "03 450 59" in client.get("/kirjaudu").text


def test_before_the_details_are_saved_pages_name_the_portal(client):
    assert "Omahallinta" in client.get("/kirjaudu").text
    assert settings.current_operator() is None


def test_a_change_through_another_server_is_seen_within_seconds(client, demo_data, monkeypatch):
    """Another server (or psql) writes the details without this server's generation file: the copy is
    kept no longer than kept.SECONDS."""
    assert "03 450 51" in client.get("/kirjaudu").text
    db.session.commit()
    raw = db.engine.raw_connection()  # the driver's own connection: none of the portal's listeners hear it
    try:
        raw.cursor().execute("UPDATE operator_settings SET phone = '03 450 58'")
        raw.commit()
    finally:
        raw.close()
    assert "03 450 51" in client.get("/kirjaudu").text  # kept
    later = kept.clock() + kept.SECONDS
    monkeypatch.setattr(kept, "clock", lambda: later)
    assert "03 450 58" in client.get("/kirjaudu").text
