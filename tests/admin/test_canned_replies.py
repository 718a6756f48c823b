"""Vastauspohjat: the admins keep canned replies in Asetukset; the staff fill a reply from one."""
import io

import pytest

from app.extensions import db
from app.models import AuditEvent, CannedReply, FeedbackReply
from app.services import canned_replies, support
from tests.helpers import PDF, customer_id, refused

URL = "/hallinta/asetukset/vastauspohjat"


def canned(name: str = "Kiitos palautteesta") -> CannedReply:
    return db.session.query(CannedReply).filter_by(name=name).one()


def test_the_demo_has_canned_replies_listed_in_settings(admin):
    assert f'href="{URL}"' in admin.get("/hallinta/asetukset").text
    page = admin.get(URL).text
    assert "Kiitos palautteesta" in page and "Modeemin uudelleenkäynnistys" in page


def test_an_admin_adds_edits_and_removes_a_canned_reply(admin):
    assert admin.submit(URL, {"name": "Lasku", "body": "Laskusi on maksettu."}).status_code == 303
    added = canned("Lasku").id
    edit = f"{URL}/{added}"
    assert 'value="Lasku"' in admin.get(edit).text
    assert admin.submit(edit, {"name": "Lasku maksettu", "body": "Lasku on kirjattu maksetuksi."}).status_code == 303
    db.session.expire_all()
    assert canned("Lasku maksettu").body == "Lasku on kirjattu maksetuksi."
    assert admin.submit(f"{edit}/poista", page=URL).status_code == 303
    assert db.session.query(CannedReply).filter_by(id=added).count() == 0
    assert admin.submit(f"{edit}/poista", page=URL).status_code == 303  # again, from another tab
    assert "Vastauspohja oli jo poistettu." in admin.get(URL).text
    actions = [e.action for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("canned_reply.%"))]
    assert actions == ["canned_reply.added", "canned_reply.changed", "canned_reply.removed"]


def test_a_canned_reply_needs_a_unique_name_and_a_text(admin):
    for name in ("Kiitos palautteesta", "kiitos palautteesta ", "KIITOS PALAUTTEESTA"):
        response = refused(admin.submit(URL, {"name": name, "body": "Toinen"}))
        assert "Samanniminen vastauspohja on jo olemassa." in response.text, name
    response = admin.submit(URL, {"name": "Tyhjä", "body": " "})
    response = refused(response)
    assert 'aria-invalid="true"' in response.text
    assert db.session.query(CannedReply).count() == 2


def test_a_name_taken_between_the_check_and_the_insert_is_the_same_refusal(admin, monkeypatch):
    # The clashing row is already there; the check is made to miss it, as when another admin adds it in between.
    monkeypatch.setattr(canned_replies, "_name_taken", lambda name, canned_id: False)
    response = refused(admin.submit(URL, {"name": "Kiitos palautteesta", "body": "Toinen"}))
    assert "Samanniminen vastauspohja on jo olemassa." in response.text and 'aria-invalid="true"' in response.text
    assert db.session.query(CannedReply).count() == 2


def test_the_staff_role_cannot_edit_canned_replies(staff):
    assert staff.get(URL).status_code == 403
    assert staff.submit(URL, {"name": "X", "body": "Y"}, page="/hallinta/").status_code == 403
    assert db.session.query(CannedReply).count() == 2


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("typed", ["", "Hei Matti,\n"], ids=["empty", "typed"])
def test_using_a_canned_reply_adds_it_to_the_reply_and_sends_nothing(staff, htmx, typed):
    """What the reply said is kept and the canned text added after it; with htmx the reply's field alone
    comes back, without JavaScript the feedback's page by a 303 (no POST stays in the history)."""
    item = support.send(customer_id(), support.Message(topic="support", message="Netti pätkii."))
    url = f"/hallinta/palautteet/{item.id}"
    page = staff.get(url).text
    assert 'name="pohja"' in page and "Modeemin uudelleenkäynnistys" in page and ">Käytä</button>" in page
    chosen = canned("Modeemin uudelleenkäynnistys")
    response = staff.submit(f"{url}/vastauspohja", {"pohja": chosen.id, "reply-body": typed}, page=url, htmx=htmx)
    if htmx:
        assert response.status_code == 200
        assert "<html" not in response.text and 'id="reply-body-field"' in response.text
        assert 'name="status"' not in response.text
    else:
        assert response.status_code == 303 and response.location == url
        response = staff.get(url)
        assert "<html" in response.text and 'name="status"' in response.text
    expected = ("Hei Matti,\n\n" if typed else "") + chosen.body
    assert f">\r\n{expected}</textarea>" in response.text and "autofocus" in response.text
    assert db.session.query(FeedbackReply).count() == 0
    assert "autofocus" not in staff.get(url).text  # the page was shown once, as drawn


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_files_already_chosen_for_the_reply_do_not_stop_a_canned_reply(staff, htmx):
    """The reply's files travel with its form when Käytä sends it: as large as a reply may carry."""
    item = support.send(customer_id(), support.Message(topic="support", message="Netti pätkii."))
    url = f"/hallinta/palautteet/{item.id}"
    files = [(io.BytesIO(PDF + b"\0" * (2 * 1024 * 1024)), "ohje.pdf")]
    response = staff.submit(f"{url}/vastauspohja", {"pohja": canned().id, "reply-body": "Hei,",
                                                     "reply-attachments": files},
                            page=url, htmx=htmx, content_type="multipart/form-data")
    assert response.status_code == (200 if htmx else 303)
    assert db.session.query(FeedbackReply).count() == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_canned_reply_removed_meanwhile_keeps_what_was_typed_and_says_why(staff, htmx):
    """An admin may remove the canned reply while the page is open: the reply typed so far comes back
    with the reason on its field, not a 404 page that loses it."""
    item = support.send(customer_id(), support.Message(topic="support", message="Netti pätkii."))
    url = f"/hallinta/palautteet/{item.id}"
    for unknown in (999999, "99999999999999999999", "x", ""):  # past what the database's ids hold too
        response = refused(staff.submit(f"{url}/vastauspohja", {"pohja": unknown, "reply-body": "Hei Matti,"},
                                        page=url, htmx=htmx))
        assert "Vastauspohja on poistettu. Valitse toinen." in response.text, unknown
        assert ">\r\nHei Matti,</textarea>" in response.text and 'aria-invalid="true"' in response.text
    assert db.session.query(FeedbackReply).count() == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_canned_reply_that_takes_the_reply_over_its_limit_is_told_at_once(staff, htmx):
    item = support.send(customer_id(), support.Message(topic="support", message="Netti pätkii."))
    url = f"/hallinta/palautteet/{item.id}"
    typed = "x" * 4990
    response = refused(staff.submit(f"{url}/vastauspohja", {"pohja": canned().id, "reply-body": typed},
                                    page=url, htmx=htmx))
    assert typed in response.text and 'aria-invalid="true"' in response.text and "5000" in response.text
    assert db.session.query(FeedbackReply).count() == 0
