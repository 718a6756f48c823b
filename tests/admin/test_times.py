"""Every time shown to a person is in the operator's TIMEZONE (Europe/Helsinki by default), not UTC."""
from datetime import UTC, datetime

from app.extensions import db
from app.models import AuditEvent
from tests.helpers import customer_id


def test_the_audit_log_shows_the_operators_time(admin):
    # 06:37 UTC on 24 November is 8.37 in Helsinki (UTC+2); in July it would be 9.37 (UTC+3).
    db.session.add_all([
        AuditEvent(action="test.winter", customer_id=customer_id(), actor_name="system",
                   at=datetime(2026, 11, 24, 6, 37, tzinfo=UTC), details_json="{}"),
        AuditEvent(action="test.summer", customer_id=customer_id(), actor_name="system",
                   at=datetime(2026, 7, 1, 6, 37, tzinfo=UTC), details_json="{}"),
    ])
    db.session.commit()
    page = admin.get("/hallinta/tapahtumaloki?tapahtuma=test.").text
    assert "24.11.2026 8.37" in page and "1.7.2026 9.37" in page
    assert "06:37" not in page and "6.37" not in page
