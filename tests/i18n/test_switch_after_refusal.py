"""After a refused form the reader is on the form's page (post/redirect/get), so the language
switcher takes them back to a page, not to an address that only takes forms (which would answer 405)."""
import re

from tests.helpers import refused

SWITCHER_NEXT = re.compile(r'name="next" value="([^"]*)"')


def switch_after(client, action: str, fields: dict, page: str) -> str:
    shown = refused(client.submit(action, fields, page=page))
    back = SWITCHER_NEXT.search(shown.text).group(1)
    switched = client.submit("/kieli", {"lang": "sv", "next": back}, page=page)
    assert switched.status_code == 303
    return switched.location


def test_after_a_refused_mailbox_password_the_switcher_returns_to_the_mailboxes(client, demo_data):
    client.login()
    action = re.search(r'action="(/sahkoposti/\d+/salasana)"', client.get("/sahkoposti").text).group(1)
    back = switch_after(client, action, {"new_password": "x", "account_password": "y"}, "/sahkoposti")
    assert back == "/sahkoposti"
    assert client.get(back).status_code == 200 and 'lang="sv"' in client.get(back).text


def test_a_form_page_of_its_own_keeps_its_address(client, demo_data):
    client.login()
    back = switch_after(client, "/salasanan-vaihto", {"current_password": "x", "new_password": "y"},
                        "/salasanan-vaihto")
    assert back == "/salasanan-vaihto"


def test_without_a_referrer_from_this_site_the_refusal_is_answered_in_place_and_the_switcher_goes_home(
        client, demo_data):
    client.login()
    action = re.search(r'action="(/sahkoposti/\d+/salasana)"', client.get("/sahkoposti").text).group(1)
    answer = client.post(action, data={"new_password": "x", "account_password": "y",
                                       "csrf_token": client.csrf_token("/sahkoposti")},
                         headers={"Referer": "https://elsewhere.example/sahkoposti"})
    assert answer.status_code == 422
    assert SWITCHER_NEXT.search(answer.text).group(1) == "/"
