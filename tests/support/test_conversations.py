"""Asiakaspalvelu as conversations: the customer's list, a conversation's page and the reply."""
import gzip
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent, Feedback, FeedbackReply
from app.models.base import today, utcnow
from app.services import inbox, support
from tests.helpers import (
    another_writer_commits,
    customer_id,
    idempotency_key,
    page_statements,
    refused,
    run_together,
    statements,
)
from tests.support.test_feedback import subscription_id


@pytest.fixture
def matti(client, demo_data):
    client.login()
    return client


def started(topic: str = "support", text: str = "Netti pätkii illalla.", number: str = "100001") -> Feedback:
    return support.send(customer_id(number), support.Message(topic=topic, message=text))


def url(feedback: Feedback) -> str:
    return f"/asiakaspalvelu/viesti/{feedback.reference}"


def reply(client, feedback: Feedback, text: str, htmx: bool = False):
    return client.submit(url(feedback), {"message": text}, htmx=htmx)


def test_the_list_shows_own_conversations_with_status_and_last_activity(matti):
    mine = started()
    inbox.update(mine, "answered", "")
    theirs = started(number="100002", text="Liisan viesti")
    page = matti.get("/asiakaspalvelu")
    assert f'href="/asiakaspalvelu/viesti/{mine.reference}"' in page.text
    assert "Tekninen tuki" in page.text and "Tila: vastattu" in page.text
    assert theirs.reference not in page.text


@pytest.mark.parametrize("status,label", [("new", "vastaanotettu"), ("in_progress", "käsittelyssä"),
                                          ("answered", "vastattu"), ("done", "suljettu")])
def test_the_conversation_page_shows_its_status(matti, status, label):
    feedback = started()
    inbox.update(feedback, status, "")
    page = matti.get(url(feedback))
    assert page.status_code == 200 and f"Tila: {label}." in page.text
    assert "Netti pätkii illalla." in page.text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_reply_is_added_in_order_and_waits_for_the_staff(matti, htmx):
    feedback = started()
    inbox.update(feedback, "answered", "")
    response = reply(matti, feedback, "Vika jatkuu yhä <b>klo 20</b>.", htmx)
    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert 'id="conversation"' in response.text and "Vastauksesi lähetettiin." in response.text
        assert len(gzip.compress(response.data)) <= 2048
        body = response.text
    else:
        assert response.status_code == 303 and response.headers["Location"] == url(feedback)
        body = matti.get(url(feedback)).text
        assert "Vastauksesi lähetettiin." in body
    assert "Vika jatkuu yhä &lt;b&gt;klo 20&lt;/b&gt;." in body
    db.session.expire_all()
    stored = db.session.get(Feedback, feedback.id)
    assert [r.body for r in stored.replies] == ["Vika jatkuu yhä <b>klo 20</b>."]
    assert stored.replies[0].author == "customer"
    assert stored.status == "new" and stored.last_activity_at >= stored.created_at
    assert db.session.query(AuditEvent).filter_by(action="feedback.reply").count() == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_reply_form_sent_twice_is_one_reply(matti, htmx):
    """A double click sends the form twice with its key: one reply, one audit line; the next form
    the page shows has a key of its own."""
    feedback = started()
    key = idempotency_key(matti.get(url(feedback)).text)
    for _ in range(2):
        response = matti.submit(url(feedback), {"message": "Vika jatkuu.", "idempotency_key": key}, htmx=htmx)
        assert response.status_code == (200 if htmx else 303)
    db.session.expire_all()
    assert [r.body for r in db.session.get(Feedback, feedback.id).replies] == ["Vika jatkuu."]
    assert db.session.query(AuditEvent).filter_by(action="feedback.reply").count() == 1
    assert idempotency_key(matti.get(url(feedback)).text) != key
    reply(matti, feedback, "Vika jatkuu.")  # the same words in a new form are a new reply
    db.session.expire_all()
    assert len(db.session.get(Feedback, feedback.id).replies) == 2


def test_the_reply_form_sent_ten_times_at_once_is_one_reply(app, matti):
    feedback = started()
    page = url(feedback)
    data = {"message": "Vika jatkuu.", "idempotency_key": idempotency_key(matti.get(page).text),
            "csrf_token": matti.csrf_token(page)}
    responses = run_together(app, lambda _i: matti.post(page, data=data))
    assert all(getattr(r, "status_code", r) == 303 for r in responses), responses
    db.session.expire_all()
    assert [r.body for r in db.session.get(Feedback, feedback.id).replies] == ["Vika jatkuu."]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_empty_reply_is_refused_on_its_field(matti, htmx):
    feedback = started()
    response = reply(matti, feedback, "   ", htmx)
    response = refused(response)
    assert "Kirjoita viestisi." in response.text and 'aria-invalid="true"' in response.text
    assert db.session.query(FeedbackReply).count() == 0


def test_a_reply_within_30_days_reopens_a_closed_conversation(matti):
    feedback = started()
    inbox.update(feedback, "done", "")
    feedback.closed_at = utcnow() - timedelta(days=29)
    db.session.commit()
    assert "Keskustelu on suljettu. Vastaus avaa sen uudelleen." in matti.get(url(feedback)).text
    assert reply(matti, feedback, "Vika palasi.").status_code == 303
    db.session.expire_all()
    stored = db.session.get(Feedback, feedback.id)
    assert stored.status == "new" and stored.closed_at is None


def test_after_30_days_a_closed_conversation_takes_no_reply(matti):
    feedback = started()
    inbox.update(feedback, "done", "")
    feedback.closed_at = utcnow() - timedelta(days=31)
    db.session.commit()
    page = matti.get(url(feedback))
    assert 'name="message"' not in page.text and "lähetä uusi viesti" in page.text
    response = reply(matti, feedback, "Vika palasi.")
    response = refused(response)
    assert db.session.query(FeedbackReply).count() == 0
    db.session.expire_all()
    assert db.session.get(Feedback, feedback.id).status == "done"


def test_closing_and_opening_in_the_inbox_sets_when_it_was_closed(demo_data):
    feedback = started()
    inbox.update(feedback, "done", "")
    assert feedback.closed_at is not None
    inbox.update(feedback, "in_progress", "")
    assert feedback.closed_at is None


def test_another_customers_conversation_is_not_found(matti):
    theirs = started(number="100002", text="Liisan viesti")
    assert matti.get(url(theirs)).status_code == 404
    assert reply(matti, theirs, "Matin vastaus").status_code == 404
    assert db.session.query(FeedbackReply).count() == 0


def test_a_termination_notice_keeps_its_written_proof_and_shows_its_state(matti):
    notice = support.send(customer_id(), support.Message(
        topic="termination", message="Irtisanon palvelun.", contact_email="matti.virtanen@example.fi",
        contact_phone="040 123 4567", subscription_ids=[subscription_id("100001", "MIX-6")],
        wished_end_date=today() + timedelta(days=30)))
    page = matti.get(url(notice))
    assert "Tämä on kirjallinen irtisanomisilmoituksesi" in page.text and "Tila: vastaanotettu." in page.text


def test_the_pages_queries_do_not_grow_with_replies(matti):
    feedback = started()
    reply(matti, feedback, "Ensimmäinen")
    one = page_statements(matti, url(feedback))
    for n in range(5):
        reply(matti, feedback, f"Lisää {n}")
    assert page_statements(matti, url(feedback)) == one
    list_one = page_statements(matti, "/asiakaspalvelu")
    for n in range(3):
        started(text=f"Uusi {n}")
    assert page_statements(matti, "/asiakaspalvelu") == list_one


def staff_replied(feedback: Feedback, text: str = "Vaihdoimme asetukset.") -> None:
    inbox.reply(inbox.get(feedback.id), text)


def test_the_staffs_replies_are_unread_in_the_menu_and_the_list_until_the_conversation_is_opened(matti):
    feedback = started()
    other = started(text="Toinen asia")
    staff_replied(feedback)
    staff_replied(feedback, "Vielä yksi asia.")
    staff_replied(other)
    page = matti.get("/").text
    assert '<span aria-hidden="true">(3)</span><span class="visually-hidden">, 3 lukematonta vastausta</span>' in page
    listing = matti.get("/asiakaspalvelu").text
    assert "2 uutta vastausta" in listing and "1 uusi vastaus" in listing
    opened = matti.get(url(feedback)).text
    assert "Vielä yksi asia." in opened and "1 lukematon vastaus" in opened
    db.session.expire_all()
    assert db.session.get(Feedback, feedback.id).unread_replies == 0
    assert "2 uutta vastausta" not in matti.get("/asiakaspalvelu").text
    matti.get(url(other))
    assert "lukemat" not in matti.get("/").text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_customers_own_reply_leaves_nothing_unread(matti, htmx):
    feedback = started()
    staff_replied(feedback)
    reply(matti, feedback, "Kiitos!", htmx)
    db.session.expire_all()
    assert db.session.get(Feedback, feedback.id).unread_replies == 0


def test_another_customer_does_not_see_the_unread_count_and_cannot_clear_it(matti):
    theirs = started(number="100002", text="Liisan viesti")
    staff_replied(theirs)
    assert "lukemat" not in matti.get("/").text
    assert matti.get(url(theirs)).status_code == 404
    db.session.expire_all()
    assert db.session.get(Feedback, theirs.id).unread_replies == 1


def test_the_unread_count_is_one_statement_whatever_the_number_of_conversations(matti):
    staff_replied(started())
    one = page_statements(matti, "/tilatut-palvelut")
    for n in range(4):
        staff_replied(started(text=f"Uusi {n}"))
    with statements() as seen:
        assert "5 lukematonta vastausta" in matti.get("/tilatut-palvelut").text
    assert len(seen) == one
    assert len([s for s, _params in seen if "FROM feedback" in s]) == 1


def test_a_conversation_opened_while_another_writer_commits_is_marked_read(matti, monkeypatch):
    """Opening a conversation is a GET that writes: on SQLite its read began first, and a write in that
    transaction failed at once (a 503) if another customer's change had been committed in between."""
    feedback = started()
    staff_replied(feedback)
    found = support.find

    def find_while_another_writes(*args, **kwargs):
        feedback = found(*args, **kwargs)
        another_writer_commits()
        return feedback

    monkeypatch.setattr(support, "find", find_while_another_writes)
    assert matti.get(url(feedback)).status_code == 200
    db.session.rollback()
    assert db.session.get(Feedback, feedback.id).unread_replies == 0
