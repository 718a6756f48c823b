"""Salasanan vaihto (S13): current + new password, other sessions end, a notice by email."""
from app.extensions import db
from app.models import AuditEvent, OutboxMessage
from tests.helpers import refused

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
        response = refused(response)
        assert 'id="current_password-error"' in response.text
        assert "Nykyinen salasana on väärä." in response.text
    assert db.session.query(OutboxMessage).count() == 0


def test_a_wrong_current_password_and_a_weak_new_one_are_told_at_once(client, demo_data):
    client.login()
    for htmx in (False, True):
        response = refused(client.submit("/salasanan-vaihto", {"current_password": "nope-nope-nope",
                                                                "new_password": "short"}, htmx=htmx))
        assert 'id="current_password-error"' in response.text and 'id="new_password-error"' in response.text
        assert "Nykyinen salasana on väärä." in response.text
        # The new one left empty (the form's own refusal): the wrong current one is said with it.
        empty = refused(client.submit("/salasanan-vaihto", {"current_password": "nope-nope-nope", "new_password": ""},
                                      htmx=htmx)).text
        assert "Nykyinen salasana on väärä." in empty and 'id="new_password-error"' in empty


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
        response = refused(response)
        assert reason in response.text, password
    # Nothing changed: the old password still works.
    assert client.submit("/kirjaudu-ulos", page="/").status_code == 303
    client.login()


def test_long_passphrase_without_composition_rules_is_accepted(client, demo_data):
    client.login()
    phrase = "kesäillan laituri ja kahvikuppi odottaa " * 3
    response = client.submit("/salasanan-vaihto", {"current_password": "Lumi-Ranta-Kello-71", "new_password": phrase})
    assert response.status_code == 303


def strength(client, password: str, page: str = "/salasanan-vaihto"):
    return client.submit("/salasanan-vahvuus", {"new_password": password}, page=page, htmx=True)


def test_the_strength_is_told_as_the_new_password_is_typed(client, demo_data):
    client.login()
    page = client.get("/salasanan-vaihto").text
    assert 'hx-post="/salasanan-vahvuus"' in page and 'id="password-strength"' in page
    assert 'aria-live="polite"' in page
    cases = {
        "qwertyuiopasdf": ("Salasanan vahvuus: heikko.", "Tavalliset sanat"),
        "zxcvbnm,./asdfg": ("Salasanan vahvuus: kohtalainen, ei vielä riittävä.", "Näppäimistön kuviot"),
        "abcdefghijkl1234": ("Salasanan vahvuus: heikko.", "Sarjat"),
        "aaaaaaaaaaaaaaaa": ("Salasanan vahvuus: erittäin heikko.", "Toistuvat merkit"),
        "19.12.1987xyz": ("Salasanan vahvuus: kohtalainen", "Päivämäärät"),
        "short": ("Salasanan vahvuus:", "vähintään 12 merkkiä"),
        "matti.virtanen2024": ("erittäin heikko", "nimeesi"),
        NEW: ("Salasanan vahvuus: vahva.", None),
    }
    for password, (label, reason) in cases.items():
        response = strength(client, password)
        assert response.status_code == 200, password
        # What the line says, put into the line that stays in the page (a live region put in anew with
        # its words already in it is not announced).
        assert "<p" not in response.text and "<html" not in response.text
        assert label in response.text, password
        if reason:
            assert reason in response.text, password
        else:
            assert "arvata" not in response.text and 'class="meter s4"' in response.text
    assert strength(client, "").text.strip() == ""
    assert 'hx-target="#password-strength"' in page and 'hx-swap="innerHTML"' in page


def test_a_refused_password_is_answered_with_its_strength_in_both_renderings(client, demo_data):
    client.login()
    for htmx in (False, True):
        response = client.submit("/salasanan-vaihto", {"current_password": "Lumi-Ranta-Kello-71",
                                                       "new_password": "password1234"}, htmx=htmx)
        response = refused(response)
        assert "Salasanan vahvuus: " in response.text and "liian yleinen" in response.text
        assert response.text.count("liian yleinen") == 1  # said by the field, not again by the strength line
    accepted = client.submit("/salasanan-vaihto", {"current_password": "Lumi-Ranta-Kello-71", "new_password": NEW})
    assert accepted.status_code == 303
    assert "Salasanan vahvuus" not in client.get("/salasanan-vaihto").text  # nothing typed, nothing told


def test_the_strength_line_asks_for_a_session_and_a_token(client, demo_data):
    anonymous = client.submit("/salasanan-vahvuus", {"new_password": NEW}, page="/kirjaudu")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/kirjaudu?next=")
    client.login()
    assert client.post("/salasanan-vahvuus", data={"new_password": NEW}).status_code == 400  # no CSRF token
