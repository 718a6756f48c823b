"""`flask doctor`, run as the README runs it: `flask -e <environment file> doctor`, on the example
environment file of deploy/ filled in well, and filled in badly."""
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from app import doctor
from tests.conftest import free_port, unavailable

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "omahallinta.env.example"
FLASK = str(Path(sys.executable).parent / "flask")


def environment_file(tmp_path: Path, **settings: str) -> Path:
    """The example file with `settings` put in place of its own values (or added)."""
    lines = EXAMPLE.read_text().splitlines()
    for key, value in settings.items():
        line = f"{key}={value}"
        at = [i for i, text in enumerate(lines) if text.startswith(f"{key}=")]
        if at:
            lines[at[0]] = line
        else:
            lines.append(line)
    path = tmp_path / "omahallinta.env"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_doctor(env_file: Path) -> subprocess.CompletedProcess:
    """`flask -e FILE doctor` in the portal's directory, with nothing of this process' settings."""
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    return subprocess.run([FLASK, "-e", str(env_file), "doctor"], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {url}: {error}")
    return url


def test_a_good_configuration_passes(app, smtp_server, redis_url, tmp_path):
    env = environment_file(
        tmp_path, SECRET_KEY=secrets.token_hex(32), DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_STORAGE_URI=redis_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port),
        SMTP_SECURITY="none", SMTP_USER="", SMTP_PASSWORD="", METRICS_TOKEN=secrets.token_hex(20))
    done = run_doctor(env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith("0 problem(s), 0 warning(s).\n")
    assert "OK       The database's migrations are the code's." in done.stdout
    assert f"OK       The SMTP relay 127.0.0.1:{smtp_server.port} accepts the portal." in done.stdout
    assert "OK       Rate limits are kept in Redis" in done.stdout
    assert "OK       Attachments are kept in " in done.stdout


def test_what_is_wrong_is_said_plainly(tmp_path):
    env = environment_file(
        tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}", SESSION_COOKIE_SECURE="false",
        PORTAL_URL="http://oma.example.fi", RATELIMIT_STORAGE_URI="memory://", GUNICORN_CMD_ARGS="--workers 3",
        SMTP_HOST="127.0.0.1", SMTP_PORT=str(free_port()), SMTP_USER="",
        PROVISIONING_WEBHOOK_URL="http://hooks.example.fi/omahallinta", METRICS_TOKEN="lyhyt", LOG_FORMAT="xml",
        ATTACHMENT_DIR=str(ROOT / "app" / "static" / "liitteet"))
    done = run_doctor(env)
    assert done.returncode == 1, done.stdout + done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith("PROBLEM")]
    expected = [
        "SECRET_KEY is still the example's placeholder",
        "SESSION_COOKIE_SECURE is off",
        "PORTAL_URL is http://oma.example.fi",
        "The database is at migration none and the code at",
        "gunicorn runs 3 worker processes and the rate limits are kept in memory",
        f"The SMTP relay 127.0.0.1:{env.read_text().split('SMTP_PORT=')[1].split()[0]} cannot be used",
        "PROVISIONING_WEBHOOK_URL is set but PROVISIONING_WEBHOOK_SECRET is empty",
        "METRICS_TOKEN is 5 characters long",
        "LOG_FORMAT is xml",
        "among the static files: anyone could download the customers' attachments",
    ]
    for words in expected:
        assert any(words in line for line in problems), f"not said: {words}\n{done.stdout}"
    assert len(problems) == len(expected), done.stdout
    assert "WARNING  PROVISIONING_WEBHOOK_URL is http://" in done.stdout
    assert re.search(r"^10 problem\(s\), \d warning\(s\)\.$", done.stdout, re.MULTILINE)


def test_without_a_secret_key_it_says_so_and_nothing_else(tmp_path):
    env = environment_file(tmp_path)
    env.write_text(env.read_text().replace("SECRET_KEY=change-me\n", ""))
    done = run_doctor(env)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: SECRET_KEY is not set.") and "Traceback" not in done.stderr


def test_memory_limits_are_right_for_one_worker_process(monkeypatch):
    assert doctor._rate_limits({"RATELIMIT_STORAGE_URI": "memory://"}, 1).level == "ok"
    assert doctor._rate_limits({"RATELIMIT_STORAGE_URI": "memory://"}, 4).level == "problem"
    # Its worker count comes from deploy/gunicorn.conf.py, unless GUNICORN_CMD_ARGS says otherwise.
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert doctor.gunicorn_workers(doctor.GUNICORN_CONFIG) == 5
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--threads 8 -w 1")
    assert doctor.gunicorn_workers(doctor.GUNICORN_CONFIG) == 1
