"""The deployment files of deploy/, checked by the programs that will read them: systemd's own
verifier and security analysis on the units, `nginx -t` on the site, the body limit against the
portal's, the example environment file against the Configuration table of the README."""
import os
import re
import runpy
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.config import Config
from app.services import attachments
from tests.conftest import unavailable
from tests.ops import nginx

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").iterdir())
SERVICES = [unit for unit in UNITS if unit.suffix == ".service"]
INSTALLED = "/srv/omahallinta"  # where the units expect the portal


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if not found:
        unavailable("systemd-analyze is not installed (Debian: apt-get install systemd)")
    return found


@pytest.fixture(scope="module")
def units(tmp_path_factory) -> list[Path]:
    """The units as installed here: /srv/omahallinta is this checkout (systemd checks ExecStart= exists)."""
    directory = tmp_path_factory.mktemp("systemd")
    for unit in UNITS:
        text = unit.read_text()
        assert unit.suffix != ".service" or INSTALLED in text, unit
        (directory / unit.name).write_text(text.replace(INSTALLED, str(ROOT)))
    return sorted(directory.iterdir())


def test_systemd_verifies_the_units(units):
    done = subprocess.run([systemd_analyze(), "verify", *map(str, units)], capture_output=True, text=True,
                          cwd=units[0].parent)
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stdout + done.stderr


@pytest.mark.parametrize("name", [unit.name for unit in SERVICES])
def test_the_services_are_hardened(units, name):
    """systemd's own exposure score: below 2.0 of 10 ("OK"), with the settings the issue names."""
    (unit,) = [u for u in units if u.name == name]
    done = subprocess.run([systemd_analyze(), "security", "--offline=true", "--threshold=20", str(unit)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-600:] + done.stderr
    text = unit.read_text()
    for setting in ("User=omahallinta", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
                    "EnvironmentFile=/etc/omahallinta/omahallinta.env"):
        assert setting in text, f"{name}: {setting}"


def test_nginx_accepts_the_site(tmp_path):
    conf, _ = nginx.configure(tmp_path, upstreams=[8000])
    done = nginx.check_configuration(conf)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_nginx_refuses_bodies_larger_than_the_portal_does():
    size = re.search(r"client_max_body_size (\d+)([km]?);", nginx.SITE.read_text())
    assert size, "the site sets no client_max_body_size"
    assert int(size.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[size.group(2)] == Config.MAX_CONTENT_LENGTH


def test_nginx_lets_the_forms_with_files_through(app):
    """Every view marked @takes_files, found in the URL map, and no other address."""
    site = nginx.SITE.read_text()
    block = re.search(r"location ~ (\S+) \{\s*client_max_body_size (\d+)m;", site)
    assert block and int(block.group(2)) * 1024 * 1024 == attachments.REQUEST_LIMIT
    pattern = re.compile(block.group(1))
    taking = {re.sub(r"<int:[^>]+>", "12", re.sub(r"<(?!int:)[^>]+>", "261128-0A1B2C", rule.rule))
              for rule in app.url_map.iter_rules()
              if getattr(app.view_functions[rule.endpoint], "max_content_length", None)}
    assert "/hallinta/tuonti/vahvista" in taking
    for path in taking:
        assert pattern.match(path), path
    for path in ("/kirjaudu", "/asiakaspalvelu/viesti/261128-0A1B2C/liite/3", "/hallinta/palautteet/12"):
        assert not pattern.match(path), path


def test_the_example_environment_file_names_only_real_settings():
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `([A-Z_]+)`", readme, re.MULTILINE))
    table |= {name for row in re.findall(r"^\| (`[A-Z_]+`(?:, `[A-Z_]+`)+) \|", readme, re.MULTILINE)
              for name in re.findall(r"`([A-Z_]+)`", row)}
    example = ROOT / "deploy" / "omahallinta.env.example"
    named = set(re.findall(r"^([A-Z_]+)=", example.read_text(), re.MULTILINE))
    assert named and named <= table, f"not in the README's Configuration table: {named - table}"
    assert {"SECRET_KEY", "DATABASE_URL", "PORTAL_URL", "RATELIMIT_STORAGE_URI", "TRUSTED_PROXIES"} <= named


def gunicorn_settings() -> dict:
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def test_gunicorn_runs_one_worker_per_core_and_at_least_two(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    for cores, workers in ((1, 2), (2, 2), (8, 8), (None, 2)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert gunicorn_settings()["workers"] == workers
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert gunicorn_settings()["workers"] == 3


def test_gunicorn_warns_when_its_workers_would_count_failed_logins_apart(monkeypatch):
    warned = []
    server = SimpleNamespace(cfg=SimpleNamespace(workers=4), log=SimpleNamespace(warning=lambda *a: warned.append(a)))
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    gunicorn_settings()["when_ready"](server)
    assert warned and "set it to Redis, or run one worker with threads" in warned[0][0]
    server.cfg.workers = 1
    gunicorn_settings()["when_ready"](server)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    server.cfg.workers = 4
    gunicorn_settings()["when_ready"](server)
    assert len(warned) == 1


def test_gunicorns_access_log_if_turned_on_leaves_out_keys_and_cookies():
    from gunicorn.config import Config as GunicornConfig

    logger = gunicorn_settings()["logger_class"](GunicornConfig())
    key = "eyJhbGciOi.c2VjcmV0"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/kutsu/{key}?x=1", "PATH_INFO": f"/kutsu/{key}",
               "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_REFERER": f"https://oma.example.fi/uusi-salasana/{key}",
               "HTTP_COOKIE": "oh_session=abc", "HTTP_AUTHORIZATION": "Bearer xyz"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[("Set-Cookie", "oh_session=def")])
    request = SimpleNamespace(headers=[("COOKIE", "oh_session=abc"), ("AUTHORIZATION", "Bearer xyz")])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    written = repr(atoms)
    assert "c2VjcmV0" not in written and "abc" not in written and "def" not in written and "xyz" not in written
    assert atoms["r"] == "GET /kutsu/[token]?x=1 HTTP/1.1"
