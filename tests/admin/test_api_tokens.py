"""Asetukset → API: an admin makes a token (shown once, kept as a hash), sees its use, revokes it."""
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import ApiToken, AuditEvent
from app.models.base import today
from app.services import api_tokens
from tests.helpers import refused

URL = "/hallinta/asetukset/api"


def _made(response) -> str:
    return re.search(r'<code class="secret">(oh_[^<]+)</code>', response.text).group(1)


def test_a_token_is_shown_once_and_stored_as_a_hash(admin, client):
    response = admin.submit(URL, {"name": "Laskutus", "scopes": ["customers:read", "orders:write"]})
    assert response.status_code == 200 and "Avain on luotu" in response.text
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", response.text)
    assert "Tekemäsi avain" in headings and len(headings) == len(set(headings))
    token = _made(response)
    row = db.session.query(ApiToken).one()
    assert row.token_hash == api_tokens.digest(token) and token not in row.token_hash
    assert row.scopes == "customers:read orders:write"
    assert token not in admin.get(URL).text  # never again
    assert db.session.query(AuditEvent).filter_by(action="api_token.created").one().actor_name == "Ylläpito"
    assert client.get("/api/v1/customers/100001", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert "käytetty viimeksi" in admin.get(URL).text


def test_a_refused_token_form_keeps_what_was_typed(admin):
    response = admin.submit(URL, {"name": "Verkko<script>", "expires_on": (today() - timedelta(days=1)).isoformat()})
    response = refused(response)
    assert "Valitse vähintään yksi oikeus." in response.text and 'value="Verkko&lt;script&gt;"' in response.text
    # One box or more is what is required: no box is said to be required by itself.
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', response.text)
    assert boxes and not any("required" in box for box in boxes)
    yesterday = (today() - timedelta(days=1)).isoformat()
    past = refused(admin.submit(URL, {"name": "Verkko", "scopes": ["orders:read"], "expires_on": yesterday}))
    assert "Viimeinen voimassaolopäivä ei voi olla menneisyydessä." in past.text
    every = refused(admin.submit(URL, {"name": "", "expires_on": yesterday})).text  # all three at once
    for field in ("name", "scopes", "expires_on"):
        assert f'id="{field}-error"' in every, field
    unknown = refused(admin.submit(URL, {"name": "Verkko", "scopes": ["admin:all"]}))
    assert "Valitse annetuista vaihtoehdoista." in unknown.text and "not a valid choice" not in unknown.text
    assert db.session.query(ApiToken).count() == 0
    # The field is the last valid day: today is one (the token works until the day ends).
    admin.submit(URL, {"name": "Verkko", "scopes": ["orders:read"], "expires_on": today().isoformat()})
    assert db.session.query(ApiToken).count() == 1


def test_a_revoked_token_stops_working(admin, client):
    token = _made(admin.submit(URL, {"name": "Laskutus", "scopes": ["customers:read"]}))
    row = db.session.query(ApiToken).one()
    response = admin.submit(f"{URL}/{row.id}/peruuta", page=URL)
    assert response.status_code == 303
    assert "peruttu" in admin.get(URL).text
    assert client.get("/api/v1/customers/100001", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert admin.submit(f"{URL}/2147483647/peruuta", page=URL).status_code == 404


def test_customer_service_staff_cannot_make_tokens(staff):
    assert staff.get(URL).status_code == 403
    assert staff.submit(URL, {"name": "X", "scopes": ["customers:write"]}, page="/hallinta/").status_code == 403
    assert db.session.query(ApiToken).count() == 0


def test_the_settings_page_links_to_the_tokens(admin):
    assert f'href="{URL}"' in admin.get("/hallinta/asetukset").text


def test_a_token_works_through_its_last_day_in_the_operators_time(admin):
    last_day = today() + timedelta(days=1)
    admin.submit(URL, {"name": "Laskutus", "scopes": ["customers:read"], "expires_on": last_day.isoformat()})
    row = db.session.query(ApiToken).one()
    next_day = datetime.combine(last_day + timedelta(days=1), time.min, ZoneInfo("Europe/Helsinki"))
    assert row.expires_at == next_day.astimezone(UTC)  # not at the start of the day, nor 20 minutes off
    assert f"voimassa {last_day.day}.{last_day.month}.{last_day.year} asti" in admin.get(URL).text
