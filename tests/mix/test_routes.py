"""Muokkaa MIX-pakettia over HTTP: the page, both renderings of a toggle, 404s and budgets."""
import gzip
import re

import pytest
from sqlalchemy import event, select

from app import kept
from app.extensions import db
from app.models import Channel, Customer, Order, OutboxMessage, Subscription
from tests.conftest import HTMX
from tests.helpers import count, refused, statements
from tests.mix.conftest import chosen_ids, events, subscription

PAGE_BUDGET = 8 * 1024
PARTIAL_BUDGET = 2 * 1024


def url(m, channel_id, subscription_id=None):
    return f"/mix/{subscription_id or m.subscription_id}/kanavat/{channel_id}"


def toggle(client, m, channel_id, chosen="1", htmx=False, **kw):
    return client.submit(url(m, channel_id, **kw), {"chosen": chosen}, page="/mix", htmx=htmx)


def gz(response) -> int:
    """What goes over the wire: Flask-Compress gzips HTML at level 6."""
    return len(gzip.compress(response.data, 6))


def test_page_shows_tier_counter_and_toggles(client, matti):
    client.login()
    response = client.get("/mix")
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    html = response.text
    assert "<h1>Muokkaa MIX-pakettia</h1>" in html and "<strong>MIX 6</strong>" in html
    assert '<p id="mix-counter" class="counter">4 / 6 kanavaa valittu</p>' in html
    assert html.count('aria-pressed="true"') == 4 and html.count('aria-pressed="false"') == 14
    assert " disabled" not in html
    assert 'aria-current="page">Muokkaa MIX-pakettia</a>' in html  # the menu entry
    assert gz(response) <= PAGE_BUDGET


def test_page_as_htmx_partial_is_the_picker_only(client, matti):
    client.login()
    response = client.get("/mix", headers=HTMX)
    assert "<html" not in response.text and response.text.lstrip().startswith('<div id="mix-picker">')
    assert "HX-Request" in response.headers["Vary"]


def test_no_card_and_no_mix_are_told_without_toggles(client, demo_data):
    client.login("100002", "Sade-Metsa-Tuoli-38")
    html = client.get("/mix").text
    assert "Sinulla ei ole voimassa olevaa maksu-TV-korttia" in html
    assert "Sinulla ei ole MIX-pakettia" in html
    assert "03 450 51" in html
    assert "aria-pressed" not in html and "/kanavat/" not in html
    # Ordering a MIX package needs the card, so the page offers customer service, not Tilaa.
    assert "/tilaa" not in html.split("<main")[1] and "Voit tilata sen asiakaspalvelusta." in html


def test_plain_post_adds_and_redirects_back_to_the_channel(client, matti):
    client.login()
    channel = matti.free[0]
    response = toggle(client, matti, channel)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/mix#valinta-{channel}")
    page = client.get("/mix").text
    assert "Kanava Elokuva Klassikot lisätty. 5 / 6 valittu." in page
    assert "5 / 6 kanavaa valittu" in page
    assert chosen_ids(matti.subscription_id) == {*matti.chosen, channel}


def test_htmx_post_returns_the_row_counter_and_status(client, matti):
    client.login()
    channel = matti.free[0]
    response = toggle(client, matti, channel, htmx=True)
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith(f'<li><button id="valinta-{channel}"')
    assert f'aria-pressed="true" aria-describedby="kuvaus-{channel}" name="chosen" value="0"' in html
    assert '<hx-partial hx-target="#mix-counter" hx-swap="outerHTML"><p id="mix-counter" class="counter">5 / 6' in html
    assert re.search(r'<hx-partial hx-target="#status"[^>]*><p class="success">Kanava Elokuva Klassikot lisätty.',
                     html)
    assert 'id="mix-picker"' not in html  # the limit did not flip: only this row changes
    assert len(response.data) <= PARTIAL_BUDGET
    assert chosen_ids(matti.subscription_id) == {*matti.chosen, channel}


def test_htmx_post_reaching_the_limit_disables_the_rest(client, matti):
    client.login()
    toggle(client, matti, matti.free[0], htmx=True)
    response = toggle(client, matti, matti.free[1], htmx=True)
    html = response.text
    assert '<hx-partial hx-target="#mix-picker" hx-swap="outerHTML"><div id="mix-picker">' in html
    assert html.count(" disabled>") == 12 and html.count("hx-post") == 6 and "6 / 6 kanavaa valittu" in html
    assert "Olet valinnut kaikki 6 kanavaa" in html
    assert gz(response) <= PARTIAL_BUDGET
    # Removing one frees a slot at once: every toggle is enabled again.
    response = toggle(client, matti, matti.free[1], chosen="0", htmx=True)
    assert " disabled" not in response.text and "5 / 6 kanavaa valittu" in response.text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_over_the_limit_is_refused_with_422_and_nothing_changes(client, matti, htmx):
    client.login()
    toggle(client, matti, matti.free[0])
    toggle(client, matti, matti.free[1])
    before = count(OutboxMessage)
    response = toggle(client, matti, matti.free[2], htmx=htmx)
    response = refused(response)
    assert "Kaikki 6 kanavaa on jo valittu" in response.text
    assert ("<html" in response.text) != htmx
    assert len(chosen_ids(matti.subscription_id)) == 6
    assert count(OutboxMessage) == before


def test_toggling_to_the_same_state_says_nothing_changed(client, matti):
    client.login()
    response = toggle(client, matti, matti.chosen[0], chosen="1", htmx=True)
    assert response.status_code == 200 and "oli jo valittu" in response.text
    assert events() == []


def test_another_customers_subscription_is_404_and_unchanged(client, matti):
    liisa = db.session.scalar(select(Customer).where(Customer.customer_number == "100002"))
    client.login("100002", "Sade-Metsa-Tuoli-38")
    token = client.csrf_token("/salasanan-vaihto")
    for channel, chosen in ((matti.free[0], "1"), (matti.chosen[0], "0")):
        response = client.post(url(matti, channel), data={"chosen": chosen, "csrf_token": token})
        assert response.status_code == 404
    assert chosen_ids(matti.subscription_id) == set(matti.chosen)
    assert liisa.id != matti.customer_id


def test_channel_outside_the_pool_and_other_subscriptions_are_404(client, matti):
    client.login()
    assert toggle(client, matti, 99999).status_code == 404
    broadband = db.session.scalar(select(Subscription).where(
        Subscription.customer_id == matti.customer_id, Subscription.id != matti.subscription_id))
    assert toggle(client, matti, matti.free[0], subscription_id=broadband.id).status_code == 404
    assert chosen_ids(matti.subscription_id) == set(matti.chosen)


def test_bad_form_and_missing_login(client, matti):
    assert client.get("/mix").status_code in (302, 303)
    client.login()
    for htmx in (False, True):  # only a request made by hand sends another value: said in the picker's alert
        page = refused(toggle(client, matti, matti.free[0], chosen="maybe", htmx=htmx)).text
        assert ('<div class="alert" id="form-error" role="alert"><p>Pyynnöstä ei käynyt ilmi, lisätäänkö vai '
                'poistetaanko kanava. Valitse kanava uudelleen.</p></div>') in page
        assert 'class="toggle"' in page  # the picker, to choose again
    assert client.post(url(matti, matti.free[0]), data={"chosen": "1"}).status_code == 400  # no CSRF
    assert chosen_ids(matti.subscription_id) == set(matti.chosen)


def add_channels(n: int) -> None:
    start = count(Channel)
    db.session.add_all(Channel(name=f"Kanava {i:02d}", genre="Viihde", position=i,
                               description="Sarjoja ja elokuvia koko perheelle.") for i in range(start, start + n))
    db.session.commit()


def page(client, path: str) -> tuple[int, object]:
    with statements() as seen:
        response = client.get(path)
    return len(seen), response


def test_sixty_channel_pool_within_budget_and_statements_constant(client, matti):
    client.login()
    small, _ = page(client, "/mix")
    add_channels(60 - 18)
    large, response = page(client, "/mix")
    assert response.text.count('class="toggle"') == 60
    assert large == small <= 12
    assert gz(response) <= PAGE_BUDGET, gz(response)
    # Reaching the limit re-renders every toggle: still one small response.
    toggle(client, matti, matti.free[0], htmx=True)
    response = toggle(client, matti, matti.free[1], htmx=True)
    assert response.text.count(" disabled>") == 54
    assert gz(response) <= PARTIAL_BUDGET, gz(response)


def test_the_page_shows_the_price_the_package_was_ordered_at(client, matti):
    """A list price raised later does not change what the customer pays (billing.charges), so the
    MIX page says what Etusivu and Tilatut palvelut say."""
    package = subscription(matti.subscription_id)
    db.session.add(Order(customer_id=matti.customer_id, product=package.product, subscription=package,
                         status="delivered", idempotency_key="mix-6", price_cents=1690, vat_basis_points=2550))
    package.product.price_cents = 1990
    db.session.commit()
    client.login()
    page = client.get("/mix").text
    assert f"{package.product.label}</strong> · 16,90\xa0€/kk" in page and "19,90" not in page


def test_the_pool_is_kept_and_a_change_to_it_is_seen_at_once(client, matti):
    """The MIX page takes the channel pool from the catalogue each process keeps (app/kept.py). A toggle
    queues a message in the outbox, whose `channel` column is not the channel table: the copy is kept.
    A channel renamed or retired is on the next page."""
    copy_reads = []

    def note(conn, _cursor, statement, *_args):
        if kept.copy_read(conn):
            copy_reads.append(statement)

    client.login()
    client.get("/mix")
    assert toggle(client, matti, matti.free[0]).status_code == 303 and events()
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = client.get("/mix").text
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert copy_reads == [] and page.count('class="toggle"') == 18
    renamed, retired = db.session.get(Channel, matti.free[1]), db.session.get(Channel, matti.free[2])
    renamed.name, retired.retired = "Uusi <Kanava>", True
    db.session.commit()
    page = client.get("/mix").text
    assert "Uusi &lt;Kanava&gt;" in page and retired.name not in page and page.count('class="toggle"') == 17
