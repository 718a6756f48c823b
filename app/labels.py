"""What a person reads for each stored value: one table per kind, for pages, forms and emails."""
from app.i18n import lazy_gettext as _l

AGREEMENT_KINDS = {
    "connection": _l("Connection agreement"),
    "service": _l("Service agreement"),
    "billing": _l("Billing agreement"),
}
TOPICS = {
    "feedback": _l("Feedback"),
    "billing": _l("Billing"),
    "support": _l("Technical support"),
    "termination": _l("Termination"),
    "other": _l("Other"),
}
FEEDBACK_STATUSES = {"new": _l("new"), "in_progress": _l("in progress"), "done": _l("handled")}
ORDER_STATUSES = {"new": _l("new"), "pending": _l("pending"), "delivered": _l("delivered"),
                  "rejected": _l("rejected")}
SUBSCRIPTION_STATES = {"in_force": _l("in force"), "coming": _l("coming"), "ended": _l("ended"),
                       "cancelled": _l("cancelled: the order was rejected")}
INVOICE_STATUSES = {"open": _l("open"), "paid": _l("paid"), "partially_paid": _l("partially paid"),
                    "overdue": _l("overdue"), "credited": _l("credited")}
# Each language in its own name, so a reader finds theirs whatever language the page is in.
LANGUAGES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
