"""What Dovecot and Postfix see: the real doveadm verifies stored hashes, and every query of
the README's mail server section runs against the test database with the answers the mail server needs."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import Customer, Mailbox
from app.services import mailboxes
from tests.conftest import unavailable

DOC = Path(__file__).parents[2] / "README.md"
PASSWORD = "Kissa-Koira-Hevonen-77"


def doveadm_verifies(password_hash: str, password: str) -> bool:
    doveadm = shutil.which("doveadm") or ("/usr/bin/doveadm" if Path("/usr/bin/doveadm").exists() else None)
    if doveadm is None:
        unavailable("no doveadm (apt-get install dovecot-core)")
    result = subprocess.run([doveadm, "pw", "-t", password_hash, "-p", password],  # noqa: S603
                            capture_output=True, text=True, timeout=30)
    return result.returncode == 0 and "(verified)" in result.stdout


@pytest.mark.parametrize("scheme,prefix", [("ARGON2ID", "{ARGON2ID}$argon2id$"), ("BLF-CRYPT", "{BLF-CRYPT}$2y$")])
def test_doveadm_verifies_the_stored_hash(app, demo_data, scheme, prefix):
    customer = db.session.query(Customer).filter_by(customer_number="100001").one()
    app.config["MAILBOX_PASSWORD_SCHEME"] = scheme
    try:
        mailbox = mailboxes.create_mailbox(customer.id, "dovecot", PASSWORD)
    finally:
        app.config["MAILBOX_PASSWORD_SCHEME"] = "ARGON2ID"
    stored = db.session.get(Mailbox, mailbox.id).password_hash
    assert stored.startswith(prefix)
    assert doveadm_verifies(stored, PASSWORD)
    assert not doveadm_verifies(stored, PASSWORD + "x")
    assert not doveadm_verifies(stored, "Lumi-Ranta-Kello-71")


def documented_queries() -> dict[tuple[str, str], str]:
    """{(database, name): SQL} from the config blocks under the headings Postgres and SQLite:
    Dovecot's *_query and Postfix's `query` named after the .cf file above its block."""
    queries = {}
    database = None
    last_file = ""
    in_block = False
    for line in DOC.read_text().splitlines():
        if line.startswith("#"):
            database = {"### Postgres": "postgresql", "### SQLite": "sqlite"}.get(line.strip())
        elif line.startswith("```"):
            in_block = not in_block
        elif not in_block and line.startswith("`/etc/"):
            last_file = line.strip("`:")
        elif in_block and database:
            match = re.match(r"(password_query|user_query|iterate_query|query) = (.+)", line)
            if match:
                name = match[1] if match[1] != "query" else Path(last_file).stem
                queries[(database, name)] = match[2]
    return queries


QUERY_NAMES = {"password_query", "user_query", "iterate_query",
               "virtual_mailbox_domains", "virtual_mailbox_maps", "virtual_alias_maps"}


def test_the_doc_has_every_query_for_both_databases():
    queries = documented_queries()
    assert set(queries) == {(d, n) for d in ("postgresql", "sqlite") for n in QUERY_NAMES}


def run(name: str, key: str) -> list[tuple]:
    sql = documented_queries()[(db.engine.dialect.name, name)]
    # Dovecot and Postfix put the escaped key between the quotes; a bound parameter does the same.
    sql = sql.replace(":", "\\:").replace("'%u'", ":key").replace("'%s'", ":key")
    assert "%" not in sql
    return [tuple(row) for row in db.session.execute(text(sql), {"key": key})]


@pytest.fixture
def mail_setup(demo_data):
    matti = db.session.query(Customer).filter_by(customer_number="100001").one()
    box = db.session.query(Mailbox).filter_by(address="matti.virtanen@ipp.fi").one()
    mailboxes.add_alias(box, "mv")
    mailboxes.set_forwarding(box, ["matti@example.com"], True)
    other = mailboxes.create_mailbox(matti.id, "toinen", PASSWORD)
    mailboxes.add_alias(other, "tt")
    mailboxes.set_active(other, False)
    return box


def test_password_query(mail_setup):
    [(user, password)] = run("password_query", "matti.virtanen@ipp.fi")
    assert user == "matti.virtanen@ipp.fi"
    assert doveadm_verifies(password, "Posti-Laatikko-Sana-42")
    assert run("password_query", "toinen@ipp.fi") == []  # disabled
    assert run("password_query", "mv@ipp.fi") == []  # an alias is no login
    assert run("password_query", "x' OR '1'='1") == []


def test_user_query(mail_setup):
    assert run("user_query", "matti.virtanen@ipp.fi") == [("/var/vmail/ipp.fi/matti.virtanen", "*:storage=5120M")]
    assert run("user_query", "toinen@ipp.fi") == []


def test_iterate_query(mail_setup):
    assert run("iterate_query", "") == [("matti.virtanen@ipp.fi",)]


def test_virtual_mailbox_domains(mail_setup):
    assert run("virtual_mailbox_domains", "ipp.fi") == [("ipp.fi",)]
    assert run("virtual_mailbox_domains", "example.com") == []


def test_virtual_mailbox_maps(mail_setup):
    assert run("virtual_mailbox_maps", "matti.virtanen@ipp.fi") == [("ipp.fi/matti.virtanen/",)]
    assert run("virtual_mailbox_maps", "mv@ipp.fi") == []
    assert run("virtual_mailbox_maps", "toinen@ipp.fi") == []


def test_virtual_alias_maps(mail_setup):
    assert sorted(run("virtual_alias_maps", "matti.virtanen@ipp.fi")) == [
        ("matti.virtanen@ipp.fi",), ("matti@example.com",)]
    assert run("virtual_alias_maps", "mv@ipp.fi") == [("matti.virtanen@ipp.fi",)]
    assert run("virtual_alias_maps", "tt@ipp.fi") == []  # its mailbox is disabled
    assert run("virtual_alias_maps", "nobody@ipp.fi") == []
    mailboxes.set_forwarding(mail_setup, ["matti@example.com"], False)
    assert run("virtual_alias_maps", "matti.virtanen@ipp.fi") == [("matti@example.com",)]
