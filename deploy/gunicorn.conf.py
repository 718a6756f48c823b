"""gunicorn's settings for the portal: `gunicorn --config deploy/gunicorn.conf.py wsgi:app`.

Override any of them without editing this file: GUNICORN_CMD_ARGS="--workers 8" in the environment
file, or options on the command line (both win over this file).
"""
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger

bind = "127.0.0.1:8000"  # nginx in front (deploy/nginx/omahallinta.conf)
# One worker per core, at least two: a request is CPU work between loopback reads, and with two per core
# the workers took turns on the cores and each request cost 15-25 % more CPU, the MIX toggle's p95 at
# ten connections 57-62 ms instead of 39 (docs/benchmarks.md, 3h). With more than one, the rate limits
# need RATELIMIT_STORAGE_URI on Redis.
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 1))
threads = 1
timeout = 30
graceful_timeout = 30
# The portal writes one line per request itself (with its id, the link keys left out); gunicorn's own
# access log would repeat it. Its error log (start, stop, a worker that died) goes to stderr.
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "omahallinta"
control_socket_disable = True  # nothing manages gunicorn but systemd and its signals

# The app is loaded by each worker, not by the master: the metrics directory (below) must be known
# before the portal is imported.
preload_app = False


def on_starting(server):
    """Prometheus metrics shared by the workers (prometheus_client's multiprocess mode) go to
    PROMETHEUS_MULTIPROC_DIR (the systemd unit gives it a fresh directory), else to a temporary
    directory of this server's own; what an earlier run left there is removed."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = server.metrics_dir = tempfile.mkdtemp(prefix="omahallinta-metrics-")
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def on_exit(server):
    if getattr(server, "metrics_dir", None):
        shutil.rmtree(server.metrics_dir, ignore_errors=True)


def when_ready(server):
    if server.cfg.workers > 1 and os.environ.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://"):
        server.log.warning("%d workers count failed logins each on their own (RATELIMIT_STORAGE_URI is memory://): "
                           "set it to Redis, or run one worker with threads", server.cfg.workers)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class RedactingLogger(Logger):
    """If the access log is turned on (--access-logfile), it leaves out the keys of emailed links
    and never writes a cookie or an Authorization header, whatever --access-logformat asks for."""

    def atoms(self, resp, req, environ, request_time):
        from app.observability import redact  # in a worker, where the portal is loaded

        return {key: redact(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()
                if "cookie" not in key and "authorization" not in key}


logger_class = RedactingLogger
