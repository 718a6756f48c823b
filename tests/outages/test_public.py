"""/hairiot without logging in: current and last 30 days' outages, a postal-code search in
both renderings, and the Atom feed, which must validate."""
import gzip
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from app.extensions import db
from app.models import Outage, OutageArea, OutageUpdate
from app.models.base import utcnow
from tests.conftest import HTMX
from tests.helpers import page_statements
from tests.outages.conftest import publish

ATOM = "{http://www.w3.org/2005/Atom}"


ATOM_GRAMMAR = etree.RelaxNG(etree.parse(Path(__file__).with_name("atom.rng")))


def parse(feed: bytes) -> etree._Element:
    """The portal's own feed, held to RFC 4287: libxml2 validates it against the Atom grammar
    (tests/outages/atom.rng), then the rules of sections 4.1.1 and 4.1.2 no grammar can say."""
    root = etree.fromstring(feed, etree.XMLParser(resolve_entities=False, no_network=True))
    assert ATOM_GRAMMAR.validate(root), ATOM_GRAMMAR.error_log
    entries = root.findall(f"{ATOM}entry")
    assert root.find(f"{ATOM}author") is not None or all(e.find(f"{ATOM}author") is not None for e in entries)
    for element in (root, *entries):
        assert urlsplit(element.findtext(f"{ATOM}id")).scheme, "an id is an absolute IRI"
        alternates = Counter((link.get("type"), link.get("hreflang")) for link in element.findall(f"{ATOM}link")
                             if link.get("rel", "alternate") == "alternate")
        assert all(count == 1 for count in alternates.values()), "one alternate link per type and language"
    for entry in entries:
        assert entry.find(f"{ATOM}content") is not None or entry.find(f"{ATOM}link[@rel='alternate']") is not None
    return root


def resolved(title: str, days_ago: int) -> None:
    outage = db.session.query(Outage).filter_by(title=title).one()
    outage.started_at = utcnow() - timedelta(days=days_ago, hours=2)
    outage.resolved_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


def test_public_page_lists_current_and_recent(admin, make_client):
    publish(admin, "Nyt rikki")
    publish(admin, "Viime viikolla")
    publish(admin, "Kauan sitten")
    resolved("Viime viikolla", 7)
    resolved("Kauan sitten", 31)
    anonymous = make_client()
    response = anonymous.get("/hairiot")
    assert response.status_code == 200
    text = response.text
    assert text.index("Nyt rikki") < text.index("Viime viikolla")  # current first
    assert "Kauan sitten" not in text
    assert len(gzip.compress(response.data)) < 8 * 1024  # the page budget
    assert "<script" not in text.split("</head>")[1]  # nothing needed beyond the layout's own
    assert 'href="/hairiot"' in anonymous.get("/kirjaudu").text  # linked from the login page
    assert 'href="/hairiot"' in anonymous.get("/saavutettavuusseloste").text  # and every footer


def test_postal_code_search_in_both_renderings(admin, make_client):
    publish(admin, "Tampereen katko", postal_codes="33100")
    publish(admin, "Helsingin katko", postal_codes="00100")
    anonymous = make_client()
    full = anonymous.get("/hairiot?postinumero=00100")
    assert full.status_code == 200 and "<html" in full.text
    assert "Helsingin katko" in full.text and "Tampereen katko" not in full.text
    assert 'value="00100"' in full.text
    partial = anonymous.get("/hairiot?postinumero=33100", headers=HTMX)
    assert "<html" not in partial.text and 'id="results"' in partial.text
    assert "Tampereen katko" in partial.text and "Helsingin katko" not in partial.text
    assert "HX-Request" in partial.headers["Vary"]


def test_a_bad_postal_code_is_said_next_to_the_field(admin, make_client):
    publish(admin, "Tampereen katko")
    anonymous = make_client()
    text = anonymous.get("/hairiot?postinumero=<b>1</b>").text
    assert 'aria-invalid="true"' in text and 'id="postinumero-error"' in text
    assert 'value="&lt;b&gt;1&lt;/b&gt;"' in text
    assert "Tampereen katko" in text  # the whole list, unfiltered
    partial = anonymous.get("/hairiot?postinumero=abc", headers=HTMX).text
    assert 'role="alert"' in partial


def test_the_feed_is_valid_atom(admin, make_client):
    publish(admin, "Nyt rikki <&>", title_sv="Avbrott nu")
    publish(admin, "Viime viikolla")
    resolved("Viime viikolla", 7)
    outage = db.session.query(Outage).filter_by(title="Nyt rikki <&>").one()
    admin.submit(f"/hallinta/hairiot/{outage.id}", {"text": "Korjaus käynnissä."})
    response = make_client().get("/hairiot.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = parse(response.data)
    assert feed.tag == f"{ATOM}feed"
    for element in (feed, *feed.findall(f"{ATOM}entry")):
        for required in ("id", "title", "updated"):
            node = element.find(f"{ATOM}{required}")
            assert node is not None and node.text.strip(), (element.tag, required)
        assert element.find(f"{ATOM}updated").text.endswith("+00:00")
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith("/hairiot.atom")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Nyt rikki <&>", "Korjattu: Viime viikolla"]
    assert len({e.find(f"{ATOM}id").text for e in entries}) == 2
    assert "Korjaus käynnissä." in entries[0].find(f"{ATOM}content").text


def test_the_grammar_refuses_what_rfc_4287_forbids(admin, make_client):
    publish(admin, "Nyt rikki")
    feed = make_client().get("/hairiot.atom").data.decode()
    assert ATOM_GRAMMAR.validate(etree.fromstring(feed.encode()))
    entry_id = feed[feed.index("<entry>") + 7:feed.index("</id>", feed.index("<entry>")) + 5]
    broken = {
        "an entry without its id": feed.replace(entry_id, "", 1),
        "a date as Finns write it": re.sub(r"<updated>[^<]+</updated>", "<updated>28.11.2026 klo 12</updated>", feed),
        "two titles": feed.replace("<title>", "<title>x</title><title>", 1),
        "a link without href": feed.replace('href="', 'data-href="', 1),
        "an unknown Atom element": feed.replace("<entry>", "<entry><severity>major</severity>", 1),
    }
    for what, text in broken.items():
        assert not ATOM_GRAMMAR.validate(etree.fromstring(text.encode())), what


def test_the_feed_is_valid_with_no_outages(app, make_client, demo_data):
    feed = parse(make_client().get("/hairiot.atom").data)
    assert feed.find(f"{ATOM}updated").text and feed.findall(f"{ATOM}entry") == []


def many(count: int, postal_code: str = "33100") -> None:
    """`count` current outages with long descriptions and updates, written directly (publishing
    each through the console would take long)."""
    now = utcnow()
    db.session.add_all(Outage(title=f"Laajakaistakatko numero {n} Tampereen keskustassa", severity="major",
                              description="Kuitukaapeli katkesi kaivutöissä. " * 40,
                              started_at=now - timedelta(hours=n),
                              areas=[OutageArea(kind="postal_code", value=postal_code)],
                              updates=[OutageUpdate(text="Korjaajat ovat paikalla. " * 10)])
                       for n in range(1, count + 1))
    db.session.commit()


def test_many_outages_come_a_page_at_a_time_each_whole_on_its_own_page(app, make_client, demo_data):
    many(25)
    resolved_one = db.session.query(Outage).filter_by(title="Laajakaistakatko numero 25 Tampereen keskustassa").one()
    resolved_one.resolved_at = utcnow()
    db.session.commit()
    anonymous = make_client()
    first = anonymous.get("/hairiot").text
    assert first.count('<article class="card notice"') == 10
    assert "Laajakaistakatko numero 1 " in first and "Laajakaistakatko numero 11 " not in first
    assert "Sivu 1/3, yhteensä 25" in first and 'href="/hairiot?sivu=2"' in first
    assert "Kuitukaapeli katkesi" not in first  # each outage's text is on its own page
    middle = anonymous.get("/hairiot?sivu=2").text
    assert "Korjatut viimeisten 30 päivän ajalta" not in middle  # more current ones follow
    last = anonymous.get("/hairiot?sivu=3").text
    assert "Laajakaistakatko numero 24 " in last.split("Korjatut viimeisten 30 päivän ajalta")[0]
    assert "Laajakaistakatko numero 25 " in last.split("Korjatut viimeisten 30 päivän ajalta")[1]
    outage = db.session.query(Outage).filter_by(title="Laajakaistakatko numero 3 Tampereen keskustassa").one()
    assert f'href="/hairiot/{outage.id}"' in first
    own = anonymous.get(f"/hairiot/{outage.id}")
    assert own.status_code == 200 and "<h1>Laajakaistakatko numero 3 Tampereen keskustassa</h1>" in own.text
    assert "Kuitukaapeli katkesi" in own.text and "Korjaajat ovat paikalla." in own.text and "33100" in own.text
    assert len(gzip.compress(own.data)) < 8 * 1024
    partial = anonymous.get("/hairiot?postinumero=33100", headers=HTMX)
    assert len(gzip.compress(partial.data)) < 2048  # the budget of a partial, however many there are
    assert 'href="/hairiot?postinumero=33100&amp;sivu=2"' in partial.text  # the search kept on later pages


def test_an_outage_not_yet_started_or_unknown_has_no_page(app, make_client, demo_data):
    many(1)
    outage = db.session.query(Outage).one()
    outage.started_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    anonymous = make_client()
    assert anonymous.get(f"/hairiot/{outage.id}").status_code == 404
    assert anonymous.get(f"/hairiot/{outage.id + 1}").status_code == 404


def test_the_page_takes_as_many_statements_with_more_outages(admin, make_client):
    publish(admin, "Ensimmäinen")
    anonymous = make_client()
    one = page_statements(anonymous, "/hairiot")
    publish(admin, "Toinen", postal_codes="33100 33200", municipalities="Nokia")
    publish(admin, "Kolmas", all_customers="y", postal_codes="")
    assert page_statements(anonymous, "/hairiot") == one
    partial = anonymous.get("/hairiot?postinumero=33100", headers=HTMX)
    assert len(gzip.compress(partial.data)) < 2048
