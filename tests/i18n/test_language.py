"""Which language a page speaks: the account's preference, the switcher's cookie, the browser,
then Finnish; the switcher in the footer; emails in the customer's language."""
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from wtforms import SelectField

from app.extensions import db
from app.forms import Form
from app.models import AuditEvent, Channel, OutboxMessage, Product
from tests.helpers import customer, deliver_all

HTML_LANG = re.compile(r'<html lang="([a-z]+)">')
LOG_IN = {"fi": "Kirjaudu Omahallintaan", "sv": "Logga in i Omahallinta", "en": "Log in to Omahallinta"}


def page_language(response) -> str:
    return HTML_LANG.search(response.text).group(1)


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "fi"),
    ("sv-FI,sv;q=0.9,fi;q=0.8", "sv"),
    ("sv-FI", "sv"),  # a regional variant picks its language
    ("en-US", "en"),
    ("en-GB,en;q=0.9", "en"),
    ("de-DE,de;q=0.9", "fi"),  # nothing we speak: Finnish
    ("de-DE,en;q=0.5", "en"),
    ("fi,sv;q=0.5", "fi"),
])
def test_without_a_choice_the_browser_decides(client, accept, expected):
    response = client.get("/kirjaudu", headers={"Accept-Language": accept} if accept else {})
    assert page_language(response) == expected
    assert LOG_IN[expected] in response.text


def test_the_cookie_wins_over_the_browser(client):
    client.set_cookie("lang", "en")
    response = client.get("/kirjaudu", headers={"Accept-Language": "sv"})
    assert page_language(response) == "en"


def test_an_unknown_cookie_is_ignored(client):
    client.set_cookie("lang", "de")
    assert page_language(client.get("/kirjaudu", headers={"Accept-Language": "sv"})) == "sv"


def test_the_account_preference_wins_over_cookie_and_browser(client, demo_data):
    customer().locale = "sv"
    client.login()
    client.set_cookie("lang", "en")
    response = client.get("/", headers={"Accept-Language": "en"})
    assert page_language(response) == "sv"
    assert "Dina gällande tjänster" in response.text


def test_switcher_is_in_the_footer_in_each_languages_own_name(client):
    html = client.get("/kirjaudu").text
    footer = html[html.index("<footer"):]
    assert 'action="/kieli"' in footer and 'method="post"' in footer
    assert 'name="next" value="/kirjaudu"' in footer
    for code, name in (("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")):
        assert re.search(rf'<button[^>]*name="lang" value="{code}" lang="{code}"[^>]*>{name}</button>', footer)
    assert re.search(r'value="fi" lang="fi" aria-current="true"', footer)
    assert 'aria-label="Kieli"' in footer


def test_switching_sets_the_cookie_and_comes_back(client):
    response = client.submit("/kieli", {"lang": "sv", "next": "/unohtunut-salasana?x=1"}, page="/kirjaudu")
    assert response.status_code == 303
    assert response.headers["Location"] == "/unohtunut-salasana?x=1"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=sv;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie
    page = client.get("/kirjaudu", headers={"Accept-Language": "fi"})
    assert page_language(page) == "sv"
    assert re.search(r'value="sv" lang="sv" aria-current="true"', page.text)
    assert 'aria-label="Språk"' in page.text


def test_an_unknown_language_is_refused(client):
    response = client.submit("/kieli", {"lang": "de", "next": "/kirjaudu"}, page="/kirjaudu")
    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_a_customer_switch_is_saved_in_the_account(client, make_client, demo_data):
    client.login()
    response = client.submit("/kieli", {"lang": "en", "next": "/"}, page="/")
    assert response.status_code == 303
    assert customer().locale == "en"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "locale.changed"))
    assert event is not None and event.customer_id == customer().id
    assert "Your services in force" in client.get("/").text
    # Another browser without the cookie follows the account after login.
    other = make_client()
    other.login()
    assert page_language(other.get("/", headers={"Accept-Language": "fi"})) == "en"


def test_a_language_chosen_before_logging_in_sticks_to_the_account(client, make_client, demo_data):
    client.submit("/kieli", {"lang": "sv", "next": "/kirjaudu"}, page="/kirjaudu")
    client.login()
    assert customer().locale == "sv"
    assert page_language(client.get("/")) == "sv"
    assert page_language(make_client().get("/kirjaudu")) == "fi"  # another browser: no cookie yet
    other = make_client()
    other.login()
    assert page_language(other.get("/")) == "sv"


def test_product_names_follow_the_language_and_fall_back_to_finnish(client, demo_data):
    client.login()
    finnish = client.get("/").text
    assert "Laajakaista 100M" in finnish and "29,90\xa0€/kk" in finnish
    customer().locale = "sv"
    swedish = client.get("/").text
    assert "Bredband 100M" in swedish and "F-Secure TURVAPAKETTI 3 enheter" in swedish
    assert "I kraft från 1.3.2019, tills vidare" in swedish
    customer().locale = "en"
    english = client.get("/").text
    assert "Broadband 100M" in english and "29,90\xa0€/month" in english
    assert "Valid from 1.3.2019, until further notice" in english
    # A name with no English version shows in Finnish.
    product = db.session.scalar(select(Product).where(Product.code == "LAAJAKAISTA-100"))
    product.name_en = None
    assert "Laajakaista 100M" in client.get("/").text


@pytest.mark.parametrize(("lang", "subject"), [
    ("fi", "Aseta uusi salasana Omahallintaan"),
    ("sv", "Ange ett nytt lösenord för Omahallinta"),
    ("en", "Set a new password for Omahallinta"),
])
def test_emails_go_out_in_the_customers_language(client, smtp, demo_data, lang, subject):
    customer().locale = lang
    # The page itself speaks another language; the email follows the customer.
    client.set_cookie("lang", "fi" if lang != "fi" else "en")
    client.submit("/unohtunut-salasana", {"login": "matti.virtanen@example.fi"})
    assert deliver_all() == 2  # the request, then the email
    [message] = smtp.messages
    assert message["Subject"] == subject
    body = message.get_content()
    assert {"fi": "Ystävällisin terveisin", "sv": "Med vänlig hälsning", "en": "Best regards,"}[lang] in body


def test_invitation_from_the_command_line_is_in_the_customers_language(runner, demo_data):
    liisa = customer("100002")
    liisa.locale = "sv"
    liisa.account.password_hash = None
    db.session.commit()
    result = runner.invoke(args=["invite", "100002"])
    assert result.exit_code == 0, result.output
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "invitation"))
    assert message.payload["subject"] == "Ditt konto i Omahallinta är klart"
    assert "Du loggar in med ditt kundnummer 100002" in message.payload["body"]


@pytest.mark.parametrize(("lang", "genre", "summary"), [
    ("fi", "Urheilu", "Jalkapalloa ja yleisurheilua."),
    ("sv", "Sport", "Fotboll och friidrott."),
    ("en", "Sports", "Football and athletics."),
])
def test_channel_genre_and_description_follow_the_language(app, demo_data, lang, genre, summary):
    channel = db.session.scalar(select(Channel).where(Channel.name == "Sport One"))
    with app.test_request_context(), force_locale(lang):
        assert (channel.label, channel.genre_label, channel.summary) == ("Sport One", genre, summary)
        channel.genre = "Ravit"  # a genre the staff wrote themselves shows as written
        assert channel.genre_label == "Ravit"


@pytest.mark.parametrize(("lang", "message"), [("fi", "Virheellinen valinta"), ("sv", "Inte ett giltigt val"),
                                               ("en", "Not a valid choice.")])
def test_wtforms_own_messages_follow_the_language(app, lang, message):
    """WTForms' own catalog is read once per process and language (`forms.wtforms_messages`), and
    each request still gets its reader's language."""
    class Pick(Form):
        kind = SelectField(choices=[("a", "A")])

    for _ in range(2):
        with app.test_request_context("/", method="POST", data={"kind": "x"}, headers={"Accept-Language": lang}):
            form = Pick(meta={"csrf": False})
            assert not form.validate()
            assert form.kind.errors == [message]
