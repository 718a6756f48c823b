"""Command-line tools: `flask demo`, `flask worker`, `flask invite`."""
import click
from flask import Flask, current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Customer
from app.services import DomainError, accounts, demo, outbox


def register(app: Flask) -> None:
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
