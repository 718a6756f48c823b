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
    "fault": _l("Fault report"),
    "termination": _l("Termination"),
    "other": _l("Other"),
}
FEEDBACK_STATUSES = {"new": _l("received"), "in_progress": _l("in progress"), "answered": _l("answered"),
                     "done": _l("closed")}
ORDER_STATUSES = {"new": _l("new"), "pending": _l("pending"), "delivered": _l("delivered"),
                  "rejected": _l("rejected")}
SUBSCRIPTION_STATES = {"in_force": _l("in force"), "coming": _l("coming"), "ended": _l("ended"),
                       "cancelled": _l("cancelled: the order was rejected")}
# zxcvbn's score of a new password; 3 and up is accepted (app/security.py).
PASSWORD_STRENGTHS = {0: _l("very weak"), 1: _l("weak"), 2: _l("fair, not yet enough"), 3: _l("good"),
                      4: _l("strong")}
OUTAGE_SEVERITIES = {"minor": _l("Minor disruption"), "major": _l("Disruption"), "critical": _l("Major outage")}
OUTAGE_NOTICE_CHANNELS = {"email": _l("By email"), "sms": _l("By text message (SMS)"), "none": _l("Not at all")}
# The fields of "My data" as the customer reads them; a field not named here shows its own name.
DATA_FIELDS = {
    "customer_number": _l("Customer number"),
    "name": _l("Name"),
    "street_address": _l("Street address"),
    "postal_code": _l("Postal code"),
    "city": _l("City"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "pending_email": _l("Email address waiting for confirmation"),
    "pending_email_at": _l("Change asked"),
    "locale": _l("Language of service"),
    "status": _l("Status"),
    "created_at": _l("Created"),
    "username": _l("Username"),
    "role": _l("Role"),
    "display_name": _l("Display name"),
    "totp_enabled": _l("Two-step login"),
    "last_login_at": _l("Last login"),
    "id": _l("Identifier"),
    "kind": _l("Kind"),
    "valid_from": _l("Valid from"),
    "valid_until": _l("Valid until"),
    "card_number": _l("Card number"),
    "product": _l("Service"),
    "product_id": _l("Service number"),
    "starts_on": _l("Starts"),
    "ends_on": _l("Ends"),
    "replaces_id": _l("Replaces subscription"),
    "replaces_ends_on": _l("Replaced service ends"),
    "licence_key": _l("Licence key"),
    "subscription_id": _l("Subscription"),
    "channel": _l("Channel"),
    "chosen_at": _l("Chosen"),
    "price_cents": _l("Price"),
    "vat_basis_points": _l("VAT"),
    "reject_reason": _l("Reason"),
    "replaces_subscription_id": _l("Replaces subscription"),
    "idempotency_key": _l("Order key"),
    "address": _l("Address"),
    "local_part": _l("Name before @"),
    "domain": _l("Domain"),
    "active": _l("In use"),
    "quota_mb": _l("Quota (MB)"),
    "keep_copy": _l("Keep a copy"),
    "autoreply_enabled": _l("Auto-reply"),
    "autoreply_subject": _l("Auto-reply subject"),
    "autoreply_body": _l("Auto-reply message"),
    "autoreply_from": _l("Auto-reply from"),
    "autoreply_until": _l("Auto-reply until"),
    "aliases": _l("Aliases"),
    "at": _l("Time"),
    "action": _l("Event"),
    "actor": _l("By"),
    "details": _l("Details"),
    "topic": _l("Topic"),
    "message": _l("Message"),
    "reference": _l("Reference"),
    "subscription_ids": _l("Subscriptions"),
    "goto": _l("Forwarded to"),
    "number": _l("Number"),
    "invoice_date": _l("Invoice date"),
    "due_date": _l("Due date"),
    "iban": _l("Account (IBAN)"),
    "net_cents": _l("Without VAT"),
    "vat_cents": _l("VAT"),
    "gross_cents": _l("With VAT"),
    "updated_at": _l("Updated"),
    "lines": _l("Invoice lines"),
    "position": _l("Line"),
    "description": _l("Item"),
    "detail": _l("Detail"),
    "attachments": _l("Attachments"),
    "content_type": _l("File type"),
    "size": _l("Size (bytes)"),
    "sha256": _l("Checksum (SHA-256)"),
    "reply_id": _l("Reply"),
    "outage_notices": _l("Outage notices"),
    "outage_updates": _l("Outage updates too"),
    "contact_requested": _l("Contact requested"),
    "contact_email": _l("Contact email"),
    "contact_phone": _l("Contact phone"),
    "wished_end_date": _l("Wished last day"),
    "fault_subscription_id": _l("Faulty service"),
    "fault_started_at": _l("Fault started"),
    "last_activity_at": _l("Last activity"),
    "closed_at": _l("Closed"),
    "unread_replies": _l("Unread replies"),
    "replies": _l("Replies"),
    "author": _l("From"),
    "body": _l("Text"),
    "invoice_id": _l("Invoice"),
}
INVOICE_CHANNELS = {"e_invoice": _l("E-invoice to my online bank"), "direct_payment": _l("Direct payment"),
                    "email": _l("By email"), "paper": _l("On paper by post")}
INVOICE_STATUSES = {"open": _l("open"), "paid": _l("paid"), "partially_paid": _l("partially paid"),
                    "overdue": _l("overdue"), "credited": _l("credited"),
                    "partially_paid_overdue": _l("partially paid, overdue")}  # as shown (Invoice.status_on)
# Each language in its own name, so a reader finds theirs whatever language the page is in.
LANGUAGES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
CUSTOMER_STATUSES = {"active": _l("active"), "closed": _l("closed")}
SUBSCRIPTION_STATUSES = {"pending": _l("pending"), "active": _l("active"), "ended": _l("ended"),
                         "cancelled": _l("cancelled")}
ROLES = {"customer": _l("Customer")}
# The stored values of "My data" as the customer reads them, by (section, field); a section of ""
# is every section. A value not named here shows as stored.
DATA_VALUES = {
    ("", "kind"): AGREEMENT_KINDS, ("", "topic"): TOPICS, ("", "locale"): LANGUAGES,
    ("", "outage_notices"): OUTAGE_NOTICE_CHANNELS, ("account", "role"): ROLES,
    ("customer", "status"): CUSTOMER_STATUSES, ("subscriptions", "status"): SUBSCRIPTION_STATUSES,
    ("orders", "status"): ORDER_STATUSES, ("invoices", "status"): INVOICE_STATUSES,
    ("feedback", "status"): FEEDBACK_STATUSES,
}
