"""Tiedotteet: shown on Etusivu while valid, to their audience, newest first, dismissible per customer."""
from datetime import timedelta

from app.extensions import db
from app.models import Announcement, AnnouncementDismissal, ProductGroup
from app.models.base import today
from tests.conftest import HTMX
from tests.helpers import refused

URL = "/hallinta/tiedotteet"


def announce(admin, title, days=(0, None), group="", body="Lue lisää: https://www.ipp.fi/turva. <b>ei</b>"):
    start, end = days
    data = {"title": title, "body": body, "valid_from": (today() + timedelta(days=start)).isoformat(),
            "valid_until": (today() + timedelta(days=end)).isoformat() if end is not None else "",
            "audience_group_id": group or "0"}
    return admin.submit(URL, data)


def test_announcements_reach_the_right_customers(admin, make_client):
    security = db.session.query(ProductGroup).filter_by(code="security").one().id
    assert announce(admin, "Turvapalvelut uudistuvat", days=(-1, 10), group=str(security)).status_code == 303
    assert announce(admin, "Huoltokatko", days=(-2, None)).status_code == 303
    assert announce(admin, "Vanha", days=(-10, -1)).status_code == 303
    assert announce(admin, "Tuleva", days=(3, None)).status_code == 303
    matti, liisa = make_client(), make_client()
    matti.login()
    liisa.login("100002", "Sade-Metsa-Tuoli-38")
    page = matti.get("/").text
    assert page.index("Turvapalvelut uudistuvat") < page.index("Huoltokatko")  # newest first
    assert "Vanha" not in page and "Tuleva" not in page
    assert '<a href="https://www.ipp.fi/turva">https://www.ipp.fi/turva</a>.' in page
    assert "&lt;b&gt;ei&lt;/b&gt;" in page
    other = liisa.get("/").text
    assert "Huoltokatko" in other and "Turvapalvelut uudistuvat" not in other  # Liisa has no security product


def test_dismiss_per_customer_in_both_renderings(admin, make_client):
    announce(admin, "Huoltokatko", days=(0, None))
    announce(admin, "Toinen", days=(0, None))
    first, second = db.session.query(Announcement).order_by(Announcement.id).all()
    matti, liisa = make_client(), make_client()
    matti.login()
    liisa.login("100002", "Sade-Metsa-Tuoli-38")
    response = matti.submit(f"/tiedotteet/{first.id}/piilota", page="/")
    assert response.status_code == 303
    response = matti.submit(f"/tiedotteet/{second.id}/piilota", page="/", htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text and 'hx-target="#status"' in response.text
    assert len(response.data) < 2048
    assert "Huoltokatko" not in matti.get("/").text
    assert "Huoltokatko" in liisa.get("/").text
    # Pressed again (a double click, a second tab): answered as the first press, still one row.
    assert matti.submit(f"/tiedotteet/{first.id}/piilota", page="/").status_code == 303
    assert matti.submit(f"/tiedotteet/{first.id}/piilota", page="/", htmx=True).status_code == 200
    assert db.session.query(AnnouncementDismissal).count() == 2
    assert matti.submit("/tiedotteet/2147483647/piilota", page="/").status_code == 404
    assert HTMX


def test_bad_dates_are_refused(admin):
    refused(announce(admin, "Väärin", days=(5, 1)))
    assert db.session.query(Announcement).count() == 0
    # With the title and text missing too: every refusal in one answer.
    page = refused(announce(admin, "", days=(5, 1), body="")).text
    for field in ("title", "body", "valid_until"):
        assert f'id="{field}-error"' in page, field
    assert "Päättymispäivä on ennen alkamispäivää." in page


def test_edit_and_remove(admin):
    announce(admin, "Huoltokatko", days=(0, None))
    item = db.session.query(Announcement).one()
    data = {"title": "Huoltokatko 1.12.", "body": "Teksti", "valid_from": today().isoformat(), "valid_until": "",
            "audience_group_id": "0"}
    assert admin.submit(f"{URL}/{item.id}", data).status_code == 303
    assert db.session.get(Announcement, item.id).title == "Huoltokatko 1.12."
    item_id = item.id
    removal = f"{URL}/{item_id}/poista"
    assert admin.submit(removal, page=URL).status_code == 303
    assert db.session.query(Announcement).count() == 0
    # A new one never takes the removed one's id (SQLite would give the highest again)...
    announce(admin, "Joulun aukioloajat", days=(0, None))
    new = db.session.query(Announcement).one()
    assert new.id != item_id
    # ...so a removal sent again from a page opened before (another tab) reaches nothing, and is said.
    assert admin.submit(removal, page=URL).status_code == 303
    assert "Tiedote oli jo poistettu." in admin.get(URL).text
    assert db.session.query(Announcement).count() == 1


def test_staff_cannot_dismiss_as_a_customer(admin):
    announce(admin, "Huoltokatko", days=(0, None))
    item = db.session.query(Announcement).one()
    assert admin.submit(f"/tiedotteet/{item.id}/piilota", page=URL).status_code == 303
    assert db.session.query(AnnouncementDismissal).count() == 0
