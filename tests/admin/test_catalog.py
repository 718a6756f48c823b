"""Tuotteet and MIX-kanavat: admin only; a price change applies to new orders; retiring keeps selections."""
import re

import pytest

from app.extensions import db
from app.models import Announcement, AuditEvent, CannedReply, Channel, MixChoice, Order, ProductGroup
from app.services import billing
from tests.helpers import product, refused

PRODUCT = {"group_id": None, "code": "SPORT-PLUS", "name": "Urheilu Plus", "description": "Urheilua.",
           "price": "15,90", "vat": "25,5", "term_months": "", "requires_pay_tv_card": "y", "family": "",
           "rank": "", "mix_size": "", "download_url": "", "mailbox_count": "0", "sellable": "y", "position": "0"}


@pytest.mark.parametrize("url", ["/hallinta/tuotteet", "/hallinta/tuotteet/uusi", "/hallinta/mix-kanavat"])
def test_staff_role_cannot_open_admin_sections(staff, url):
    assert staff.get(url).status_code == 403


def test_staff_role_cannot_post_either(staff):
    channel = db.session.query(Channel).first()
    response = staff.submit(f"/hallinta/mix-kanavat/{channel.id}/poista", page="/hallinta/")
    assert response.status_code == 403
    assert not db.session.get(Channel, channel.id).retired


def test_price_change_applies_to_new_orders_only(admin):
    p = product("SPORT-PLUS")
    month = "2026-11"
    order = Order(customer_id=1, product_id=p.id, idempotency_key="old", price_cents=p.price_cents,
                  vat_basis_points=2550, status="delivered")
    db.session.add(order)
    db.session.commit()
    before = billing.to_json(month, billing.charges(month))
    data = {**PRODUCT, "group_id": str(p.group_id)}
    response = admin.submit(f"/hallinta/tuotteet/{p.id}", data)
    assert response.status_code == 303, response.text
    assert product("SPORT-PLUS").price_cents == 1590
    assert db.session.get(Order, order.id).price_cents == 1490
    assert billing.to_json(month, billing.charges(month)) == before
    event = db.session.query(AuditEvent).filter_by(action="product.updated").one()
    assert event.details["old_price_cents"] == 1490 and event.actor_name == "Ylläpito"


@pytest.mark.parametrize("field,value,message", [
    ("price", "12,345", "euroina"), ("code", "MIX-6", "toisella tuotteella"), ("family", "mix", "järjestys"),
    ("download_url", "http://x", "https://"), ("vat", "abc", "prosentteina"),
    ("mix_size", "9" * 40, "liian suuri"), ("price", "NaN", "euroina"), ("price", "sNaN", "euroina"),
    ("price", "Infinity", "euroina"), ("price", "1E+999999", "euroina"), ("price", "9" * 20, "euroina"),
    ("price", "100000", "euroina"), ("vat", "NaN", "prosentteina"), ("vat", "-Infinity", "prosentteina"),
    ("price", "1e3", "euroina"), ("vat", "1e1", "prosentteina"), ("price", "-0", "euroina"),
    ("price", "0x10", "euroina"), ("price", "١٢", "euroina")])
def test_bad_product_values_are_refused(admin, field, value, message):
    p = product("SPORT-PLUS")
    response = admin.submit(f"/hallinta/tuotteet/{p.id}", {**PRODUCT, "group_id": str(p.group_id), field: value})
    response = refused(response)
    assert message in response.text
    assert product("SPORT-PLUS").price_cents == 1490


def test_a_mix_package_is_not_made_smaller_than_its_customers_choices(admin):
    """The demo customer has chosen four channels of MIX 6: three would leave the picker saying
    "4 / 3" and the operator's systems more channels than the package holds."""
    mix = product("MIX-6")
    data = {**PRODUCT, "group_id": str(mix.group_id), "code": "MIX-6", "name": mix.name, "price": "16,90",
            "requires_pay_tv_card": "y", "family": "mix", "rank": str(mix.rank), "mix_size": "3"}
    response = refused(admin.submit(f"/hallinta/tuotteet/{mix.id}", data))
    assert "Tämän paketin asiakas on valinnut 4 kanavaa" in response.text
    assert product("MIX-6").mix_size == 6
    assert admin.submit(f"/hallinta/tuotteet/{mix.id}", {**data, "mix_size": "4"}).status_code == 303
    assert product("MIX-6").mix_size == 4


def test_every_refusal_of_a_product_comes_at_once(admin):
    """The form's checks (the price and VAT as the catalogue reads them among them) and the catalogue's
    own (a code taken, a family without a rank, the download address) come in one answer."""
    p = product("SPORT-PLUS")
    response = admin.submit(f"/hallinta/tuotteet/{p.id}", {**PRODUCT, "group_id": str(p.group_id), "price": "-5",
                                                             "vat": "125", "term_months": "0", "code": "MIX-6",
                                                             "family": "mix", "download_url": "http://x"})
    page = refused(response).text
    for field in ("price", "vat", "term_months", "rank", "code", "download_url"):
        assert f'id="{field}-error"' in page, field
    mix = product("MIX-6")  # a price that is no number and a MIX size below the customers' choices
    page = refused(admin.submit(f"/hallinta/tuotteet/{mix.id}", {
        **PRODUCT, "group_id": str(mix.group_id), "code": "MIX-6", "name": mix.name, "price": "kallis",
        "requires_pay_tv_card": "y", "family": "mix", "rank": str(mix.rank), "mix_size": "3"})).text
    assert 'id="price-error"' in page and "Tämän paketin asiakas on valinnut 4 kanavaa" in page
    assert product("SPORT-PLUS").price_cents == 1490
    response = admin.submit(f"/hallinta/tuotteet/{p.id}", {**PRODUCT, "group_id": str(p.group_id), "family": "mix",
                                                             "code": "MIX-6", "download_url": "http://x"})
    page = refused(response).text
    for field in ("rank", "code", "download_url"):
        assert f'id="{field}-error"' in page, field
    assert admin.submit(f"/hallinta/tuotteet/{p.id}", {**PRODUCT, "group_id": str(p.group_id),
                                                       "price": "1 000,00"}).status_code == 303
    assert product("SPORT-PLUS").price_cents == 100000


def test_new_group_and_product_not_on_sale(admin):
    assert admin.submit("/hallinta/tuoteryhmat", {"code": "muut", "name": "Muut", "position": "9"},
                        page="/hallinta/tuotteet").status_code == 303
    group = db.session.query(ProductGroup).filter_by(code="muut").one()
    data = {**PRODUCT, "group_id": str(group.id), "code": "reititin", "name": "Reititin", "sellable": ""}
    assert admin.submit("/hallinta/tuotteet/uusi", data).status_code == 303
    new = product("REITITIN")
    assert not new.sellable and new.price_cents == 1590
    assert "ei myynnissä" in admin.get("/hallinta/tuotteet").text


def test_the_channel_list_names_the_genres_in_the_readers_language(admin):
    admin.submit("/kieli", {"lang": "en", "next": "/hallinta/mix-kanavat"}, page="/hallinta/mix-kanavat")
    page = admin.get("/hallinta/mix-kanavat").text
    assert "Sport One</a> <span class=\"note\">Sports</span>" in page and ">Urheilu<" not in page


def test_channels_add_edit_retire(admin):
    response = admin.submit("/hallinta/mix-kanavat", {"name": "Formula TV", "genre": "Urheilu", "position": "20"})
    assert response.status_code == 303
    channel = db.session.query(Channel).filter_by(name="Formula TV").one()
    for taken in ("Sport One", "sport one ", "SPORT ONE"):  # one name to the customer, however written
        page = refused(admin.submit("/hallinta/mix-kanavat", {"name": taken})).text
        assert "Tämän niminen kanava on jo olemassa." in page
    assert admin.submit(f"/hallinta/mix-kanavat/{channel.id}", {"name": "Formula 1 TV", "genre": "Urheilu"}
                        ).status_code == 303
    assert db.session.get(Channel, channel.id).name == "Formula 1 TV"
    chosen = db.session.query(MixChoice).first()
    response = admin.submit(f"/hallinta/mix-kanavat/{chosen.channel_id}/poista", page="/hallinta/mix-kanavat")
    assert response.status_code == 303
    assert db.session.get(Channel, chosen.channel_id).retired
    assert db.session.get(MixChoice, chosen.id) is not None  # stays in the customer's selection
    assert "poistettu käytöstä" in admin.get("/hallinta/mix-kanavat").text
    admin.submit(f"/hallinta/mix-kanavat/{chosen.channel_id}/palauta", page="/hallinta/mix-kanavat")
    assert not db.session.get(Channel, chosen.channel_id).retired


@pytest.mark.parametrize(("position", "message"), [
    ("abc", "Kirjoita kokonaisluku, esim. 12."), ("1,5", "Kirjoita kokonaisluku, esim. 12."),
    ("٣", "Kirjoita kokonaisluku, esim. 12."), ("99999999999999999999", "Luku on liian suuri."),
    ("10001", "Täytyy olla välillä 0 - 10000.")])
def test_a_position_that_is_no_number_in_range_gets_one_message(admin, position, message):
    page = refused(admin.submit("/hallinta/mix-kanavat", {"name": "Testikanava", "position": position})).text
    said = re.search(r'<p class="error" id="position-error">(.*?)</p>', page).group(1)
    assert said.replace("&#34;", '"').strip() == message
    assert 'value="Testikanava"' in page


def test_an_empty_position_is_the_first_place(admin):
    assert admin.submit("/hallinta/mix-kanavat", {"name": "Testikanava", "position": " "}).status_code == 303
    assert db.session.query(Channel).filter_by(name="Testikanava").one().position == 0


def test_names_in_swedish_and_english_reach_the_customers(admin, make_client):
    p = product("SPORT-PLUS")
    data = {**PRODUCT, "group_id": str(p.group_id), "name_sv": " Sport Plus ", "description_en": "Live sport.",
            "name_en": ""}
    assert admin.submit(f"/hallinta/tuotteet/{p.id}", data).status_code == 303
    saved = product("SPORT-PLUS")
    assert (saved.name_sv, saved.name_en, saved.description_en) == ("Sport Plus", None, "Live sport.")
    channel = db.session.query(Channel).filter_by(name="Sport One").one()
    assert admin.submit(f"/hallinta/mix-kanavat/{channel.id}", {"name": "Sport One", "name_sv": "Sport Ett"}
                        ).status_code == 303
    assert db.session.get(Channel, channel.id).name_sv == "Sport Ett"
    assert admin.submit("/hallinta/tuoteryhmat", {"code": "muut", "name": "Muut", "name_en": "Other", "position": "9"},
                        page="/hallinta/tuotteet").status_code == 303
    assert db.session.query(ProductGroup).filter_by(code="muut").one().name_en == "Other"
    customer = make_client()
    customer.login()
    customer.submit("/kieli", {"lang": "sv", "next": "/"}, page="/")
    assert "Sport Plus" in customer.get(f"/tilaa?ryhma={saved.group.code}").text


@pytest.mark.parametrize("url", ["/hallinta/tuotteet/0", "/hallinta/tuoteryhmat/0", "/hallinta/mix-kanavat/0",
                                 "/hallinta/tiedotteet/0", "/hallinta/asetukset/vastauspohjat/0"])
def test_the_id_0_is_an_unknown_row_not_a_new_one(admin, url):
    """An address with an id edits that row: 0 names none, as any id not in the table (it is not the
    address without an id, which adds one)."""
    before = [db.session.query(model).count() for model in (Channel, ProductGroup, CannedReply, Announcement)]
    if "tuoteryhmat" not in url:  # a product group is only posted to
        assert admin.get(url).status_code == 404
    assert admin.submit(url, {"name": "Nolla", "body": "Nolla", "code": "nolla"}, page="/hallinta/").status_code == 404
    assert [db.session.query(model).count() for model in (Channel, ProductGroup, CannedReply, Announcement)] == before
