"""Salasanan vaihto (S13): current + new password, other sessions end, a notice by email."""
from app.extensions import db
from app.models import AuditEvent, OutboxMessage

NEW = "Kahvi-Purjevene-Lokakuu-9"


def test_change_with_plain_form_redirects_and_announces(client, make_client, demo_data):
    client.login()
    other_device = make_client()
    other_device.login()
    response = client.submit("/salasanan-vaihto", {"current_password": "Lumi-Ranta-Kello-71", "new_password": NEW})
    assert response.status_code == 303
    page = client.get("/salasanan-vaihto")
    assert "Salasanasi on vaihdettu." in page.text
    assert other_device.get("/").status_code == 302  # the other session ended
    assert client.get("/").status_code == 200  # this one goes on
    assert make_client().submit("/kirjaudu", {"login": "100001", "password": NEW}).status_code == 303
    assert db.session.query(AuditEvent).filter_by(action="password.changed").count() == 1
    notice = db.session.query(OutboxMessage).filter_by(topic="password_changed").one()
    assert notice.payload["to"] == "matti.virtanen@example.fi"


def test_change_with_htmx_returns_the_form_and_a_status_update(client, demo_data):
    client.login()
    response = client.submit("/salasanan-vaihto", {"current_password": "Lumi-Ranta-Kello-71", "new_password": NEW},
                             htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="password-form"' in response.text
    assert 'hx-target="#status"' in response.text and "Salasanasi on vaihdettu." in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert len(response.data) < 2048


def test_wrong_current_password_is_shown_next_to_the_field(client, demo_data):
    client.login()
    for htmx in (False, True):
        response = client.submit("/salasanan-vaihto", {"current_password": "nope-nope-nope", "new_password": NEW},
                                 htmx=htmx)
        assert response.status_code == 422
        assert 'id="current_password-error"' in response.text
        assert "Nykyinen salasana on väärä." in response.text
    assert db.session.query(OutboxMessage).count() == 0


def test_weak_passwords_are_refused_with_the_reason(client, demo_data):
    client.login()
    cases = {
        "short-one": "vähintään 12 merkkiä",
        "password1234": "liian yleinen",
        "matti.virtanen2024": "nimeesi",
        "x" * 300: "enintään",
    }
    for password, reason in cases.items():
        response = client.submit("/salasanan-vaihto", {"current_password": "Lumi-Ranta-Kello-71",
                                                       "new_password": password})
        assert response.status_code == 422, password
        assert reason in response.text, password
    # Nothing changed: the old password still works.
    assert client.submit("/kirjaudu-ulos", page="/").status_code == 303
    client.login()


def test_long_passphrase_without_composition_rules_is_accepted(client, demo_data):
    client.login()
    phrase = "kesäillan laituri ja kahvikuppi odottaa " * 3
    response = client.submit("/salasanan-vaihto", {"current_password": "Lumi-Ranta-Kello-71", "new_password": phrase})
    assert response.status_code == 303
