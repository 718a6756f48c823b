"""The console's side of a conversation: the staff's reply by email, the internal note, closing, events."""
import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, AuditEvent, Customer, Feedback, FeedbackReply, OutboxMessage
from app.services import outbox, support
from app.services.attachments import Upload
from tests.helpers import PDF, PNG, customer_id, idempotency_key, refused, run_together, statements


@pytest.fixture
def matti(make_client, demo_data):
    client = make_client()
    client.login()
    return client


def started(number: str = "100001") -> Feedback:
    """A new conversation, each in words of its own (the same words again are the same message)."""
    started.count = getattr(started, "count", 0) + 1
    return support.send(customer_id(number), support.Message(topic="support",
                                                             message=f"Netti pätkii ({started.count}. kerta)."))


def events(topic: str) -> list[OutboxMessage]:
    return db.session.query(OutboxMessage).filter_by(channel="webhook", topic=topic).all()


@pytest.mark.parametrize("locale,subject,link_text", [
    ("fi", "Asiakaspalvelu vastasi viestiisi", "Lue koko keskustelu ja vastaa"),
    ("sv", "Kundtjänsten svarade på ditt meddelande", "Läs hela samtalet och svara"),
    ("en", "Customer service answered your message", "Read the whole conversation and reply"),
])
def test_the_staffs_reply_reaches_the_customer_in_their_language(admin, matti, smtp, locale, subject, link_text):
    item = started()
    db.session.get(Customer, item.customer_id).locale = locale
    db.session.commit()
    response = admin.submit(f"/hallinta/palautteet/{item.id}/vastaa", {"reply-body": "Vaihdoimme modeemin asetukset."},
                            page=f"/hallinta/palautteet/{item.id}")
    assert response.status_code == 303 and response.headers["Location"] == f"/hallinta/palautteet/{item.id}"
    db.session.expire_all()
    stored = db.session.get(Feedback, item.id)
    assert stored.status == "answered" and [(r.author, r.body) for r in stored.replies] == [
        ("staff", "Vaihdoimme modeemin asetukset.")]
    assert db.session.query(AuditEvent).filter_by(action="feedback.replied").count() == 1
    [event] = events("feedback.replied")
    assert event.payload["data"]["reference"] == item.reference and event.payload["data"]["status"] == "answered"
    outbox.deliver_due()
    mail = [m for m in smtp.messages if subject in m["Subject"]]
    assert len(mail) == 1 and mail[0]["To"] == "matti.virtanen@example.fi"
    body = mail[0].get_content()
    assert "Vaihdoimme modeemin asetukset." in body and link_text in body
    assert f"/asiakaspalvelu/viesti/{item.reference}" in body
    assert "Vaihdoimme modeemin asetukset." in matti.get(f"/asiakaspalvelu/viesti/{item.reference}").text


def test_the_staffs_reply_sent_ten_times_at_once_is_one_reply_and_one_email(app, admin):
    """A double click (or ten): the form's key makes one reply, one email and one event; the
    conversation's row lock makes the copies wait for the first and find it."""
    item = started()
    url = f"/hallinta/palautteet/{item.id}"
    key = idempotency_key(admin.get(url).text, "reply-")
    data = {"reply-body": "Vaihdoimme asetukset.", "reply-idempotency_key": key, "csrf_token": admin.csrf_token(url)}
    responses = run_together(app, lambda _i: admin.post(f"{url}/vastaa", data=data))
    assert all(getattr(r, "status_code", r) == 303 for r in responses), responses
    assert db.session.query(FeedbackReply).count() == 1 and len(events("feedback.replied")) == 1
    assert db.session.query(OutboxMessage).filter_by(channel="email", topic="feedback_reply").count() == 1
    assert idempotency_key(admin.get(url).text, "reply-") != key


def test_an_empty_staff_reply_is_refused_and_nothing_is_sent(admin):
    item = started()
    url = f"/hallinta/palautteet/{item.id}"
    response = admin.submit(f"{url}/vastaa", {"reply-body": "  "}, page=url)
    response = refused(response)
    assert "Kirjoita vastauksesi." in response.text
    assert db.session.query(FeedbackReply).count() == 0 and events("feedback.replied") == []


def test_the_internal_note_never_reaches_the_customer(admin, matti):
    item = started()
    url = f"/hallinta/palautteet/{item.id}"
    note = {"status": "in_progress", "staff_note": "Sisäinen: asiakas soittaa usein."}
    assert admin.submit(url, note).status_code == 303
    assert "Sisäinen" in admin.get(url).text
    page = matti.get(f"/asiakaspalvelu/viesti/{item.reference}").text
    assert "Sisäinen" not in page and "Tila: käsittelyssä." in page


def test_closing_sends_the_closed_event_once_and_it_is_in_the_events_feed(admin):
    item = started()
    url = f"/hallinta/palautteet/{item.id}"
    admin.submit(url, {"status": "done", "staff_note": ""})
    admin.submit(url, {"status": "done", "staff_note": "Vielä muistiinpano."})
    [closed] = events("feedback.closed")
    assert closed.payload["data"] == {"feedback_id": item.id, "reference": item.reference, "kind": "support",
                                      "status": "done"}
    assert [e.topic for e in outbox.events_after(0, 100)][-1] == "feedback.closed"
    assert [e.topic for e in outbox.events_after(0, 100)][0] == "feedback.received"


def test_the_staff_see_and_download_every_messages_attachments(admin, matti):
    item = support.send(customer_id("100001"), support.Message(
        topic="support", message="Kuva liitteenä.", attachments=[Upload("modeemi.png", PNG)]))
    support.reply(customer_id("100001"), item.reference, "Ja kuitti.", [Upload("kuitti.pdf", PDF)])
    first, second = item.attachments
    page = admin.get(f"/hallinta/palautteet/{item.id}").text
    for attachment in (first, second):
        assert f'href="/hallinta/palautteet/{item.id}/liite/{attachment.id}" download>{attachment.name}</a>' in page
    response = admin.get(f"/hallinta/palautteet/{item.id}/liite/{second.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    other = started("100002")
    assert admin.get(f"/hallinta/palautteet/{other.id}/liite/{second.id}").status_code == 404
    assert matti.get(f"/hallinta/palautteet/{item.id}/liite/{second.id}").status_code == 403


def test_the_staffs_reply_takes_attachments_the_customer_can_download(admin, matti):
    item = started()
    page = admin.get(f"/hallinta/palautteet/{item.id}").text
    assert 'enctype="multipart/form-data"' in page and 'name="reply-attachments"' in page
    response = admin.submit(f"/hallinta/palautteet/{item.id}/vastaa", {
        "reply-body": "Ohje liitteenä.", "reply-attachments": [(io.BytesIO(PDF), "ohje.pdf")]},
        page=f"/hallinta/palautteet/{item.id}")
    assert response.status_code == 303
    attachment = db.session.scalar(select(Attachment))
    conversation = matti.get(f"/asiakaspalvelu/viesti/{item.reference}").text
    assert f'/asiakaspalvelu/viesti/{item.reference}/liite/{attachment.id}" download>ohje.pdf</a>' in conversation
    assert matti.get(f"/asiakaspalvelu/viesti/{item.reference}/liite/{attachment.id}").data == PDF
    email = db.session.query(OutboxMessage).filter_by(channel="email", topic="feedback_reply").one()
    assert "Ohje liitteenä.\n\nLiitteet: ohje.pdf. Voit ladata ne keskustelusta.\n\n" in email.payload["body"]


def test_a_staff_reply_with_a_file_not_taken_is_refused_on_the_field(admin):
    item = started()
    response = admin.submit(f"/hallinta/palautteet/{item.id}/vastaa", {
        "reply-body": "", "reply-attachments": [(io.BytesIO(b"MZ\x90\x00"), "ohje.pdf", "application/pdf")]},
        page=f"/hallinta/palautteet/{item.id}")
    response = refused(response)
    assert 'id="reply-attachments-error"' in response.text and "ohje.pdf ei ole kuva" in response.text
    assert 'id="reply-body-error"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_taking_a_message_to_handle_sets_the_handler_and_status_and_is_audited(admin, htmx):
    item = started()
    response = admin.submit(f"/hallinta/palautteet/{item.id}/ota", page="/hallinta/palautteet?status=new",
                            htmx=htmx, environ_overrides={"HTTP_REFERER": "http://localhost/hallinta/palautteet?status=new"})
    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert response.text.lstrip().startswith("<tr>") and item.reference in response.text
        assert "käsittelyssä" in response.text and "autofocus" in response.text
        assert f"Käsittelet nyt viestiä {item.reference}." in response.text
    else:
        assert response.status_code == 303
        assert response.headers["Location"] == "http://localhost/hallinta/palautteet?status=new"
    db.session.expire_all()
    stored = db.session.get(Feedback, item.id)
    assert stored.status == "in_progress" and stored.handler.username == "yllapito"
    [event] = db.session.query(AuditEvent).filter_by(action="feedback.assigned").all()
    assert event.details["feedback"] == item.reference


def test_taking_an_answered_message_keeps_its_status(admin):
    item = started()
    support_reply = admin.submit(f"/hallinta/palautteet/{item.id}/vastaa", {"reply-body": "Hei"},
                                 page=f"/hallinta/palautteet/{item.id}")
    assert support_reply.status_code == 303
    page = f"/hallinta/palautteet/{item.id}"
    assert admin.submit(f"{page}/ota", page=page).status_code == 303
    db.session.expire_all()
    assert db.session.get(Feedback, item.id).status == "answered"


def test_the_queue_shows_who_handles_each_and_filters_to_mine(admin, staff):
    mine, theirs, nobodys = started(), started("100002"), started()
    assert admin.submit(f"/hallinta/palautteet/{mine.id}/ota", page="/hallinta/palautteet").status_code == 303
    assert staff.submit(f"/hallinta/palautteet/{theirs.id}/ota", page="/hallinta/palautteet").status_code == 303
    everything = admin.get("/hallinta/palautteet").text
    assert "Anu Asiakaspalvelu" in everything and nobodys.reference in everything
    only_mine = admin.get("/hallinta/palautteet?omat=1").text
    assert mine.reference in only_mine and theirs.reference not in only_mine and nobodys.reference not in only_mine
    assert 'name="omat" value="1" checked' in only_mine
    assert "Anu Asiakaspalvelu" in admin.get(f"/hallinta/palautteet/{theirs.id}").text


def test_taking_an_unknown_message_is_404(admin):
    assert admin.submit("/hallinta/palautteet/999999/ota", page="/hallinta/palautteet").status_code == 404


def test_the_overview_counts_open_conversations_by_status_and_mine_in_one_statement(admin, staff):
    new, taken, theirs, answered, closed = (started() for _ in range(5))
    admin.submit(f"/hallinta/palautteet/{taken.id}/ota", page="/hallinta/palautteet")
    staff.submit(f"/hallinta/palautteet/{theirs.id}/ota", page="/hallinta/palautteet")
    admin.submit(f"/hallinta/palautteet/{answered.id}/vastaa", {"reply-body": "Hei"}, page="/hallinta/palautteet")
    admin.submit(f"/hallinta/palautteet/{answered.id}/ota", page="/hallinta/palautteet")
    admin.submit(f"/hallinta/palautteet/{closed.id}", {"status": "done", "staff_note": ""})
    with statements() as seen:
        page = admin.get("/hallinta/").text
    assert len([s for s, _params in seen if "GROUP BY feedback.status" in s]) == 1
    assert '<a href="/hallinta/palautteet?status=new"><strong>1</strong> vastaanotettu</a>' in page
    assert '<a href="/hallinta/palautteet?status=in_progress"><strong>2</strong> käsittelyssä</a>' in page
    assert '<a href="/hallinta/palautteet?status=answered"><strong>1</strong> vastattu</a>' in page
    assert '<a href="/hallinta/palautteet?status=open&amp;omat=1"><strong>2</strong> minun käsittelyssäni</a>' in page
    mine = admin.get("/hallinta/palautteet?status=open&omat=1").text
    assert taken.reference in mine and answered.reference in mine
    assert theirs.reference not in mine and new.reference not in mine and closed.reference not in mine
