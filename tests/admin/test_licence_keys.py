"""Lisenssiavaimet: uploading keys; waiting security orders get theirs at once."""
from app.extensions import db
from app.models import AuditEvent, Customer, LicenceKey, Order, OutboxMessage, Subscription
from app.models.base import today
from app.services import outbox
from tests.helpers import product, refused

URL = "/hallinta/lisenssiavaimet"


def waiting_order(number="100002", code="TURVAPAKETTI-5") -> Order:
    customer = db.session.query(Customer).filter_by(customer_number=number).one()
    p = product(code)
    subscription = Subscription(customer=customer, product=p, starts_on=today(), status="pending")
    order = Order(customer=customer, product=p, subscription=subscription, status="pending",
                  idempotency_key=f"wait-{number}", price_cents=p.price_cents, vat_basis_points=2550)
    db.session.add(order)
    db.session.commit()
    return order


def empty_pool(code="TURVAPAKETTI-5"):
    db.session.query(LicenceKey).filter(LicenceKey.product_id == product(code).id,
                                        LicenceKey.subscription_id.is_(None)).delete()
    db.session.commit()


def test_page_counts_free_keys(admin):
    page = admin.get(URL).text
    assert "F-Secure TURVAPAKETTI 3 laitetta</td><td>9</td><td>1</td><td>0" in page
    assert "F-Secure TURVAPAKETTI 5 laitetta</td><td>10</td><td>0</td><td>0" in page


def test_upload_gives_keys_to_waiting_orders(admin, smtp):
    empty_pool()
    order = waiting_order()
    assert "TURVAPAKETTI 5 laitetta</td><td>0</td><td>0</td><td>1" in admin.get(URL).text
    response = admin.submit(URL, {"product_id": product("TURVAPAKETTI-5").id, "keys": "NEW-KEY-1\n\n  NEW-KEY-2  \n"})
    assert response.status_code == 303
    order = db.session.get(Order, order.id)
    assert order.status == "delivered"
    assert order.subscription.status == "active"
    assert order.subscription.licence_key.key == "NEW-KEY-1"
    assert db.session.query(LicenceKey).filter_by(key="NEW-KEY-2", subscription_id=None).one()
    assert "2 avainta lisätty." in admin.get(URL).text
    outbox.deliver_due()
    assert smtp.messages[0]["To"] == "liisa.korhonen@example.fi"
    assert "NEW-KEY-1" in smtp.messages[0].get_content()
    event = db.session.query(AuditEvent).filter_by(action="licence_keys.added").one()
    assert event.actor_name == "Ylläpito" and event.details["given"] == 1
    # The operator's systems hear that the order waited and is now in force, as when staff deliver one.
    [delivered] = db.session.query(OutboxMessage).filter_by(channel="webhook", topic="order.delivered").all()
    assert delivered.payload["data"] == {
        "order_id": order.id, "kind": "new", "product": "TURVAPAKETTI-5", "subscription_id": order.subscription_id,
        "replaces_subscription_id": None, "starts_on": today().isoformat(), "ends_on": None}


def test_bad_lines_are_named_and_nothing_is_added(admin):
    before = db.session.query(LicenceKey).count()
    response = admin.submit(URL, {"product_id": product("TURVAPAKETTI-5").id,
                                  "keys": "GOOD-1\nGOOD-1\nhas space\nFSTP-0001-DEMO-3001\n"})
    response = refused(response)
    for text in ["rivi 2", "rivi 3", "rivi 4"]:
        assert text in response.text
    assert db.session.query(LicenceKey).count() == before


def test_only_security_products_take_keys(admin):
    response = admin.submit(URL, {"product_id": product("MIX-6").id, "keys": "X-1"})
    response = refused(response)
    assert db.session.query(LicenceKey).filter_by(key="X-1").count() == 0


def test_keys_from_a_file(admin):
    import io
    keys = io.BytesIO("\ufeffFILE-KEY-1\r\nFILE-KEY-2\r\n".encode())
    data = {"product_id": str(product("TURVAPAKETTI-5").id), "keys_file": (keys, "keys.txt")}
    response = admin.submit(URL, data, content_type="multipart/form-data")
    assert response.status_code == 303
    assert db.session.query(LicenceKey).filter(LicenceKey.key.like("FILE-KEY-%")).count() == 2


def test_a_file_of_control_characters_or_binary_adds_nothing(admin):
    """A file is held to what the text area is: a control character, or bytes that are no text,
    make no key (they would reach the customer's activation email)."""
    import io
    before = db.session.query(LicenceKey).count()
    body = b"FILE-KEY-1\nFILEKEY\x01CTRL\nFILEKEY\x00NUL\n"
    data = {"product_id": str(product("TURVAPAKETTI-5").id), "keys_file": (io.BytesIO(body), "keys.txt")}
    response = refused(admin.submit(URL, data, content_type="multipart/form-data"))
    for text in ["rivi 2", "rivi 3"]:
        assert text in response.text
    binary = {"product_id": str(product("TURVAPAKETTI-5").id),
              "keys_file": (io.BytesIO(b"FILE-KEY-1\n\xff\xfe\x00\x81\n"), "keys.txt")}
    assert "Tiedosto ei ole UTF-8-muotoinen" in refused(admin.submit(URL, binary,
                                                                      content_type="multipart/form-data")).text
    assert db.session.query(LicenceKey).count() == before
