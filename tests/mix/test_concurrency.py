"""The limit holds under real concurrency: 20 simultaneous additions, each its own request,
thread and database connection (SQLite, or Postgres with TEST_DATABASE_URL)."""
import re
import threading

import pytest
from flask import before_render_template, current_app
from sqlalchemy import event

from app.extensions import db
from tests.conftest import CSRF, HTMX
from tests.mix.conftest import chosen_ids, events


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_twenty_concurrent_adds_end_with_exactly_the_limit(client, make_client, matti, htmx):
    """Both renderings: with htmx the answer is drawn after the request's transaction has ended
    (`sqlite.end_writes`), so the next writer may already be deciding while it is drawn."""
    client.login()
    token = CSRF.search(client.get("/mix").text).group(1)
    app = current_app._get_current_object()
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name).value
    channels = (matti.free * 2)[:20]  # 14 free channels: some are asked for twice at once
    barrier = threading.Barrier(len(channels))
    statuses: list[int] = []
    bodies: list[str] = []

    def add(channel_id: int) -> None:
        browser = make_client()
        browser.set_cookie(name, cookie)
        with app.app_context():
            barrier.wait()
            response = browser.post(f"/mix/{matti.subscription_id}/kanavat/{channel_id}",
                                    data={"chosen": "1", "csrf_token": token}, headers=HTMX if htmx else {})
        statuses.append(response.status_code)
        bodies.append(response.text)

    threads = [threading.Thread(target=add, args=(c,)) for c in channels]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(statuses) == 20
    assert len(chosen_ids(matti.subscription_id)) == 6
    done = 200 if htmx else 303
    assert statuses.count(done) >= 2 and set(statuses) <= {done, 422}
    assert statuses.count(422) >= 20 - 2 - 6  # some 303s are "already chosen" repeats
    if htmx:  # every counter drawn after its transaction ended is one that was true, never over six
        assert {int(n) for body in bodies for n in re.findall(r"(\d+) / 6", body)} <= set(range(7))
    # One mix.changed event per real change, the last one with the full list of six.
    sent = events()
    assert len(sent) == 2
    assert len(sent[-1].payload["data"]["channels"]) == 6

def test_an_htmx_answer_is_drawn_after_the_write_transaction(client, matti):
    """`web.done` ends a POST's transaction before it draws the htmx answer, so the writer lock is
    not held while the answer is rendered: what the answer still reads begins deferred. Both for a
    toggle that changes something (its service committed) and one that changes nothing."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: Postgres begins no differently")
    client.login()
    token = CSRF.search(client.get("/mix").text).group(1)
    seen = []

    def begin(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    def commit(_conn):
        seen.append("COMMIT")

    def rendering(*_args, **_kwargs):
        seen.append("RENDER")

    for chosen in ("1", "1"):  # an addition, then the same addition again: nothing to change
        seen.clear()
        event.listen(db.engine, "before_cursor_execute", begin)
        event.listen(db.engine, "commit", commit)
        before_render_template.connect(rendering)
        try:
            response = client.post(f"/mix/{matti.subscription_id}/kanavat/{matti.free[0]}",
                                   data={"chosen": chosen, "csrf_token": token}, headers=HTMX)
        finally:
            event.remove(db.engine, "before_cursor_execute", begin)
            event.remove(db.engine, "commit", commit)
            before_render_template.disconnect(rendering)
        assert response.status_code == 200
        drawn = seen.index("RENDER")
        assert seen[0] == "BEGIN IMMEDIATE"
        assert seen[:drawn].count("BEGIN IMMEDIATE") == seen[:drawn].count("COMMIT"), seen
        assert "BEGIN IMMEDIATE" not in seen[drawn:], seen

