"""SQLite writer lock: the write transactions alone, without the web server around them.

`--processes` processes each run `--transactions` short write transactions through the
portal's engine (read a count, add an audit row, commit: the shape of a MIX toggle) on one
fresh SQLite file, first with the writer lock (app/sqlite.py), then without it (SQLite's busy
handler), and print each transaction's time from BEGIN to the end of its commit.

    .venv/bin/python -m bench.lock [--processes 10] [--transactions 200]
"""
import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import AuditEvent
from app.services import audit
from bench.portal import table
from bench.writers import percentile


def writer(url: str, lock: bool, transactions: int, start, results) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "SQLITE_WRITER_LOCK": lock})
    times = []
    with app.app_context():
        db.session.scalar(select(func.count()).select_from(AuditEvent))  # connected before the start
        db.session.rollback()
        start.wait()
        for i in range(transactions):
            began = time.perf_counter()
            seen = db.session.scalar(select(func.count()).select_from(AuditEvent))
            audit.record("bench.write", None, round=i, seen=seen)
            db.session.commit()
            times.append((time.perf_counter() - began) * 1000)
    results.put(times)


def run(lock: bool, processes: int, transactions: int) -> list:
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='omahallinta-lock-')) / 'bench.db'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes + 1), context.Queue()
    workers = [context.Process(target=writer, args=(url, lock, transactions, start, results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    times = [t for _ in workers for t in results.get()]
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    return ["lock file" if lock else "busy handler", len(times), f"{len(times) / elapsed:.0f}",
            f"{percentile(times, 50):.1f}", f"{percentile(times, 95):.1f}", f"{percentile(times, 99):.1f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=10)
    parser.add_argument("--transactions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="each pair of runs, alternately (default 2)")
    args = parser.parse_args()
    rows = [run(lock, args.processes, args.transactions) for _ in range(args.rounds) for lock in (True, False)]
    print(f"{args.processes} processes × {args.transactions} write transactions, SQLite WAL\n")
    print(table(["writers wait in", "transactions", "per second", "p50 ms", "p95 ms", "p99 ms"], rows))


if __name__ == "__main__":
    main()
