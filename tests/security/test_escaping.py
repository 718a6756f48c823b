"""Values put into messages are escaped, by construction (audit finding 6).

A translated message with placeholders (`_l("... %(name)s ...", name=value)`) is text: shown in a
page, the value in it is escaped like any other text, whatever the message says or where it goes
(a field's error, a reason above a form, the status region)."""
import re

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Product
from tests.helpers import PASSWORDS, product, refused

MARKUP = '<img src=x onerror="alert(1)">'
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def messages_with_values() -> list[str]:
    with open("translations/fi/LC_MESSAGES/messages.po", "rb") as po:
        return [m.id for m in read_po(po) if isinstance(m.id, str) and PLACEHOLDER.search(m.id)]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_message_with_a_value_shows_the_value_as_text(app, lang):
    found = messages_with_values()
    assert len(found) > 50  # the catalog was read
    with app.test_request_context(), force_locale(lang):
        for msgid in found:
            values = {name: 7 if kind == "d" else MARKUP for name, kind in PLACEHOLDER.findall(msgid)}
            shown = render_template_string("{{ message }}", message=_l(msgid, **values))
            assert "<img" not in shown, msgid
            if any(kind == "s" for _, kind in PLACEHOLDER.findall(msgid)):
                assert "&lt;img" in shown, msgid


def test_a_forwarding_address_with_markup_comes_back_as_text(client, demo_data):
    client.login()
    mailbox = client.get("/sahkoposti").text.split('id="mailbox-')[1].split('"')[0]
    for htmx in (False, True):
        response = client.submit(f"/sahkoposti/{mailbox}/edelleenlahetys",
                                 {f"m{mailbox}-fw-addresses": "<img/src=x/onerror=alert(1)>@x"},
                                 page="/sahkoposti", htmx=htmx)
        response = refused(response)
        assert "<img/src" not in response.text and "&lt;img/src=x/onerror=alert(1)&gt;" in response.text


def test_a_product_name_with_markup_in_a_refusal_reason_is_text(client, demo_data):
    """100001 has MIX 6: MIX 10's page says "You have MIX 6: upgrade it instead", with the name."""
    mix = product("MIX-6")
    mix.name = '<a href="https://evil.example">MIX 6</a>'
    db.session.commit()
    client.login("100001", PASSWORDS["100001"])
    page = client.get("/tilaa/MIX-10")
    assert '<a href="https://evil.example">' not in page.text
    assert "&lt;a href=&#34;https://evil.example&#34;&gt;MIX 6&lt;/a&gt;" in page.text
    assert db.session.get(Product, mix.id).name.startswith("<a")
