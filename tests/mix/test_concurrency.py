"""The limit holds under real concurrency: 20 simultaneous additions, each its own request,
thread and database connection (SQLite, or Postgres with TEST_DATABASE_URL)."""
import threading

from flask import current_app

from tests.conftest import CSRF
from tests.mix.conftest import chosen_ids, events


def test_twenty_concurrent_adds_end_with_exactly_the_limit(client, make_client, matti):
    client.login()
    token = CSRF.search(client.get("/mix").text).group(1)
    app = current_app._get_current_object()
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name).value
    channels = (matti.free * 2)[:20]  # 14 free channels: some are asked for twice at once
    barrier = threading.Barrier(len(channels))
    statuses: list[int] = []

    def add(channel_id: int) -> None:
        browser = make_client()
        browser.set_cookie(name, cookie)
        with app.app_context():
            barrier.wait()
            response = browser.post(f"/mix/{matti.subscription_id}/kanavat/{channel_id}",
                                    data={"chosen": "1", "csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=add, args=(c,)) for c in channels]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(statuses) == 20
    assert len(chosen_ids(matti.subscription_id)) == 6
    assert statuses.count(303) >= 2 and set(statuses) <= {303, 422}
    assert statuses.count(422) >= 20 - 2 - 6  # some 303s are "already chosen" repeats
    # One mix.changed event per real change, the last one with the full list of six.
    sent = events()
    assert len(sent) == 2
    assert len(sent[-1].payload["data"]["channels"]) == 6
