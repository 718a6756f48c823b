"""Saavutettavuusseloste: open to all, in every language, linked from every page's footer, with the
operator's own contact details and the way to give feedback and to complain."""
import re

import pytest

from app.extensions import db
from app.models import OperatorSettings
from tests.helpers import staff_login

URL = "/saavutettavuusseloste"
HEADINGS = {"fi": "Saavutettavuusseloste", "sv": "Tillgänglighetsutlåtande", "en": "Accessibility statement"}


def footer(html: str) -> str:
    return html[html.index("<footer"):]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_statement_opens_without_login_in_each_language(client, lang):
    client.set_cookie("lang", lang)
    response = client.get(URL)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    assert f"<h1>{HEADINGS[lang]}</h1>" in response.text
    assert "WCAG" in response.text and "2.2" in response.text and "306/2019" in response.text
    assert {"fi": "24.11.2026", "sv": "24.11.2026", "en": "24.11.2026"}[lang] in response.text
    assert "mailto:saavutettavuus@traficom.fi" in response.text
    assert 'href="https://www.saavutettavuusvaatimukset.fi/"' in response.text
    assert "029 534 5000" in response.text


def test_the_finnish_statement_says_what_the_law_asks(client):
    text = re.sub(r"<[^>]+>", " ", client.get(URL).text)
    for part in ("Saavutettavuuden tila", "Tiedossa olevat puutteet", "Ei tiedossa olevia puutteita.",
                 "Palaute", "Valvontaviranomainen", "Liikenne- ja viestintävirasto Traficom",
                 "laadittu 24.11.2026 ja tarkistettu viimeksi 28.11.2026", "Vastaamme 14 päivän kuluessa",
                 "1280 px", "412 px", "320 px", "IBM", "vaakasuunnassa", "pelkällä näppäimistöllä",
                 "JavaScript poistettuna"):
        assert part in text, part


def test_it_is_linked_from_the_footer_before_and_after_login(client, demo_data):
    link = f'<a href="{URL}">Saavutettavuusseloste</a>'
    assert link in footer(client.get("/kirjaudu").text)
    client.login()
    assert link in footer(client.get("/").text)
    assert link in footer(client.get(URL).text)


def test_the_feedback_channel_is_the_operators_own_from_the_database(client, demo_data):
    settings = db.session.get(OperatorSettings, 1)
    settings.name, settings.email, settings.phone = "Kaapeli-Testi Oy", "palaute@kaapeli.example", "09 123 4567"
    db.session.commit()
    html = client.get(URL).text
    assert "palveluntarjoajan Kaapeli-Testi Oy Omahallinta-asiointipalvelua" in html
    assert '<a href="mailto:palaute@kaapeli.example">palaute@kaapeli.example</a>' in html
    assert '<a href="tel:091234567">09 123 4567</a>' in html
    assert '<a href="/asiakaspalvelu">Asiakaspalvelu</a>' in html


def test_staff_can_read_it_and_switch_the_language_in_the_console(client, demo_data):
    staff_login(client)
    assert client.get(URL).status_code == 200  # not sent back to the console
    response = client.submit("/kieli", {"lang": "en", "next": "/hallinta/"}, page="/hallinta/")
    assert response.status_code == 303 and response.headers["Location"] == "/hallinta/"
    assert response.headers["Set-Cookie"].startswith("lang=en;")
    assert '<html lang="en">' in client.get("/hallinta/").text
