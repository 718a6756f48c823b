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
from sqlalchemy import delete, func, select

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


def _links(document: dict) -> dict[str, set[str]]:
    """The document's own links: each operation that has some, as "METHOD path", to their targets."""
    def label(path: str, method: str) -> str:
        return f"{method.upper()} {path}"

    def target(ref: str) -> str:
        path, method = ref.removeprefix("#/paths/").rsplit("/", 1)
        return label(path.replace("~1", "/").replace("~0", "~"), method)

    return {label(path, method): {target(link["operationRef"]) for answer in operation["responses"].values()
                                  for link in answer.get("links", {}).values()}
            for path, operations in document["paths"].items() for method, operation in operations.items()
            if method != "parameters" and any("links" in answer for answer in operation["responses"].values())}


LINKED = ["PUT /api/v1/customers/{customer_number}", "POST /api/v1/customers/{customer_number}/agreements",
          "POST /api/v1/customers/{customer_number}/pay-tv-cards"]


@pytest.mark.parametrize("source", LINKED)
def test_the_documents_links_hold_in_sequences_of_calls(live_server, api, client, source):
    """Schemathesis' state machine starts at an operation with links and follows them (a customer
    PUT to its reads, an added agreement or card to its end and delete) with the ids the answers
    give; every answer on the way holds to the same checks, and every link is followed.

    The walk is over the source and its targets only, and over the document's own links only (no
    links Schemathesis infers from the schemas): over the whole document, whether a short walk
    happened on a link was chance."""
    links = _links(client.get("/api/v1/openapi.json").json)
    assert set(links) == set(LINKED)
    walked = {source} | links[source]
    document = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json").include(
        lambda context: context.operation.label in walked)
    document.config.update(headers=api)
    document.config.phases.stateful.inference.algorithms = []
    matti = customer_id("100001")
    # Matti's agreements are in force until further notice, and one of a kind may not share a day with
    # another: without them, an agreement a sequence adds is taken, and its links can be followed.
    db.session.execute(delete(Agreement).where(Agreement.customer_id == matti))
    db.session.commit()
    demo_rows = {model: set(db.session.scalars(select(model.id).where(model.customer_id == matti)))
                 for model in (Agreement, PayTvCard)}
    db.session.rollback()
    followed = set()

    class Sequences(document.as_state_machine()):
        def teardown(self):
            # Each sequence starts from the demo's Matti. Otherwise a card number one sequence added
            # is taken in the next, Hypothesis' replay of a sequence is answered differently, and it
            # calls its strategy flaky.
            for model, ids in demo_rows.items():
                db.session.execute(delete(model).where(model.customer_id == matti, model.id.not_in(ids)))
            db.session.commit()

        def before_call(self, case):
            # A real customer to start from: what is added to Matti gives the ids the links follow.
            case.path_parameters["customer_number"] = "100001"

        def after_call(self, response, case):
            if response.status_code < 300:
                followed.add(case.operation.label)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Sequences.run(settings=settings(max_examples=2 * EXAMPLES, stateful_step_count=6, deadline=None,
                                    derandomize=True, database=None, suppress_health_check=list(HealthCheck)))
    assert followed == walked


def test_every_operation_that_takes_a_body_says_it_may_refuse_it(client):
    """A body that breaks a rule is a 422: the document says so wherever a body is sent, the Finvoice
    upload's XML (which no schema describes) included."""
    document = client.get("/api/v1/openapi.json").json
    silent = [f"{method.upper()} {path}" for path, operations in document["paths"].items()
              for method, operation in operations.items()
              if "requestBody" in operation and "422" not in operation["responses"]]
    assert silent == []
