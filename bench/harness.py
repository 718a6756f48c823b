"""The portal deployed as the README deploys it, for the benchmarks to measure.

`Deployment` prepares a database (migrations, then the demo data or nothing), starts
gunicorn with deploy/gunicorn.conf.py on a free loopback port and `flask worker` processes
with the same environment, and stops them again; what they log goes to `log_path`.
`logged_in` returns the session cookie of a demo login, for tools such as wrk that cannot fill
in a form. The operations tests (tests/ops/) deploy the portal the same way.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
CUSTOMER = ("100001", "Lumi-Ranta-Kello-71")
STAFF = ("yllapito", "Hallinta-Demo-2026-x", "26BGQPJCXZZSKBZLMLJIQOCFSJPAE3VE")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sqlite_url(directory: str | None = None) -> str:
    directory = directory or tempfile.mkdtemp(prefix="omahallinta-bench-")
    return f"sqlite:///{Path(directory) / 'bench.db'}"


class Deployment:
    """gunicorn serving `app` (default: the portal) over `database_url`, with `workers` (None:
    deploy/gunicorn.conf.py's own count).

    `data` is "demo" (migrate, then load the demo), "none" (migrate only) or "keep"
    (the database is ready; touch nothing)."""

    def __init__(self, database_url: str | None = None, workers: int | None = 2, data: str = "demo",
                 app: str = "wsgi:app", env: dict | None = None, threads: int = 1):
        self.database_url = database_url or sqlite_url()
        self.workers = workers
        self.threads = threads
        self.data = data
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.metrics_dir = tempfile.mkdtemp(prefix="omahallinta-bench-metrics-")
        self.env = {
            **os.environ,
            "APP_CONFIG": "production",
            "SECRET_KEY": "bench-" + "x" * 40,
            "SESSION_COOKIE_SECURE": "false",
            "DATABASE_URL": self.database_url,
            "PORTAL_URL": self.url,
            "MAIL_BACKEND": "file",
            "MAIL_DIR": tempfile.mkdtemp(prefix="omahallinta-bench-mail-"),
            "FLASK_APP": "wsgi.py",
            "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir,
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None
        self.outbox_workers: list[subprocess.Popen] = []
        # Everything the servers and workers write (one line per request, warnings, errors), until stop().
        self.log_path = Path(tempfile.mkstemp(prefix="omahallinta-bench-", suffix=".log")[1])
        self.log = self.log_path.open("ab")

    def flask(self, *args: str) -> str:
        done = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True)
        return done.stdout

    def prepare(self) -> None:
        if self.data == "keep":
            return
        self.flask("db", "upgrade")
        if self.data == "demo":
            self.flask("demo", "--if-empty")

    def __enter__(self) -> "Deployment":
        self.prepare()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", str(GUNICORN_CONFIG), "--bind", f"127.0.0.1:{self.port}",
             *(["--workers", str(self.workers)] if self.workers else []), "--threads", str(self.threads),
             "--log-level", "warning", self.app],
            cwd=ROOT, env=self.env, start_new_session=True, stdout=self.log, stderr=subprocess.STDOUT,
        )
        try:
            wait_until_serving(self.url, self.process)
        except RuntimeError as error:
            written = self.logs()[-4000:]
            self.stop()
            raise RuntimeError(f"{error}; it wrote:\n{written}") from None
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        for process in [*self.outbox_workers, self.process]:
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        self.log.close()
        self.log_path.unlink(missing_ok=True)
        shutil.rmtree(self.metrics_dir, ignore_errors=True)

    def logs(self) -> str:
        """What the servers and workers have written so far."""
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def start_worker(self, env: dict | None = None) -> subprocess.Popen:
        """A `flask worker` over the same database and settings (plus `env`), as a second service
        would run it; stopped with the deployment, or killed by the caller."""
        worker = subprocess.Popen([str(BIN / "flask"), "worker"], cwd=ROOT, env={**self.env, **(env or {})},
                                  start_new_session=True, stdout=self.log, stderr=subprocess.STDOUT)
        self.outbox_workers.append(worker)
        return worker

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master), for their memory."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "/kirjaudu", timeout=5).read()
            return
        except OSError:  # refused, reset or timed out while the workers boot
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


@dataclass
class Reply:
    status: int
    location: str
    text: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args) -> None:
        return None  # the 3xx itself is the answer


class Browser:
    """A cookie-keeping HTTP client that fills in forms with their CSRF token.

    `headers` go with every request (e.g. the X-Forwarded-For a load balancer would add)."""

    def __init__(self, url: str, headers: dict | None = None):
        self.url = url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.opener.addheaders += list((headers or {}).items())
        self.single = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)
        self.single.addheaders = self.opener.addheaders

    def get(self, path: str) -> str:
        return self.opener.open(self.url + path, timeout=30).read().decode()

    def post(self, path: str, data: dict, page: str | None = None) -> str:
        token = CSRF.search(self.get(page or path)).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        return self.opener.open(self.url + path, data=body, timeout=30).read().decode()

    def csrf_token(self, page: str) -> str:
        return CSRF.search(self.get(page)).group(1)

    def send(self, path: str, data: dict | None = None) -> Reply:
        """One request as the server answers it: any status, no redirect followed.

        A POST (`data`) is sent as given: the caller puts in the `csrf_token`."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            response = self.single.open(self.url + path, data=body, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            return Reply(response.status, response.headers.get("Location", ""), response.read().decode())

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)


def logged_in(url: str, login: str = CUSTOMER[0], password: str = CUSTOMER[1]) -> Browser:
    """A customer's browser after the login form."""
    browser = Browser(url)
    browser.post("/kirjaudu", {"login": login, "password": password})
    return browser
