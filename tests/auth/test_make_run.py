"""The README's login limit, measured from outside on `make run` exactly as a newcomer starts it
(audit finding 10): ten wrong passwords for one account, then 429, whichever name is typed."""
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from tests.conftest import CSRF, free_port

ROOT = Path(__file__).resolve().parents[2]


def post_login(base: str, login: str, password: str) -> int | str:
    """What a browser ends on: the page it is sent to (a refusal goes back to the form and shows
    why), or the error's status."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(base + "/kirjaudu").read().decode()
    match = CSRF.search(page)
    form = urllib.parse.urlencode({"login": login, "password": password,
                                   "csrf_token": match.group(1) or match.group(2)}).encode()
    try:
        with opener.open(urllib.request.Request(base + "/kirjaudu", data=form)) as answer:
            return "refused" if 'id="form-error"' in answer.read().decode() else answer.url
    except urllib.error.HTTPError as error:
        return error.code


def test_make_run_holds_the_login_limit_of_the_readme(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "MAIL_DIR": str(tmp_path / "mail")}
    log = (tmp_path / "run.log").open("w")
    server = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/kirjaudu", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "make run did not start"
                time.sleep(0.5)
        statuses = [post_login(base, "100001" if n % 2 else "matti.virtanen@example.fi", "wrong-password-x")
                    for n in range(10)]
        assert statuses == ["refused"] * 10
        assert post_login(base, "100001", "Lumi-Ranta-Kello-71") == 429
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # a TERM to the whole group, as a service manager stops it
        server.wait(timeout=30)
    # Both stopped, and the shell that started them stopped them without crashing (its trap once sent
    # the TERM to itself too, again and again, until it died of a segmentation fault).
    deadline = time.monotonic() + 20
    while True:
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a process of make run outlived it"
        time.sleep(0.2)
    assert "Segmentation fault" not in (tmp_path / "run.log").read_text()
