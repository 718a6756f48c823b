"""Invoices made by the operator's billing system, as the customer sees and pays them."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.customer import Customer

INVOICE_STATUSES = ("open", "paid", "partially_paid", "overdue", "credited")
UNPAID = ("open", "partially_paid", "overdue")


class Invoice(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    # The billing system's invoice number; the API finds an invoice by it and a resend changes nothing.
    number: Mapped[str] = mapped_column(String(40), unique=True)
    invoice_date: Mapped[date]
    due_date: Mapped[date]
    # Compact (no spaces): a Finnish reference or an RF creditor reference, its checksum verified.
    reference: Mapped[str] = mapped_column(String(25))
    iban: Mapped[str] = mapped_column(String(34))
    net_cents: Mapped[int]
    vat_cents: Mapped[int]
    gross_cents: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="open")
    # The billing system's PDF copy; deferred, so a list of invoices never loads the files.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()
    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position")

    def status_on(self, day: date) -> str:
        """The status as the customer is shown it on `day` (`labels.INVOICE_STATUSES`): one not paid in
        full is overdue once its due date has passed, though the billing system may report it a day late
        (`invoices.overdue_of`); one paid in part says so, so that the customer does not pay it all again."""
        if self.status in UNPAID and self.due_date < day:
            return "partially_paid_overdue" if self.status == "partially_paid" else "overdue"
        return self.status

    __table_args__ = (
        CheckConstraint("status IN ('open', 'paid', 'partially_paid', 'overdue', 'credited')", name="status"),
        CheckConstraint("gross_cents = net_cents + vat_cents", name="gross_is_net_plus_vat"),
        CheckConstraint("due_date >= invoice_date", name="due_after_invoice_date"),
        Index("ix_invoice_customer_date", "customer_id", "invoice_date"),
        # A new invoice's reference number is looked for among other customers' (services/invoices.py).
        Index("ix_invoice_reference", "reference"),
    )


# Whether there is a PDF, without loading it (a list of invoices shows the link, not the file).
Invoice.has_pdf = column_property(Invoice.__table__.c.pdf.is_not(None))


class InvoiceLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(200))
    # The period or quantity as the billing system words it ("1.11.–30.11.2026", "3 kpl"); may be empty.
    detail: Mapped[str] = mapped_column(String(100), default="")
    net_cents: Mapped[int]
    vat_basis_points: Mapped[int]
    vat_cents: Mapped[int]
    gross_cents: Mapped[int]

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("gross_cents = net_cents + vat_cents", name="gross_is_net_plus_vat"),
    )


INVOICE_CHANNELS = ("e_invoice", "direct_payment", "email", "paper")


class InvoicePreferenceRequest(db.Model):
    """The customer asks to get their invoices another way. The billing system decides and makes
    the change (an e-invoice or direct payment is finally ordered in the customer's own bank);
    the portal passes the request on as an event and keeps it for the customer and the staff."""

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("channel IN ('e_invoice', 'direct_payment', 'email', 'paper')", name="channel"),
        Index("ix_invoice_preference_request_customer", "customer_id", "requested_at"),
    )
