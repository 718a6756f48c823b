"""Command-line tools: `flask demo`, `flask bench-data`, `flask worker`, `flask invite`, `flask add-admin`,
`flask translate`, `flask backup`, `flask restore`, `flask doctor`."""
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask, current_app
from sqlalchemy import select

from app import backups, doctor, observability
from app.extensions import db
from app.models import Customer
from app.services import DomainError, accounts, bench_data, demo, outbox, settings


def pybabel(*args: str) -> None:
    """Run a pybabel command in this process; a failure stops the command."""
    if CommandLineInterface().run(["pybabel", "--quiet", *args]):
        raise click.ClickException(f"pybabel {args[0]} failed")


def register_translate(app: Flask) -> None:
    root = Path(app.root_path).parent
    translations = str(root / "translations")
    template = str(root / "translations" / "messages.pot")

    def extract() -> None:
        pybabel("extract", "-F", str(root / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext", "--no-location",
                "--sort-output", "--no-wrap", "-o", template, str(root))

    @app.cli.group()
    def translate() -> None:
        """Keep the fi, sv and en catalogs in step with the strings of the code."""

    @translate.command()
    def update() -> None:
        """Extract the strings and add the new ones to every catalog, untranslated."""
        extract()
        pybabel("update", "-i", template, "-d", translations, "--no-wrap", "--no-fuzzy-matching",
                "--ignore-obsolete")

    @translate.command()
    def compile() -> None:
        """Compile the catalogs into the .mo files the portal reads."""
        pybabel("compile", "-d", translations)

    @translate.command()
    @click.argument("lang")
    def init(lang: str) -> None:
        """Start a catalog for a new language, e.g. `flask translate init de`."""
        extract()
        pybabel("init", "-i", template, "-d", translations, "-l", lang, "--no-wrap")


def register(app: Flask) -> None:
    register_translate(app)

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing if the database has data already.")
    def demo_command(if_empty: bool) -> None:
        """Load the demo operator, catalog and customers into an empty database."""
        if demo.database_has_data():
            if not if_empty:
                raise click.ClickException("the database has data already; demo data goes only into an empty one")
        else:
            demo.load()
            click.echo("Demo data loaded.")
        click.echo(demo.LOGINS_TEXT.format(url=current_app.config["PORTAL_URL"]))

    @app.cli.command("bench-data")
    @click.option("--customers", type=click.IntRange(min=1), required=True, help="How many customers to add.")
    def bench_data_command(customers: int) -> None:
        """Add benchmark customers in bulk (the demo catalog is loaded first into an empty database)."""
        try:
            result = bench_data.generate(customers)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
        click.echo(f"{customers} benchmark customers added: numbers {result.first_number}–{result.last_number}, "
                   f"every one with the password {bench_data.PASSWORD} (e.g. {result.example}).")

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
    def worker_command(once: bool) -> None:
        """Deliver queued emails and provisioning events, retrying with backoff."""
        outbox.run_worker(current_app.config["OUTBOX_POLL_SECONDS"], once=once)

    @app.cli.command("invite")
    @click.argument("customer_number")
    def invite_command(customer_number: str) -> None:
        """Email a first-login link to a customer."""
        customer = db.session.scalar(select(Customer).where(Customer.customer_number == customer_number))
        if customer is None:
            raise click.ClickException(f"no customer {customer_number}")
        with current_app.test_request_context():
            try:
                accounts.invite(customer)
            except DomainError as error:
                raise click.ClickException(str(error.message)) from error
        click.echo(f"Invitation queued for {customer.email}.")

    @app.cli.command("add-admin")
    @click.argument("username")
    @click.argument("display_name")
    @click.password_option(help="Asked for when left out (typed twice, not shown).")
    def add_admin_command(username: str, display_name: str, password: str) -> None:
        """Add a staff member with the admin role: the first one of a new installation, who adds the
        others in the console. Two-step login is set up at the first login, as for every staff member."""
        try:
            settings.add_staff(username, display_name, "admin", password)
        except DomainError as error:
            raise click.ClickException("; ".join(str(m) for m in error.errors.values())) from error
        click.echo(f"Admin {username.strip().lower()} added: log in at {current_app.config['PORTAL_URL']}/hallinta.")

    @app.cli.command("backup")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--keep", type=click.IntRange(min=1), help="Then delete all but the newest KEEP backups there.")
    def backup_command(directory: Path, keep: int | None) -> None:
        """Back up the whole database into DIRECTORY (safe while the portal runs)."""
        try:
            path, manifest = backups.backup(directory, keep)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
        click.echo(f"Backed up {manifest.total} rows in {len(manifest.rows)} tables to {path}")

    @app.cli.command("restore")
    @click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
    def restore_command(backup: Path, yes: bool) -> None:
        """Replace everything in the database with BACKUP (stop the portal and the workers first)."""
        if not yes:
            click.confirm(f"Replace everything in {db.engine.url.render_as_string(hide_password=True)} "
                          f"with {backup}?", abort=True)
        try:
            restored, manifest = backups.restore(backup)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
        checked = "the same rows as when it was made" if manifest else "no manifest beside it to check against"
        click.echo(f"Restored {restored.total} rows in {len(restored.rows)} tables from {backup}: {checked}.")
        if set(restored.revision) != observability.migration_heads():
            click.echo("The backup was made by another version: run `flask db upgrade` before starting the portal.")

    @app.cli.command("doctor")
    @click.option("--gunicorn-config", type=click.Path(dir_okay=False, path_type=Path),
                  default=doctor.GUNICORN_CONFIG, show_default=True,
                  help="The gunicorn settings the portal runs with (for its worker count).")
    def doctor_command(gunicorn_config: Path) -> None:
        """Check this configuration for production; exit with 1 if anything is wrong."""
        findings = doctor.examine(current_app, gunicorn_config)
        for finding in findings:
            click.echo(f"{finding.level.upper():8} {finding.message}")
        problems = sum(finding.level == "problem" for finding in findings)
        warnings = sum(finding.level == "warning" for finding in findings)
        click.echo(f"{problems} problem(s), {warnings} warning(s).")
        if problems:
            click.get_current_context().exit(1)
