"""The portal as deploy/ runs it: nginx with the shipped site (and a self-signed certificate) in front
of two gunicorn servers (deploy/gunicorn.conf.py, two workers each) on loopback, an outbox worker, one
Postgres, one Redis. Cookies, redirects, HSTS, static files, the body limit, rate limits by the
customer's address, metrics; and the logs of a whole session of a customer and of the admin
checked for every key, password and cookie it used."""
import json
import os
import re
import secrets
import threading
from pathlib import Path

import pytest

from app.config import Config
from app.extensions import db
from app.models import Customer
from app.services import attachments
from bench.harness import CUSTOMER, Deployment
from tests.conftest import SMTPServer, free_port
from tests.ops import nginx
from tests.ops.conftest import wait_for
from tests.ops.nginx import HOST, Visitor

TOKEN = secrets.token_hex(24)  # METRICS_TOKEN
SECRET_KEY = "proxy-" + secrets.token_hex(24)
SMTP_PASSWORD = "smtp-" + secrets.token_hex(12)
WEBHOOK_SECRET = "hook-" + secrets.token_hex(12)
HSTS = "max-age=63072000; includeSubDomains"


@pytest.fixture(scope="module")
def relay():
    server = SMTPServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def deployed(ops_database, shared_limits, relay, tmp_path_factory):
    """nginx over two servers: `text` logs as text with gunicorn's access log on, `json` as JSON."""
    env = {**shared_limits, "TRUSTED_PROXIES": "1", "SESSION_COOKIE_SECURE": "true", "PORTAL_URL": f"https://{HOST}",
           "SECRET_KEY": SECRET_KEY, "METRICS_TOKEN": TOKEN, "MAIL_BACKEND": "smtp", "SMTP_PORT": str(relay.port),
           "SMTP_PASSWORD": SMTP_PASSWORD, "PROVISIONING_WEBHOOK_SECRET": WEBHOOK_SECRET,
           "OUTBOX_POLL_SECONDS": "0.1"}
    with Deployment(ops_database, data="keep", workers=2, env={**env, "GUNICORN_CMD_ARGS": "--access-logfile -"}) \
            as text, Deployment(ops_database, data="keep", workers=2, env={**env, "LOG_FORMAT": "json"}) as json_:
        text.start_worker()
        conf, site = nginx.configure(tmp_path_factory.mktemp("nginx"), upstreams=[text.port, json_.port])
        proxy = nginx.Nginx(conf, site)
        try:
            yield site, text, json_
        finally:
            proxy.stop()


def only(answer, header: str) -> str:
    values = answer.all(header)
    assert len(values) == 1, f"{header}: {values}"
    return values[0]


def test_http_is_sent_to_https(deployed):
    site, *_ = deployed
    answer = Visitor(site).get("/kirjaudu?next=%2Ftilaa", https=False)
    assert answer.status == 301
    assert only(answer, "Location") == f"https://{HOST}/kirjaudu?next=%2Ftilaa"


def test_pages_cookies_and_redirects_through_nginx(deployed):
    site, *_ = deployed
    browser = Visitor(site)
    assert browser.get("/").status == 302
    assert only(browser.get("/"), "Location").startswith("/kirjaudu?next=")  # on the site, never http://
    page = browser.get("/kirjaudu")
    assert page.status == 200 and only(page, "Strict-Transport-Security") == HSTS
    assert re.fullmatch(r"[0-9a-f]{32}", only(page, "X-Request-ID"))  # nginx's $request_id, kept by the portal
    logged_in = browser.post("/kirjaudu", {"login": CUSTOMER[0], "password": CUSTOMER[1]})
    assert logged_in.status == 303 and only(logged_in, "Location") == "/"
    assert browser.post("/kieli", {"lang": "fi", "next": "/"}, page="/").status == 303
    assert "Matti Virtanen" in browser.get("/").text
    assert {cookie.split("=")[0] for cookie in browser.set_cookies} == {"oh_session", "lang"}
    for cookie in browser.set_cookies:
        attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite=lax"} <= attributes, cookie


def test_one_request_id_in_nginx_and_in_the_portal(deployed):
    site, text, json_ = deployed
    answer = Visitor(site).get("/kirjaudu?id-check")
    request_id = only(answer, "X-Request-ID")
    # nginx writes its access line after the answer has left, so the client can be first.
    wait_for(lambda: request_id in site.access_log.read_text(), "the request id in nginx's access log")
    wait_for(lambda: request_id in text.logs() + json_.logs(), "the request id in the portal's log")


def test_static_files_come_from_nginx_cached_for_a_year(deployed):
    site, *_ = deployed
    browser = Visitor(site)
    page = browser.get("/kirjaudu").text
    css = re.search(r'href="(/static/app\.css\?v=\w+)"', page).group(1)
    script = re.search(r'src="(/static/app\.js\?v=\w+)"', page).group(1)
    answer = browser.get(css, headers={"Accept-Encoding": "gzip"})
    assert answer.status == 200 and "X-Request-ID" not in answer.headers  # nginx served it from disk
    assert only(answer, "Cache-Control") == "public, max-age=31536000, immutable"
    assert only(answer, "Strict-Transport-Security") == HSTS
    assert only(answer, "Content-Encoding") == "gzip" and only(answer, "X-Content-Type-Options") == "nosniff"
    assert only(browser.get("/static/app.css"), "Cache-Control") == "no-cache"  # no version, no year
    bundle = browser.get(script)  # made by the portal: nginx hands it on
    assert bundle.status == 200 and "X-Request-ID" in bundle.headers
    assert only(bundle, "Cache-Control") == "public, max-age=31536000, immutable"
    assert only(bundle, "Strict-Transport-Security") == HSTS


def test_a_body_over_the_portals_limit_stops_at_nginx(deployed):
    site, *_ = deployed
    answer = Visitor(site).request("POST", "/kirjaudu", body=b"x" * (Config.MAX_CONTENT_LENGTH + 1),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 413 and "X-Request-ID" not in answer.headers
    assert only(answer, "Strict-Transport-Security") == HSTS


def test_the_forms_with_attachments_take_more_through_nginx(deployed):
    """A file larger than other forms take reaches the portal (which answers this one, sent without a
    session, with the login page); a body over the attachments' limit stops at nginx."""
    site, *_ = deployed
    headers = {"Content-Type": "multipart/form-data; boundary=raja"}

    def body(size: int) -> bytes:
        return (b'--raja\r\nContent-Disposition: form-data; name="attachments"; filename="a.pdf"\r\n\r\n'
                + b"%PDF-" + b"x" * size + b"\r\n--raja--\r\n")

    passed = Visitor(site).request("POST", "/asiakaspalvelu", body=body(2 * Config.MAX_CONTENT_LENGTH), headers=headers)
    assert passed.status == 302 and "/kirjaudu" in passed.headers["Location"] and "X-Request-ID" in passed.headers
    stopped = Visitor(site).request("POST", "/asiakaspalvelu", body=body(attachments.REQUEST_LIMIT), headers=headers)
    assert stopped.status == 413 and "X-Request-ID" not in stopped.headers


def test_rate_limits_count_the_customers_address_through_nginx(deployed):
    """Reset requests: 5 per 15 minutes from one address, whichever server takes them."""
    site, *_ = deployed
    first, second = Visitor(site, "127.0.0.2"), Visitor(site, "127.0.0.3")
    asked = [first.post("/unohtunut-salasana", {"login": f"ei{i}@example.fi"}).status for i in range(5)]
    assert asked == [303] * 5
    refused = first.post("/unohtunut-salasana", {"login": "ei@example.fi"})
    assert refused.status == 429 and only(refused, "Strict-Transport-Security") == HSTS
    forged = first.post("/unohtunut-salasana", {"login": "ei@example.fi"}, headers={"X-Forwarded-For": "10.1.2.3"})
    assert forged.status == 429  # a header the customer sends does not make another address
    assert second.post("/unohtunut-salasana", {"login": "ei@example.fi"}).status == 303


def test_probes_and_metrics_through_nginx(deployed):
    site, text, _ = deployed
    browser = Visitor(site, "127.0.0.4")  # not this machine's own address to the portal (127.0.0.1)
    ready = browser.get("/readyz")
    assert ready.status == 200 and json.loads(ready.body)["status"] == "ok"
    assert only(ready, "Strict-Transport-Security") == HSTS and "Set-Cookie" not in ready.headers
    assert browser.get("/metrics").status == 404  # from outside only with the token
    assert browser.get("/metrics", headers={"Authorization": "Bearer wrong"}).status == 403
    metrics = browser.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert metrics.status == 200 and "omahallinta_http_requests_total" in metrics.text


def healthz_count(url: str) -> float:
    """Requests to /healthz a server has answered, summed over its workers (scraped from loopback)."""
    from urllib.request import urlopen

    body = urlopen(url + "/metrics", timeout=10).read().decode()  # noqa: S310
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
               if line.startswith('omahallinta_http_requests_total{endpoint="healthz"'))


def test_metrics_add_up_over_a_servers_worker_processes(deployed):
    from urllib.request import urlopen

    _, text, _ = deployed
    before = healthz_count(text.url)
    threads = [threading.Thread(target=lambda: [urlopen(text.url + "/healthz", timeout=10).read()  # noqa: S310
                                                for _ in range(10)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert healthz_count(text.url) - before == 40
    assert list(Path(text.metrics_dir).glob("counter_*.db"))  # prometheus_client's shared files
    assert "omahallinta_worker_heartbeat_age_seconds" in urlopen(text.url + "/metrics").read().decode()  # noqa: S310


# ---- a whole session, then every log

PASSWORDS = {
    "invitation": "Kanerva-Tunturi-Sointu-84",
    "wrong": "Vaara-Arvaus-Kolme-21",
    "reset": "Routa-Lyhty-Kantele-57",
    "mailbox": "Posti-Laatikko-Sana-39",
}


def link(relay, to: str, path: str) -> str:
    """The newest link to `path…` mailed to `to` (waits for the worker), without the host."""
    def find():
        for message in reversed(relay.messages):
            if message["To"] == to:
                found = re.search(rf"https://{re.escape(HOST)}({re.escape(path)}\S+)", message.get_content())
                if found:
                    return found.group(1)
        return None
    return wait_for(find, f"a {path} link to {to}")


def test_no_key_password_or_cookie_in_any_log(deployed, relay, ops_app):
    """A customer invited, logging in, getting a password wrong, resetting it, changing their email; another
    changing a mailbox password; the admin reading /metrics. Then every log line of nginx, both servers,
    gunicorn's access log and the worker is searched for each key, password and cookie value they used."""
    site, text, json_ = deployed
    secrets_used = {"SECRET_KEY": SECRET_KEY, "METRICS_TOKEN": TOKEN, "SMTP_PASSWORD": SMTP_PASSWORD,
                    "PROVISIONING_WEBHOOK_SECRET": WEBHOOK_SECRET, "demo password": CUSTOMER[1], **PASSWORDS}
    with ops_app.app_context():  # a customer who has not taken the portal into use yet
        db.session.query(Customer).filter_by(customer_number="100003").one().account.password_hash = None
        db.session.commit()
    address = re.search(r"queued for (\S+)\.", text.flask("invite", "100003")).group(1)

    invited = Visitor(site)
    invitation = link(relay, address, "/kutsu/")
    assert invited.post(invitation, {"new_password": PASSWORDS["invitation"]}).status == 303
    assert invited.post("/kirjaudu-ulos", {}, page="/").status == 303
    refused = invited.post("/kirjaudu", {"login": "100003", "password": PASSWORDS["wrong"]})
    assert refused.status == 303 and refused.headers["Location"] == "/kirjaudu"
    assert "form-error" in invited.get("/kirjaudu").text  # the refusal, shown once
    assert invited.post("/unohtunut-salasana", {"login": address}).status == 303
    reset = link(relay, address, "/uusi-salasana/")
    assert invited.get(reset).status == 200
    assert invited.post(reset, {"new_password": PASSWORDS["reset"]}).status == 303
    new_address = f"uusi.{secrets.token_hex(3)}@example.fi"
    assert invited.post("/kayttajatiedot/sahkoposti", {"email": new_address, "password": PASSWORDS["reset"]}) \
        .status == 303
    confirm = link(relay, new_address, "/kayttajatiedot/sahkoposti/vahvista/")
    assert invited.post(confirm, {}).status == 303
    assert invited.post("/kirjaudu-ulos", {}, page="/").status == 303

    matti = Visitor(site)
    assert matti.post("/kirjaudu", {"login": CUSTOMER[0], "password": CUSTOMER[1]}).status == 303
    mailbox = re.search(r'action="/sahkoposti/(\d+)/salasana"', matti.get("/sahkoposti").text).group(1)
    assert matti.post(f"/sahkoposti/{mailbox}/salasana", {f"m{mailbox}-pw-new_password": PASSWORDS["mailbox"]},
                      page="/sahkoposti").status == 303
    assert Visitor(site).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status == 200

    from urllib.request import urlopen

    try:  # the used reset link once more, straight to the server with gunicorn's access log on
        urlopen(text.url + reset, timeout=10)  # noqa: S310
    except OSError:
        pass  # 404: used
    for name, path in (("invitation", invitation), ("reset", reset), ("email change", confirm)):
        secrets_used[f"{name} link key"] = path.rsplit("/", 1)[1]
    for browser in (invited, matti):
        for cookie in browser.set_cookies:
            value = cookie.split(";")[0].split("=", 1)[1]
            if len(value) > 8:  # a session, not the language
                secrets_used[f"cookie {cookie[:20]}"] = value
        secrets_used.update({f"CSRF token {i}": token for i, token in enumerate(
            re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get("/kirjaudu").text))})

    # Each server writes its access line after the answer has left: wait for the last ones.
    wait_for(lambda: re.search(r'"GET /uusi-salasana/\[token\] HTTP/1.1" 404 ', text.logs()), "gunicorn's last line")
    logs = {"nginx": site.logs(), "gunicorn and portal (text)": text.logs(), "portal (JSON)": json_.logs()}
    for where, written in logs.items():
        for what, value in secrets_used.items():
            assert value not in written, f"{what} is in the log of {where}"
    everything = "\n".join(logs.values())
    for path in ("/kutsu/[token]", "/uusi-salasana/[token]", "/kayttajatiedot/sahkoposti/vahvista/[token]"):
        assert f"POST {path}" in everything, f"no line for {path}: the search above searched nothing"
        assert f"{path} HTTP/1.1\" 303" in logs["nginx"]
    assert re.search(r'"GET /uusi-salasana/\[token\] HTTP/1.1" 404 ', logs["gunicorn and portal (text)"]), \
        "gunicorn's access log has no line for the used link"
    entries = [json.loads(line) for line in logs["portal (JSON)"].splitlines() if line.startswith("{")]
    assert {entry["path"] for entry in entries if entry["logger"] == "app.request"} >= {"/kirjaudu"}
    assert all(re.fullmatch(r"[0-9a-f]{32}", entry["request_id"]) for entry in entries
               if entry["logger"] == "app.request")


# ---- the README's Production section, command by command

README = nginx.ROOT / "README.md"
INSTALLED = "/srv/omahallinta"
ENV_FILE = "/etc/omahallinta/omahallinta.env"
BACKUPS = "/var/backups/omahallinta"


def production_commands() -> list[str]:
    """Every command line of the sh blocks of the README's Production section."""
    text = README.read_text()
    section = text[text.index("\n## Production\n"):text.index("\n## Benchmarks\n")]
    blocks = re.findall(r"^( *)```sh\n(.*?)^\1```", section, re.MULTILINE | re.DOTALL)
    return [line.strip() for _, block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def host_only(command: str) -> bool:
    """A command that changes the machine itself (users, /etc, systemd): not run here; what it names
    must exist. True if `command` is one."""
    words = command.split()
    units = {unit.name for unit in (nginx.ROOT / "deploy" / "systemd").iterdir()}
    if words[0] == "useradd":
        return words[-1] == "omahallinta" and f"--home-dir {INSTALLED}" in command
    if words[:3] == ["python3.11", "-m", "venv"]:
        return words[3] == ".venv"
    if words[0] in ("install", "cp"):
        sources = [w for w in words if w.startswith("deploy/")]
        assert all((nginx.ROOT / w).exists() for w in sources), command
        return bool(sources) or words[1] == "-d"
    if words[:2] == ["ln", "-s"]:
        return (nginx.ROOT / "deploy" / "nginx" / Path(words[2]).name).exists()
    if words[0] == "systemctl":
        named = [w for w in words[1:] if w.startswith("omahallinta")]
        assert all(w in units or f"{w}.service" in units for w in named), command
        return words[1] in ("daemon-reload", "enable", "start", "stop", "restart", "reload")
    return False


def test_every_command_of_the_readmes_production_section(deployed, relay, shared_limits, ops_app, ops_database,
                                                         tmp_path):
    """Run as written, on this deployment: /etc/omahallinta/omahallinta.env is the example filled in
    for it, /var/backups/omahallinta a directory of the test's, oma.example.fi the nginx in front."""
    import subprocess

    site, text, _ = deployed
    with ops_app.app_context():
        if not db.session.query(Customer).filter_by(customer_number="100123").first():
            db.session.add(Customer(customer_number="100123", name="Uusi Asiakas", email="uusi.asiakas@example.fi"))
            db.session.commit()
    settings = {"SECRET_KEY": SECRET_KEY, "DATABASE_URL": ops_database, "PORTAL_URL": f"https://{HOST}",
                "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(relay.port), "SMTP_SECURITY": "none", "SMTP_USER": "",
                "SMTP_PASSWORD": "", "METRICS_TOKEN": TOKEN, **shared_limits}
    lines = (nginx.ROOT / "deploy" / "omahallinta.env.example").read_text().splitlines()
    lines = [f"{line.split('=')[0]}={settings[line.split('=')[0]]}" if line.split("=")[0] in settings else line
             for line in lines] + [f"RATELIMIT_KEY_PREFIX={shared_limits['RATELIMIT_KEY_PREFIX']}"]
    env_file = tmp_path / "omahallinta.env"
    env_file.write_text("\n".join(lines) + "\n")
    backups = tmp_path / "backups"
    clean = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "TMPDIR")}
    curl = f"curl --resolve {HOST}:{site.https_port}:127.0.0.1 --cacert {site.cert}"

    ran, checked = [], []
    for command in dict.fromkeys(production_commands()):  # a command written twice runs once
        if command == f"cd {INSTALLED}":
            continue
        if host_only(command):
            checked.append(command)
            continue
        if command == "nginx -t":
            done = nginx.check_configuration(site.directory / "nginx.conf")
            assert done.returncode == 0, done.stderr
            ran.append(command)
            continue
        shell = command.removeprefix("sudo -u omahallinta ")
        assert shell.startswith((".venv/bin/flask -e ", ".venv/bin/pip install", ".venv/bin/pybabel", "curl ")), \
            f"the README says `{command}`, which no test runs: run it here"
        made = sorted(backups.glob("omahallinta-*.dump"))
        shell = (shell.replace(ENV_FILE, str(env_file)).replace(BACKUPS, str(backups))
                 .replace(f"https://{HOST}/", f"https://{HOST}:{site.https_port}/"))
        shell = re.sub(r"^curl ", curl + " ", shell)
        if made:
            shell = re.sub(r"[^ ]+/omahallinta-\d{8}T\d{6}Z\.dump", str(made[-1]), shell)
        # What the admin types: "y" to a restore's question, the first admin's password twice.
        typed = "Kesainen-Myrsky-Lautta-48\n" * 2 if " add-admin " in command else "y\n"
        done = subprocess.run(["bash", "-c", shell], cwd=nginx.ROOT, input=typed, capture_output=True, text=True,
                              env={**clean, "METRICS_TOKEN": TOKEN}, timeout=300)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        ran.append(command)
    assert any("doctor" in c for c in ran) and any(" restore " in c for c in ran) and any("readyz" in c for c in ran)
    assert any("metrics" in c for c in ran) and any("systemctl enable" in c for c in checked)
    assert any(" add-admin " in c for c in ran)
