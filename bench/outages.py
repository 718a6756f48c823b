"""Outage fan-out: how fast an outage's customers are queued and then told.

    .venv/bin/python -m bench.outages [--customers 20000] [--database-url URL]
                                      [--postal-codes 33100,...] [--deliver N]

Migrates a fresh database (SQLite in a temporary directory unless --database-url names an
empty Postgres database), adds the benchmark customers (`bench_data`: three in four live in
Tampere, one in eight at each of its PLACES' postal codes), makes every tenth of them choose
SMS, and publishes an outage for the municipality of Tampere, or for `--postal-codes`. Then it
prints two rates:

- enqueue: the worker's fan-out job (`outages.notify`), run until it has told everyone, in
  notices written per second (each with its outbox message);
- delivery: `outbox.deliver_due` until nothing is due (or `--deliver` messages are sent), in
  messages per second, to an SMTP sink (aiosmtpd) and an HTTP SMS gateway sink, both on loopback.

At a million customers one postal code is 125 000 of them, a city's worth:
`--customers 1000000 --postal-codes 33100 --deliver 20000 --database-url <empty Postgres>`.
"""
import argparse
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from sqlalchemy import func, select, text, update

from app import create_app
from app.extensions import db
from app.models import Customer, OutageNotice, OutboxMessage
from app.models.base import utcnow
from app.services import bench_data, outages, outbox
from bench.harness import free_port


class Sink:
    """Counts what the SMTP server and the SMS gateway receive."""

    def __init__(self):
        self.emails = self.texts = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.emails += 1
        return "250 OK"


def gateway(sink: Sink) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            sink.texts += 1
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--database-url", default=f"sqlite:///{Path(tempfile.mkdtemp()) / 'outages.db'}")
    parser.add_argument("--postal-codes", default="", help="comma-separated; the outage's area instead of Tampere")
    parser.add_argument("--deliver", type=int, default=None,
                        help="stop delivering once this many messages are sent (checked after each batch of 100)")
    args = parser.parse_args()
    codes = [code for code in args.postal_codes.split(",") if code]
    sink, smtp_port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    sms = gateway(sink)
    app = create_app("production", {
        "SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench-" * 8, "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port, "SMTP_SECURITY": "none",
        "SMS_GATEWAY_URL": f"http://127.0.0.1:{sms.server_port}/send", "PORTAL_URL": "http://127.0.0.1/"})
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            bench_data.generate(args.customers)
            db.session.execute(update(Customer).where(Customer.id % 10 == 0).values(outage_notices="sms"))
            db.session.commit()
            # The planner's statistics of the new rows, as autovacuum gathers them minutes after such a
            # load (bench.scale does the same): without them Postgres reads every affected customer
            # for each batch of 500.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            print(f"customers generated and analysed in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            outages.create({"title": "Kuitukatko Tampereella", "severity": "major", "started_at": utcnow()},
                           [], codes, [] if codes else ["Tampere"])
            request = time.perf_counter() - started
            started = time.perf_counter()
            # The fan-out job as the worker runs it: each queued batch with its own payload (the id it
            # goes on from), until no batch queues another.
            while job := db.session.scalar(select(OutboxMessage).where(
                    OutboxMessage.channel == "task", OutboxMessage.topic == "outage.notify",
                    OutboxMessage.status == "pending").order_by(OutboxMessage.id)):
                job.status = "sent"
                outages.notify(**job.payload)
                db.session.commit()
            enqueue = time.perf_counter() - started
            told = db.session.scalar(select(func.count()).select_from(OutageNotice))
            started = time.perf_counter()
            while outbox.deliver_due(batch=100) and (args.deliver is None or sink.emails + sink.texts < args.deliver):
                pass
            delivery = time.perf_counter() - started
            print(f"customers: {args.customers}, affected and told: {told}")
            print(f"staff request (publish): {request * 1000:.0f} ms")
            print(f"enqueue: {told} notices in {enqueue:.1f} s, {told / enqueue:.0f}/s")
            print(f"delivery: {sink.emails} emails and {sink.texts} SMS in {delivery:.1f} s, "
                  f"{(sink.emails + sink.texts) / delivery:.0f}/s")
    finally:
        controller.stop()
        sms.shutdown()


if __name__ == "__main__":
    main()
