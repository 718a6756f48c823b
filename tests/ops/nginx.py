"""deploy/nginx/omahallinta.conf run by the real nginx, for the tests: the site as shipped, with only
what a machine of its own would change (ports, certificate, log files, where the code and gunicorn
are), a self-signed certificate made on the spot, and a client that speaks HTTPS to it from any
loopback address (127.0.0.2, 127.0.0.3, …: each is another customer's address to nginx)."""
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import CSRF, free_port, unavailable

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "omahallinta.conf"
HOST = "oma.example.fi"


def nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        unavailable("nginx is not installed (Debian: apt-get install nginx-light)")
    return found


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for oma.example.fi and 127.0.0.1, and its key."""
    if not shutil.which("openssl"):
        unavailable("openssl is not installed")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={HOST}",
                    "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, f"deploy/nginx/omahallinta.conf no longer has {old!r}: update tests/ops/nginx.py"
    return text.replace(old, new)


@dataclass
class Site:
    directory: Path
    http_port: int
    https_port: int
    cert: Path

    @property
    def access_log(self) -> Path:
        return self.directory / "omahallinta.access.log"

    @property
    def error_log(self) -> Path:
        return self.directory / "error.log"

    def logs(self) -> str:
        return "".join(p.read_text(errors="replace") for p in (self.access_log, self.error_log) if p.exists())


def configure(directory: Path, upstreams: list[int]) -> tuple[Path, Site]:
    """nginx.conf (as Debian's, trimmed) including the site, ready for `nginx -c`."""
    cert, key = certificate(directory)
    site = Site(directory, free_port(), free_port(), cert)
    text = SITE.read_text()
    text = replaced(text, "    server 127.0.0.1:8000;", "\n".join(f"    server 127.0.0.1:{p};" for p in upstreams))
    text = replaced(text, "    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{site.http_port};\n")
    text = replaced(text, "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n",
                    f"    listen 127.0.0.1:{site.https_port} ssl http2;\n")
    text = replaced(text, f"/etc/letsencrypt/live/{HOST}/fullchain.pem", str(cert))
    text = replaced(text, f"/etc/letsencrypt/live/{HOST}/privkey.pem", str(key))
    text = replaced(text, "/var/log/nginx/omahallinta.access.log", str(site.access_log))
    text = replaced(text, "root /srv/omahallinta/app;", f"root {ROOT / 'app'};")
    (directory / "omahallinta.conf").write_text(text)
    temp = "\n".join(f"    {kind}_temp_path {directory / kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = directory / "nginx.conf"
    conf.write_text(f"""{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
pid {directory / 'nginx.pid'};
error_log {site.error_log} info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {directory / 'other.access.log'};
{temp}
    include {directory / 'omahallinta.conf'};
}}
""")
    return conf, site


def check_configuration(conf: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on `conf`."""
    return subprocess.run([nginx(), "-t", "-c", str(conf), "-e", str(conf.parent / "error.log")],
                          capture_output=True, text=True)


class Nginx:
    def __init__(self, conf: Path, site: Site):
        self.site = site
        self.process = subprocess.Popen([nginx(), "-c", str(conf), "-e", str(site.error_log), "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", site.https_port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {self.process.stderr.read().decode()}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)
            self.process.wait(timeout=30)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def all(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []


class Visitor:
    """A browser at `address` talking HTTPS to the site: keeps its cookies, follows no redirect."""

    def __init__(self, site: Site, address: str = "127.0.0.1"):
        self.site = site
        self.address = address
        self.context = ssl.create_default_context(cafile=str(site.cert))
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []  # every Set-Cookie it was sent

    def request(self, method: str, path: str, form: dict | None = None, body: bytes | None = None,
                headers: dict | None = None, https: bool = True) -> Answer:
        if https:
            connection = http.client.HTTPSConnection("127.0.0.1", self.site.https_port, context=self.context,
                                                     source_address=(self.address, 0), timeout=30)
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.site.http_port,
                                                    source_address=(self.address, 0), timeout=30)
        sent = {"Host": HOST, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST":  # Flask-WTF checks the Referer over HTTPS, as a browser sends it
            sent.setdefault("Referer", f"https://{HOST}{path}")
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for cookie in answer.all("Set-Cookie"):
            self.set_cookies.append(cookie)
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return answer

    def get(self, path: str, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict, page: str | None = None, **kw) -> Answer:
        """The form of `page` (default `path`) sent with its CSRF token."""
        match = CSRF.search(self.get(page or path).text)
        assert match, f"no CSRF token on {page or path}"
        return self.request("POST", path, form={**form, "csrf_token": match.group(1) or match.group(2)}, **kw)
