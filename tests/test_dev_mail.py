"""Development: mail is written as .eml files and a page shows them, so a newcomer can open
the reset or invitation email in the browser."""
from app import create_app
from app.extensions import db
from app.services import accounts, outbox


def test_development_mail_can_be_read_in_the_browser(app, tmp_path, demo_data):
    with app.test_request_context():
        accounts.request_password_reset("matti.virtanen@example.fi")
    app.config.update(MAIL_BACKEND="file", MAIL_DIR=str(tmp_path))
    try:
        assert outbox.deliver_due() == 1  # the request, looked up by the worker
        assert outbox.deliver_due() == 1  # the email it queued
    finally:
        app.config["MAIL_BACKEND"] = "smtp"
    dev = create_app("development", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                      "MAIL_DIR": str(tmp_path), "SECRET_KEY": "dev"})
    db.session.commit()
    viewer = dev.test_client()
    index = viewer.get("/kehitys/posti")
    assert index.status_code == 200
    assert "Aseta uusi salasana Omahallintaan" in index.text
    link = index.text.split('href="/kehitys/posti/')[1].split('"')[0]
    mail = viewer.get(f"/kehitys/posti/{link}")
    assert "/uusi-salasana/" in mail.text
    assert viewer.get("/kehitys/posti/../../etc").status_code == 404
