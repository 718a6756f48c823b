"""Races over real database connections: each thread has its own app context, session and connection."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Agreement, Customer, LicenceKey, Order, Subscription
from app.services import DomainError, ordering
from tests.helpers import product, run_together
from tests.orders.conftest import empty_pool, form_data

THREADS = 10


def new_customers(prefix: str) -> list[int]:
    """Ten customers who may order (connection and billing agreements), committed; their ids."""
    customers = [Customer(customer_number=f"{prefix}{i:02d}", name=f"Asiakas {i}", email=f"{prefix}-{i}@example.fi",
                          agreements=[Agreement(kind=kind, valid_from=date(2020, 1, 1))
                                      for kind in ("connection", "billing")])
                 for i in range(THREADS)]
    db.session.add_all(customers)
    db.session.commit()
    return [c.id for c in customers]


def test_the_same_form_posted_ten_times_at_once_gives_one_order(app, login):
    client = login()
    data = form_data(client.get("/tilaa/JUNIOR").text)
    responses = run_together(app, lambda _i: client.post("/tilaa/JUNIOR", data=data))
    assert [r.status_code for r in responses] == [303] * THREADS, responses
    assert len({r.headers["Location"] for r in responses}) == 1
    orders = db.session.scalars(select(Order).where(Order.product_id == product("JUNIOR").id)).all()
    assert len(orders) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Subscription).where(
        Subscription.product_id == product("JUNIOR").id)) == 1


def test_ten_different_forms_of_one_customer_at_once_give_one_order(app, login):
    client = login()
    forms = [form_data(client.get("/tilaa/JUNIOR").text) for _ in range(THREADS)]
    responses = run_together(app, lambda i: client.post("/tilaa/JUNIOR", data=forms[i]))
    # One receipt; the others are sent back to the form, which shows why (post/redirect/get).
    assert sorted(r.location.startswith("/tilaus/") for r in responses) == [False] * (THREADS - 1) + [True]
    assert db.session.scalar(select(db.func.count()).select_from(Order).where(
        Order.product_id == product("JUNIOR").id)) == 1


def test_ten_orders_for_the_last_licence_key(app, demo_data):
    security = product("TURVAPAKETTI-5")
    empty_pool("TURVAPAKETTI-5")
    db.session.add(LicenceKey(product=security, key="FSTP-LAST-0001"))
    ids = new_customers("2000")
    results = run_together(app, lambda i: ordering.place_order(ids[i], "TURVAPAKETTI-5", f"last-key-{i:02d}-xxxxx").id)
    assert all(isinstance(r, int) for r in results), results
    orders = db.session.scalars(select(Order).where(Order.product_id == security.id)).all()
    assert len(orders) == THREADS
    assert sorted(o.status for o in orders) == ["new"] + ["pending"] * (THREADS - 1)
    winner = next(o for o in orders if o.status == "new")
    assert winner.subscription.licence_key.key == "FSTP-LAST-0001"
    assert all(o.subscription.status == "pending" and o.subscription.licence_key is None
               for o in orders if o is not winner)


def test_two_keys_are_never_given_twice(app, demo_data):
    ids = new_customers("3000")
    results = run_together(app, lambda i: ordering.place_order(ids[i], "TURVAPAKETTI-3", f"keys-{i:02d}-xxxxxxxxxx").id)
    assert all(isinstance(r, int) for r in results), results
    keys = db.session.scalars(select(LicenceKey.key).where(LicenceKey.subscription_id.in_(
        select(Order.subscription_id).where(Order.id.in_(results))))).all()
    assert len(keys) == len(set(keys)) == 9  # the pool had nine free keys left
    pending = db.session.scalars(select(Order).where(Order.id.in_(results), Order.status == "pending")).all()
    assert len(pending) == 1


def test_a_refusal_in_a_thread_is_a_domain_error(app, demo_data):
    liisa = db.session.scalar(select(Customer).where(Customer.customer_number == "100002")).id
    [result] = run_together(app, lambda _i: ordering.place_order(liisa, "JUNIOR", "no-card-xxxxxxxxxxxx"), count=1)
    assert isinstance(result, DomainError)
