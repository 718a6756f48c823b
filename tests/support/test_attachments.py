"""Attachments of conversation messages: what is taken (by content), where it is kept, who may read it."""
import gzip
import hashlib
import io
import os
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Feedback
from app.services import DomainError, attachments, inbox, personal_data, support
from app.services.attachments import Upload
from tests.helpers import PDF, PNG, customer_id, page_statements, refused
from tests.support.test_conversations import started, url

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
WEBP = b"RIFF\x40\x00\x00\x00WEBPVP8 " + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
HTML = b"<!doctype html><script>alert(1)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
MB = 1024 * 1024


@pytest.fixture
def matti(client, demo_data):
    client.login()
    return client


def files(*named: tuple[str, bytes]) -> list:
    """As a browser sends them; the Content-Type it claims is always a PDF's, to show it is not believed."""
    return [(io.BytesIO(data), name, "application/pdf") for name, data in named]


def stored_files() -> set[str]:
    folder = Path(current_app.config["ATTACHMENT_DIR"])
    return set(os.listdir(folder)) if folder.exists() else set()


def rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


# The rules, without a request


@pytest.mark.parametrize("data,kind", [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"),
                                       (b"GIF87a" + b"\x00" * 8, "image/gif"), (WEBP, "image/webp"),
                                       (PDF, "application/pdf"), (EXE, None), (HTML, None), (SVG, None),
                                       (b"", None), (b"RIFF\x00\x00\x00\x00WAVE", None), (b" %PDF-1.7", None)])
def test_the_type_is_what_the_content_is(data, kind):
    assert attachments.detected_type(data) == kind


@pytest.mark.parametrize("sent,shown", [
    ("../../etc/passwd", "passwd.pdf"), ("a/../../b.pdf", "b.pdf"), ("C:\\Users\\matti\\kuva.PDF", "kuva.PDF"),
    ("..", "file.pdf"), ("", "file.pdf"), (".htaccess", "htaccess.pdf"), ("kuit\x00ti\u202e.pdf", "kuitti.pdf"),
    ("Kuitti a\u0308.pdf", "Kuitti ä.pdf"), ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    # A name ends in what the file is, so that a download opens as that.
    ("kuva.png", "kuva.png.pdf"), ("ohjelma\u202egnp.exe", "ohjelmagnp.exe.pdf"),
    ("x" * 300 + ".exe", "x" * 251 + ".pdf"),
])
def test_the_uploaded_name_is_only_shown_its_last_part_cleaned(sent, shown):
    assert attachments.display_name(sent, "application/pdf") == shown


@pytest.mark.parametrize("sent,kind,shown", [
    ("kuva.jpeg", "image/jpeg", "kuva.jpeg"), ("kuva.JPG", "image/jpeg", "kuva.JPG"),
    ("kuva.png", "image/jpeg", "kuva.png.jpg"), ("a.exe", "image/png", "a.exe.png")])
def test_a_name_ends_in_its_types_extension(sent, kind, shown):
    assert attachments.display_name(sent, kind) == shown


def test_every_problem_of_the_files_is_told_at_once():
    uploads = [Upload("ohjelma.pdf", EXE), Upload("iso.png", PNG + b"\x00" * (5 * MB)),
               Upload("sivu.pdf", HTML), Upload("kuva.png", PNG)]
    with current_app.test_request_context():
        problem = attachments.problem(uploads)
    assert "Voit liittää enintään 3 tiedostoa." in problem
    assert "ohjelma.pdf ei ole kuva" in problem and "sivu.pdf ei ole kuva" in problem
    assert "iso.png on suurempi kuin 5 Mt." in problem and "kuva.png" not in problem
    assert attachments.problem([Upload("kuva.png", PNG), Upload("a.pdf", PDF + b"\x00" * (5 * MB - len(PDF)))]) \
        is None  # exactly 5 MB is taken


def test_a_message_keeps_its_files_under_random_names_outside_the_web_root(demo_data):
    before = stored_files()
    feedback = support.send(customer_id("100001"), support.Message(
        topic="support", message="Kuvakaappaus virheestä.",
        attachments=[Upload("../../virhe.png", PNG), Upload("lasku.pdf", PDF)]))
    new = stored_files() - before
    assert len(new) == 2 and all(len(name) == 32 and "." not in name for name in new)
    stored = db.session.scalars(select(Attachment).where(Attachment.feedback_id == feedback.id)
                                .order_by(Attachment.id)).all()
    assert [(a.name, a.content_type, a.size, a.reply_id) for a in stored] == [
        ("virhe.png", "image/png", len(PNG), None), ("lasku.pdf", "application/pdf", len(PDF), None)]
    assert {a.stored_name for a in stored} == new
    assert Path(current_app.config["ATTACHMENT_DIR"], stored[1].stored_name).read_bytes() == PDF
    assert stored[1].sha256 == hashlib.sha256(PDF).hexdigest()
    assert not Path(current_app.root_path).joinpath("static", "virhe.png").exists()


def test_a_refused_message_leaves_no_file_and_no_row(demo_data):
    before = stored_files()
    with pytest.raises(DomainError) as refused:
        support.send(customer_id("100001"), support.Message(
            topic="support", message="", attachments=[Upload("kuva.png", PNG), Upload("x.pdf", EXE)]))
    assert set(refused.value.errors) == {"message", "attachments"}
    db.session.rollback()
    assert stored_files() == before and rows() == 0


def test_files_written_go_again_when_the_commit_fails(demo_data, monkeypatch):
    before = stored_files()
    feedback = started()

    def failing_commit():
        raise RuntimeError("database gone")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        support.reply(customer_id("100001"), feedback.reference, "Liitteenä kuva.", [Upload("kuva.png", PNG)])
    monkeypatch.undo()
    db.session.rollback()
    assert stored_files() == before and rows() == 0


# The customer's forms


def test_a_new_message_with_attachments(matti):
    big = PNG + b"\x00" * (int(1.2 * MB) - len(PNG))
    response = matti.submit("/asiakaspalvelu", {
        "topic": "support", "message": "Kuvat viasta liitteenä.",
        "attachments": files(("reititin.png", big), ("kuitti ä.pdf", PDF), ("", b""))})
    assert response.status_code == 303
    page = matti.get(response.headers["Location"]).text
    feedback = db.session.scalar(select(Feedback))
    first, second = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert f'href="/asiakaspalvelu/viesti/{feedback.reference}/liite/{first.id}"' in page
    assert "reititin.png</a> (1,2 Mt)" in page and "kuitti ä.pdf</a> (1 kt)" in page


def test_the_forms_take_files_as_multipart(matti):
    feedback = started()
    for page in ("/asiakaspalvelu", url(feedback)):
        text = matti.get(page).text
        assert 'enctype="multipart/form-data"' in text
        assert 'type="file"' in text and "multiple" in text and 'accept=".png,' in text


def test_an_empty_file_field_is_no_attachment(matti):
    response = matti.submit("/asiakaspalvelu", {"topic": "support", "message": "Ei liitteitä.",
                                                 "attachments": files(("", b""))})
    assert response.status_code == 303 and rows() == 0


@pytest.mark.parametrize("sent,message", [
    ([("ohjelma.pdf", EXE)], "ohjelma.pdf ei ole kuva (PNG, JPEG, GIF tai WebP) eikä PDF-tiedosto."),
    ([("sivu.pdf", HTML)], "sivu.pdf ei ole kuva"),
    ([("kuva.svg", SVG)], "kuva.svg ei ole kuva"),
    ([("iso.pdf", PDF + b"\x00" * (5 * MB))], "iso.pdf on suurempi kuin 5 Mt."),
    ([(f"{n}.png", PNG) for n in range(4)], "Voit liittää enintään 3 tiedostoa."),
    ([("tyhja.pdf", b"")], "tyhja.pdf on tyhjä."),
], ids=["exe", "html", "svg", "too-big", "too-many", "empty"])
def test_files_that_cannot_be_attached_are_refused_next_to_the_field(matti, sent, message):
    before = stored_files()
    response = matti.submit("/asiakaspalvelu", {"topic": "support", "message": "", "attachments": files(*sent)})
    response = refused(response)
    assert 'id="attachments-error"' in response.text and message in response.text
    assert 'id="message-error"' in response.text  # the form's every error at once
    assert 'aria-describedby="attachments-hint attachments-error"' in response.text
    assert rows() == 0 and stored_files() == before
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_files_chosen_for_a_refused_form_are_asked_for_again(matti, htmx):
    """A page cannot put chosen files back into a form: said by the field, not lost in silence."""
    response = refused(matti.submit("/asiakaspalvelu", {"topic": "support", "message": "",
                                                        "attachments": files(("a.png", PNG), ("b.pdf", PDF))},
                                    htmx=htmx))
    assert 'id="message-error"' in response.text
    assert '<p class="hint" id="attachments-again">Valitse 2 tiedostoa uudelleen' in response.text
    assert 'aria-describedby="attachments-hint attachments-again"' in response.text
    assert "attachments-again" not in matti.get("/asiakaspalvelu").text  # a form drawn anew asks nothing


def test_path_tricks_in_a_name_reach_no_file(matti, tmp_path):
    before = stored_files()
    response = matti.submit("/asiakaspalvelu", {"topic": "support", "message": "Nimitemppuja.", "attachments": files(
        ("../../../../etc/passwd", PNG), ("a/../../b.pdf", PDF), ("..\\..\\win.ini", GIF))})
    assert response.status_code == 303
    assert [a.name for a in db.session.scalars(select(Attachment).order_by(Attachment.id))] == [
        "passwd.png", "b.pdf", "win.ini.gif"]
    new = stored_files() - before
    assert len(new) == 3 and not {"passwd", "passwd.png", "b.pdf", "win.ini", "win.ini.gif"} & new


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_reply_with_an_attachment(matti, htmx):
    feedback = started()
    response = matti.submit(url(feedback), {"message": "Tässä kuva.", "attachments": files(("näyttö.png", PNG))},
                            htmx=htmx)
    attachment = db.session.scalar(select(Attachment))
    link = f'href="{url(feedback)}/liite/{attachment.id}" download>näyttö.png</a>'
    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert len(gzip.compress(response.data)) <= 2048
        body = response.text
    else:
        assert response.status_code == 303
        body = matti.get(url(feedback)).text
    assert link in body and attachment.reply_id is not None


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_reply_with_a_file_not_taken_is_refused_on_the_field(matti, htmx):
    feedback = started()
    response = matti.submit(url(feedback), {"message": "Liite.", "attachments": files(("x.pdf", HTML))}, htmx=htmx)
    response = refused(response)
    assert 'id="attachments-error"' in response.text
    assert "x.pdf ei ole kuva" in response.text and rows() == 0
    if htmx:
        assert "<html" not in response.text


def test_a_request_larger_than_the_attachments_allow_is_told_plainly(matti):
    feedback = started()
    response = matti.submit(url(feedback), {"message": "Liian iso.", "attachments": files(
        *[(f"{n}.pdf", PDF + b"\x00" * (6 * MB)) for n in range(3)])})
    assert response.status_code == 413 and "Lähettämäsi tieto on liian suuri. Enimmäiskoko on 16 Mt." in response.text
    assert rows() == 0


def test_three_files_of_five_mb_fit_in_one_request(matti):
    feedback = started()
    five = PDF + b"\x00" * (5 * MB - len(PDF))
    response = matti.submit(url(feedback), {"message": "x" * 5000, "attachments": files(
        *[(f"{n}.pdf", five) for n in range(3)])})
    assert response.status_code == 303 and rows() == 3


# Reading them


def test_the_download_is_an_attachment_of_its_detected_type(matti):
    feedback = support.send(customer_id("100001"), support.Message(
        topic="support", message="Liite.", attachments=[Upload("Kuitti ä \"x\".pdf", PDF)]))
    attachment = feedback.attachments[0]
    response = matti.get(f"{url(feedback)}/liite/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        # RFC 6266: an ASCII name for old clients (the quote escaped), RFC 5987's UTF-8 one for the rest.
        'attachment; filename="Kuitti a \\"x\\".pdf"; filename*=UTF-8\'\'Kuitti%20%C3%A4%20%22x%22.pdf')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_another_customers_attachment_is_not_found(matti):
    mine = support.send(customer_id("100001"), support.Message(
        topic="support", message="Oma.", attachments=[Upload("oma.png", PNG)]))
    theirs = support.send(customer_id("100002"), support.Message(
        topic="support", message="Liisan.", attachments=[Upload("liisan.png", PNG)]))
    own, other = mine.attachments[0].id, theirs.attachments[0].id
    missing = matti.get(f"{url(mine)}/liite/{other + 100}")
    assert missing.status_code == 404 and "Sivua ei löydy" in missing.text
    for path in (f"{url(theirs)}/liite/{other}", f"{url(mine)}/liite/{other}", f"{url(theirs)}/liite/{own}"):
        response = matti.get(path)
        assert response.status_code == 404 and "Sivua ei löydy" in response.text, path
    assert matti.get(f"{url(mine)}/liite/{own}").status_code == 200


def test_an_attachment_whose_file_is_gone_is_not_found(matti):
    feedback = support.send(customer_id("100001"), support.Message(
        topic="support", message="Liite.", attachments=[Upload("kuva.png", PNG)]))
    attachments.path_of(feedback.attachments[0]).unlink()
    assert matti.get(f"{url(feedback)}/liite/{feedback.attachments[0].id}").status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, demo_data):
    feedback = support.send(customer_id("100001"), support.Message(
        topic="support", message="Liite.", attachments=[Upload("kuva.png", PNG)]))
    response = client.get(f"{url(feedback)}/liite/{feedback.attachments[0].id}")
    assert response.status_code == 302 and "/kirjaudu" in response.headers["Location"]


def test_attachments_do_not_add_statements_per_file(matti):
    feedback = support.send(customer_id("100001"), support.Message(
        topic="support", message="Liite.", attachments=[Upload("kuva.png", PNG)]))
    one = page_statements(matti, url(feedback))
    for n in range(3):
        support.reply(customer_id("100001"), feedback.reference, f"Lisää {n}",
                      [Upload(f"{n}.png", PNG), Upload(f"{n}.pdf", PDF)])
    assert page_statements(matti, url(feedback)) == one


def test_the_data_export_names_the_attachments(demo_data):
    feedback = support.send(customer_id("100001"), support.Message(
        topic="support", message="Liite.", attachments=[Upload("kuva.png", PNG)]))
    inbox.reply(feedback, "Kiitos kuvasta.", [Upload("ohje.pdf", PDF)])
    exported = personal_data.collect(customer_id("100001"))["feedback"][0]["attachments"]
    assert [(a["name"], a["content_type"], a["size"]) for a in exported] == [
        ("kuva.png", "image/png", len(PNG)), ("ohje.pdf", "application/pdf", len(PDF))]


def test_pages_with_attachments_keep_the_budget(matti):
    feedback = support.send(customer_id("100001"), support.Message(
        topic="support", message="x" * 2000, attachments=[Upload(f"kuvakaappaus-{n}.png", PNG) for n in range(3)]))
    for n in range(3):
        support.reply(customer_id("100001"), feedback.reference, f"Vastaus {n}",
                      [Upload(f"liite-{n}-{m}.pdf", PDF) for m in range(3)])
    for page in (url(feedback), "/asiakaspalvelu"):
        assert len(gzip.compress(matti.get(page).data)) <= 8 * 1024, page


def test_the_data_export_page_names_the_attachments(matti):
    support.send(customer_id("100001"), support.Message(
        topic="support", message="Liite.", attachments=[Upload("kuva.png", PNG)]))
    response = matti.submit("/kayttajatiedot/omat-tiedot", {"format": "html"}, page="/kayttajatiedot")
    page = matti.get(response.location).text
    assert "Liitteet" in page and "kuva.png" in page and "image/png" in page
    assert "stored_name" not in page and "Tarkistussumma (SHA-256)" in page
