"""Every route of the portal, who may use it, and how to fill its arguments.

A route missing from ACCESS (and from NOT_SERVED) fails tests/security/test_routes.py, so a new
page or action cannot arrive without the access, CSRF, IDOR, header and fuzz suites covering it.
"""
from dataclasses import dataclass

PUBLIC, SIGNED_IN, CUSTOMER, STAFF, ADMIN = "public", "signed in", "customer", "staff", "admin"
API = "api token"  # /api/v1: the browser suites leave these to tests/api

ACCESS = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.second_factor": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "auth.accept_invitation": PUBLIC,
    "account.confirm_email": PUBLIC,
    "language.switch": PUBLIC,
    "accessibility.statement": PUBLIC,
    "outages.index": PUBLIC,
    "outages.show": PUBLIC,
    "outages.feed": PUBLIC,
    "auth.staff_login": PUBLIC,
    "auth.totp_setup": PUBLIC,
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "metrics": PUBLIC,  # answers only allowed addresses and the token (tests/ops/test_observability.py)
    "auth.logout": SIGNED_IN,  # a staff session may end itself here too
    "auth.password_strength": SIGNED_IN,  # Salasanan vaihto of customers and of staff
    "dashboard.index": CUSTOMER,
    "dashboard.dismiss_announcement": CUSTOMER,
    "account.password": CUSTOMER,
    "account.details": CUSTOMER,
    "account.email": CUSTOMER,
    "account.cancel_email": CUSTOMER,
    "account.language": CUSTOMER,
    "account.outage_notices": CUSTOMER,
    "account.my_data": CUSTOMER,
    "account.my_data_page": CUSTOMER,
    "account.two_factor_settings": CUSTOMER,
    "account.enable_two_factor": CUSTOMER,
    "account.disable_two_factor": CUSTOMER,
    "orders.catalog": CUSTOMER,
    "orders.product": CUSTOMER,
    "orders.receipt": CUSTOMER,
    "orders.upgrade": CUSTOMER,
    "services.index": CUSTOMER,
    "invoices.index": CUSTOMER,
    "invoices.show": CUSTOMER,
    "invoices.pdf": CUSTOMER,
    "invoices.preference": CUSTOMER,
    "mix.edit": CUSTOMER,
    "mix.toggle": CUSTOMER,
    "support.index": CUSTOMER,
    "support.conversation": CUSTOMER,
    "support.attachment": CUSTOMER,
    "mail.index": CUSTOMER,
    "mail.create": CUSTOMER,
    "mail.password": CUSTOMER,
    "mail.forwarding": CUSTOMER,
    "mail.autoreply": CUSTOMER,
    "mail.add_alias": CUSTOMER,
    "mail.remove_alias": CUSTOMER,
    "mail.set_active": CUSTOMER,
    "admin.password": STAFF,
    "admin.index": STAFF,
    "admin.customers": STAFF,
    "admin.customer": STAFF,
    "admin.customer_edit": STAFF,
    "admin.agreement_save": STAFF,
    "admin.card_save": STAFF,
    "admin.customer_action": STAFF,
    "admin.customer_close": STAFF,
    "admin.mailbox_delete": STAFF,
    "admin.orders": STAFF,
    "admin.order_deliver": STAFF,
    "admin.order_reject": STAFF,
    "admin.inbox": STAFF,
    "admin.feedback": STAFF,
    "admin.feedback_end": STAFF,
    "admin.feedback_reply": STAFF,
    "admin.feedback_canned": STAFF,
    "admin.feedback_attachment": STAFF,
    "admin.feedback_assign": STAFF,
    "admin.audit_log": STAFF,
    "admin.outbox_failed": STAFF,
    "admin.billing": STAFF,
    "admin.billing_export": STAFF,
    "admin.invoices_upload": STAFF,
    "admin.licence_keys": STAFF,
    "admin.customer_import": STAFF,
    "admin.customer_import_confirm": STAFF,
    "admin.customer_import_example": STAFF,
    "admin.announcements": STAFF,
    "admin.announcement_edit": STAFF,
    "admin.announcement_delete": STAFF,
    "admin.outages": STAFF,
    "admin.outage": STAFF,
    "admin.outage_resolve": STAFF,
    "admin.products": ADMIN,
    "admin.product_edit": ADMIN,
    "admin.group_save": ADMIN,
    "admin.channels": ADMIN,
    "admin.channel_edit": ADMIN,
    "admin.channel_retire": ADMIN,
    "admin.settings": ADMIN,
    "admin.canned_replies_view": ADMIN,
    "admin.canned_reply": ADMIN,
    "admin.canned_reply_delete": ADMIN,
    "admin.staff_add": ADMIN,
    "admin.staff_change": ADMIN,
    "admin.api_tokens_view": ADMIN,
    "admin.api_token_revoke": ADMIN,
    # The operator API: a token, never a session (tests/api/test_access.py covers every one).
    "api-docs.openapi_json": PUBLIC,
    **{f"api_customers.{name}": API for name in (
        "customer_list", "customer_read", "customer_put", "customer_close", "customer_invite", "agreements_read",
        "agreements_replace", "agreement_add", "agreement_end", "agreement_delete", "cards_read", "cards_replace",
        "card_add", "card_end", "card_delete", "subscriptions_read")},
    **{f"api_orders.{name}": API for name in ("order_list", "order_read", "order_deliver", "order_reject", "events")},
    **{f"api_catalog.{name}": API for name in ("groups", "channels", "price_change", "licence_keys_add")},
    **{f"api_feedback.{name}": API for name in ("feedback_list", "feedback_read", "feedback_status",
                                                 "feedback_end_subscription")},
    **{f"api_invoices.{name}": API for name in ("invoice_list", "invoice_create", "invoice_import", "invoice_read",
                                                 "invoice_status")},
    **{f"api_outages.{name}": API for name in ("outage_list", "outage_create", "outage_read", "outage_update",
                                                "outage_resolve")},
}

# Routes that exist only outside the tested configurations, with the reason.
NOT_SERVED = {
    "dev.mail_index": "the mail viewer is registered only in development (MAIL_VIEWER)",
    "dev.mail_show": "the mail viewer is registered only in development (MAIL_VIEWER)",
}

# Arguments naming an object that belongs to one customer: the IDOR suite swaps them.
OWNED = {"subscription_id", "order_id", "mailbox_id", "alias_id", "reference", "announcement_id", "invoice_id",
         "attachment_id"}


@dataclass
class Route:
    endpoint: str
    rule: object  # werkzeug Rule
    access: str
    methods: tuple[str, ...]

    @property
    def arguments(self) -> list[str]:
        """The arguments in the path (an argument with a default belongs to a sibling rule)."""
        return sorted(self.rule.arguments - set(self.rule.defaults or {}))

    @property
    def owned(self) -> list[str]:
        return [a for a in self.arguments if a in OWNED] if self.access == CUSTOMER else []

    @property
    def choices(self) -> dict:
        """The first word of each any(…) argument, e.g. the action of a button."""
        return {name: sorted(conv.items)[0] for name, conv in self.rule._converters.items()
                if hasattr(conv, "items")}

    def url(self, values: dict) -> str:
        return self.rule.build({**values, **self.choices}, append_unknown=False)[1]

    def __str__(self) -> str:
        return f"{'/'.join(self.methods)} {self.rule.rule}"


def routes(app, access: set[str] | None = None) -> list[Route]:
    """The app's routes, each rule once, in a stable order."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        level = ACCESS.get(rule.endpoint)
        if level and (access is None or level in access):
            found.append(Route(rule.endpoint, rule, level, tuple(sorted(rule.methods - {"HEAD", "OPTIONS"}))))
    return found
