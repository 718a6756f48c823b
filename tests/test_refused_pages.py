"""Post/redirect/get for refused forms too (app/web.py, app/services/refused_pages.py): without
JavaScript a refused form's page is shown by the GET its redirect leads to, once, and only to the
session it was refused in; with htmx the refusal stays an answer of its own."""
import re
from datetime import timedelta

from app.extensions import db
from app.models import RefusedPage
from app.models.base import utcnow
from app.services import refused_pages
from tests.helpers import another_writer_commits, count, refused

LONG_MESSAGE = "Netti pätkii iltaisin <b>kello 20</b>. " * 100  # longer than a cookie could carry


def refuse_feedback(client, htmx: bool = False):
    return client.submit("/asiakaspalvelu", {"topic": "nonsense", "message": LONG_MESSAGE}, htmx=htmx)


def test_a_refused_form_is_shown_once_by_the_get_it_is_sent_to(client, demo_data):
    client.login()
    answer = refuse_feedback(client)
    assert answer.status_code == 303 and answer.location == "/asiakaspalvelu"
    assert count(RefusedPage) == 1
    shown = client.get("/asiakaspalvelu")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert 'id="topic-error"' in shown.text
    assert "Netti pätkii iltaisin &lt;b&gt;kello 20&lt;/b&gt;." in shown.text  # what was typed, escaped
    assert count(RefusedPage) == 0
    again = client.get("/asiakaspalvelu")  # a reload, or Back to it: the form as new
    assert 'id="topic-error"' not in again.text and "Netti pätkii" not in again.text


def test_an_address_that_only_takes_forms_sends_back_to_the_page_the_form_was_on(client, demo_data):
    client.login()
    action = re.search(r'action="(/sahkoposti/\d+/salasana)"', client.get("/sahkoposti").text).group(1)
    answer = client.submit(action, {"new_password": "x", "account_password": "y"}, page="/sahkoposti")
    assert answer.status_code == 303 and answer.location == "/sahkoposti"
    assert "aria-invalid" in client.get("/sahkoposti").text


def test_the_page_is_shown_while_another_writer_commits(client, demo_data, monkeypatch):
    """The GET that shows it also removes it: on SQLite that write failed at once (a 503) when another
    request had committed a change since the GET's first read."""
    client.login()
    refuse_feedback(client)
    take = refused_pages.take

    def take_while_another_writes(*args):
        db.session.execute(db.select(RefusedPage.token))  # the GET has read
        another_writer_commits()
        return take(*args)

    monkeypatch.setattr(refused_pages, "take", take_while_another_writes)
    shown = client.get("/asiakaspalvelu")
    assert shown.status_code == 200 and 'id="topic-error"' in shown.text
    assert count(RefusedPage) == 0


def test_the_page_is_for_its_own_address_and_session_only(client, make_client, demo_data):
    client.login()
    other = make_client()
    other.login()  # the same customer on another device
    refuse_feedback(client)
    assert 'id="topic-error"' not in other.get("/asiakaspalvelu").text
    client.get("/palvelut")  # the browser went elsewhere first: the wait is over
    assert 'id="topic-error"' not in client.get("/asiakaspalvelu").text
    assert count(RefusedPage) == 0


def test_with_htmx_the_refusal_is_answered_in_place_and_nothing_is_kept(client, demo_data):
    client.login()
    answer = refuse_feedback(client, htmx=True)
    assert answer.status_code == 422 and 'id="topic-error"' in answer.text
    assert count(RefusedPage) == 0


def stale(token: str) -> RefusedPage:
    page = RefusedPage(token=token, path="/asiakaspalvelu", body="old",
                       created_at=utcnow() - refused_pages.KEPT_FOR - timedelta(seconds=1))
    db.session.add(page)
    db.session.commit()
    return page


def test_a_page_is_kept_ten_minutes_and_the_worker_forgets_older_ones(demo_data):
    stale("late")
    assert refused_pages.take("late", "/asiakaspalvelu") is None  # its GET came too late
    stale("never-read")
    fresh = refused_pages.keep("/asiakaspalvelu", "fresh")
    stale("closed-browser")
    refused_pages.forget_stale()
    assert db.session.scalars(db.select(RefusedPage.token)).all() == [fresh]
    assert refused_pages.take(fresh, "/palvelut") is None  # another address: gone, not shown
    assert count(RefusedPage) == 0


def test_a_refused_nul_is_shown_as_a_replacement_character(client, demo_data):
    """Postgres keeps no NUL in text; the refusal of a field that holds one is still shown."""
    client.login()
    page = refused(client.submit("/asiakaspalvelu", {"topic": "support", "message": "Hei\x00maailma"}))
    assert 'id="message-error"' in page.text and "Hei\ufffdmaailma" in page.text
