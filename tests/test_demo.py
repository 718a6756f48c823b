"""`flask demo`: the demo operator, catalog and logins, only into an empty database."""
from app.extensions import db
from app.models import Channel, LicenceKey, Product, ProductGroup
from tests.helpers import refused


def test_demo_loads_into_an_empty_database_and_prints_the_logins(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for login in ("100001 / Lumi-Ranta-Kello-71", "100002 / Sade-Metsa-Tuoli-38", "100003 / Kuu-Joki-Lamppu-55",
                  "100004 / Tuuli-Kivi-Poyta-12", "yllapito / Hallinta-Demo-2026-x",
                  "26BGQPJCXZZSKBZLMLJIQOCFSJPAE3VE"):
        assert login in result.output
    groups = [g.name for g in db.session.query(ProductGroup).order_by(ProductGroup.position)]
    assert groups == ["TV-kanavat", "MIX-paketit", "Tietoturva", "Laajakaista", "Sähköposti"]
    assert db.session.query(Channel).count() >= 15
    mix = db.session.query(Product).filter_by(family="mix").order_by(Product.rank).all()
    assert [p.mix_size for p in mix] == [3, 6, 10]
    assert db.session.query(LicenceKey).count() == 20
    assert db.session.query(Product).filter(Product.term_months == 12).count() == 1


def test_demo_refuses_a_database_with_data(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0 and "has data already" in again.output
    quiet = runner.invoke(args=["demo", "--if-empty"])
    assert quiet.exit_code == 0 and "100001" in quiet.output


def test_demo_logins_work_as_the_issue_says(client, make_client, runner):
    runner.invoke(args=["demo"])
    for login, password in (("100001", "Lumi-Ranta-Kello-71"), ("matti.virtanen@example.fi", "Lumi-Ranta-Kello-71"),
                            ("100002", "Sade-Metsa-Tuoli-38"), ("100003", "Kuu-Joki-Lamppu-55")):
        assert make_client().submit("/kirjaudu", {"login": login, "password": password}).status_code == 303
    refused(make_client().submit("/kirjaudu", {"login": "100004", "password": "Tuuli-Kivi-Poyta-12"}))
