"""The domain model; importing this package registers every table."""
from app.models.account import Account, RecoveryCode
from app.models.announcement import Announcement, AnnouncementDismissal
from app.models.api import ApiIdempotencyKey, ApiToken
from app.models.catalog import Channel, LicenceKey, Product, ProductGroup
from app.models.customer import Agreement, Customer, CustomerSearchTerm, PayTvCard
from app.models.invoice import Invoice, InvoiceLine, InvoicePreferenceRequest
from app.models.mail import MailAlias, Mailbox
from app.models.outage import Outage, OutageArea, OutageNotice, OutageUpdate, OutageUpdateNotice
from app.models.subscription import MixChoice, Order, Subscription
from app.models.support import Attachment, CannedReply, Feedback, FeedbackReply, FeedbackSubscription
from app.models.system import AuditEvent, OperatorSettings, OutboxMessage, RefusedPage, WorkerHeartbeat

__all__ = [
    "Account", "Agreement", "Announcement", "Attachment", "ApiIdempotencyKey", "ApiToken", "AnnouncementDismissal",
    "AuditEvent", "CannedReply", "Channel", "Customer", "CustomerSearchTerm", "Feedback", "FeedbackReply",
    "FeedbackSubscription", "Invoice", "InvoiceLine", "InvoicePreferenceRequest", "LicenceKey", "MailAlias", "Mailbox",
    "MixChoice", "OperatorSettings", "Order", "Outage", "OutageArea", "OutageNotice", "OutageUpdate",
    "OutageUpdateNotice", "OutboxMessage", "PayTvCard", "Product", "ProductGroup", "RecoveryCode", "RefusedPage",
    "Subscription", "WorkerHeartbeat",
]
