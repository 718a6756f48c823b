"""The served OpenAPI document probed against the live app by Schemathesis: every operation, with
requests generated from its schemas (valid ones and invalid ones), must never answer 5xx, and
every answer must conform to the schema and content type the document gives for it.

Schemathesis' own pytest plugin does not run under this pytest, so each operation's strategy is
driven by Hypothesis here; the checks are Schemathesis' own."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agreement, Invoice, Order, PayTvCard
from app.models.base import utcnow
from app.services import outages
from tests.helpers import customer_id

# Bounded, so the whole document is probed in well under a minute on a shared machine.
EXAMPLES = 8
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _probe(strategy, headers: dict) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def probe(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    probe()


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_the_api_answers_as_its_document_says(live_server, api, mode):
    document = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    operations = [result.ok() for result in document.get_all_operations()]
    assert len(operations) >= 15
    # Generated path values name nothing that exists; real ones reach the handlers' rules too.
    matti = customer_id("100001")
    outage = outages.create({"title": "Katko", "severity": "major", "all_customers": True, "started_at": utcnow()},
                            [], [], [])
    real = {"customer_number": "100001", "code": "TURVAPAKETTI-3", "feedback_id": 1, "subscription_id": 1,
            "outage_id": outage.id,
            "order_id": db.session.scalar(select(func.max(Order.id))),
            "agreement_id": db.session.scalar(select(func.min(Agreement.id)).where(Agreement.customer_id == matti)),
            "card_id": db.session.scalar(select(func.min(PayTvCard.id)).where(PayTvCard.customer_id == matti)),
            "invoice_number": db.session.scalar(select(func.max(Invoice.number)))}
    db.session.rollback()  # the test's read must not hold SQLite's lock while the server writes
    for operation in operations:
        _probe(operation.as_strategy(mode), api)
        names = {p.name for p in operation.path_parameters}
        if names:
            _probe(operation.as_strategy(mode, path_parameters={n: real[n] for n in names}), api)


def test_the_documents_links_hold_in_sequences_of_calls(live_server, api):
    """Schemathesis' state machine follows the document's links (a customer PUT to its reads, an
    added agreement or card to its end and delete) with the ids the answers give, and every answer
    in those sequences must hold to the same checks."""
    document = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    document.config.update(headers=api)
    db.session.rollback()
    followed = set()

    class Sequences(document.as_state_machine()):
        def before_call(self, case):
            # A real customer to start from: what is added to Matti gives the ids the links follow.
            if "customer_number" in (case.path_parameters or {}):
                case.path_parameters["customer_number"] = "100001"

        def after_call(self, response, case):
            if response.status_code < 300:
                followed.add(f"{case.method} {case.operation.path}")

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Sequences.run(settings=settings(max_examples=EXAMPLES, stateful_step_count=6, deadline=None,
                                    derandomize=True, database=None, suppress_health_check=list(HealthCheck)))
    # The id of an added row was followed to a change of that very row.
    assert followed & {f"{method} /api/v1/customers/{{customer_number}}/{row}" for method, row in (
        ("POST", "agreements/{agreement_id}/end"), ("DELETE", "agreements/{agreement_id}"),
        ("POST", "pay-tv-cards/{card_id}/end"), ("DELETE", "pay-tv-cards/{card_id}"))}, followed
