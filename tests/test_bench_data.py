"""`flask bench-data`: benchmark customers in bulk, as real as the pages need them, never over real data."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Account,
    Agreement,
    AuditEvent,
    Customer,
    CustomerSearchTerm,
    Mailbox,
    MixChoice,
    Order,
    PayTvCard,
    Product,
    Subscription,
)
from app.models.customer import search_terms
from app.services import bench_data
from tests.helpers import count


def bench(column) -> list:
    """The where-clause of rows belonging to benchmark customers."""
    return [column.in_(select(Customer.id).where(Customer.email.like("%@bench.invalid")))]


def test_bench_data_fills_every_table_and_its_customers_see_their_pages(runner, client):
    result = runner.invoke(args=["bench-data", "--customers", "50"])
    assert result.exit_code == 0, result.output
    assert "5000001–5000050" in result.output and bench_data.PASSWORD in result.output

    assert count(Customer) == 54  # the demo's four, loaded first into the empty database
    assert count(Account, *bench(Account.customer_id)) == 50
    assert count(Agreement, Agreement.kind == "connection", *bench(Agreement.customer_id)) == 50
    subscriptions = count(Subscription, *bench(Subscription.customer_id))
    assert subscriptions == sum(bench_data.subscription_count(n) for n in range(5_000_001, 5_000_051))
    assert 4 <= subscriptions / 50 <= 6
    assert count(Subscription, Subscription.status == "ended", *bench(Subscription.customer_id))
    assert count(Order, *bench(Order.customer_id)) == subscriptions
    assert count(AuditEvent, *bench(AuditEvent.customer_id)) == subscriptions
    assert count(PayTvCard, *bench(PayTvCard.customer_id)) > 0
    assert count(Mailbox, *bench(Mailbox.customer_id)) > 0
    over_limit = db.session.execute(
        select(Subscription.id).join(Subscription.product).join(MixChoice)
        .group_by(Subscription.id, Product.mix_size).having(func.count() > Product.mix_size)).all()
    assert count(MixChoice) > 0 and over_limit == []
    # The search terms made in SQL are the ones the model keeps for a customer written by the ORM.
    terms = db.session.execute(select(CustomerSearchTerm.customer_id, CustomerSearchTerm.term,
                                      CustomerSearchTerm.customer_number)).all()
    for c in db.session.scalars(select(Customer)):
        assert {(term, number) for i, term, number in terms if i == c.id} == \
            {(term, c.customer_number) for term in search_terms(c.name, c.phone)}, c.name

    number = bench_data.Result(5_000_001, 5_000_050).example
    customer = db.session.scalar(select(Customer).where(Customer.customer_number == number))
    held = db.session.scalars(select(Subscription.id).where(
        Subscription.customer_id == customer.id, Subscription.status != "ended")).all()
    assert len(held) >= 5
    client.login(number, bench_data.PASSWORD)
    services = client.get("/tilatut-palvelut").text
    assert [i for i in held if f'id="s-{i}"' not in services] == []
    assert customer.name in client.get("/").text
    assert client.get("/mix").status_code == 200 and client.get("/tilaa").status_code == 200


def test_bench_data_continues_the_numbers_and_refuses_real_customers(runner):
    assert runner.invoke(args=["bench-data", "--customers", "2"]).exit_code == 0
    again = runner.invoke(args=["bench-data", "--customers", "2"])
    assert again.exit_code == 0 and "5000003–5000004" in again.output

    db.session.add(Customer(customer_number="200001", name="Oikea Asiakas", email="oikea@example.fi"))
    db.session.commit()
    refused = runner.invoke(args=["bench-data", "--customers", "2"])
    assert refused.exit_code != 0 and "customers of its own" in refused.output
    assert count(Customer) == 4 + 4 + 1
