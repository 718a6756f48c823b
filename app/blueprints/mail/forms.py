from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.forms import DayField, Form, new_password_field
from app.i18n import lazy_gettext as _l
from app.security import MAX_PASSWORD_LENGTH
from app.services.mailboxes import MAX_BODY, MAX_SUBJECT
from app.validators import SaidByService

LOCAL_PART_HINT = _l("Lowercase letters a–z, digits, full stops, hyphens and underscores; 2–64 characters.")


class MailForm(Form):
    """Several of these share a page, each with its own prefix; the one CSRF token of the
    page is checked for every POST by CSRFProtect."""

    class Meta:
        csrf = False


def local_part_field(label) -> StringField:
    """The service checks the address (filled, its length, its characters, free, not reserved), so that
    its refusal comes with the password's (mailboxes.create_mailbox)."""
    return StringField(label, validators=[SaidByService()], description=LOCAL_PART_HINT,
                       render_kw={"maxlength": 64, "autocomplete": "off", "autocapitalize": "none",
                                  "spellcheck": "false"})


def date_field(label) -> DayField:
    return DayField(label, validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"})


class MailboxCreateForm(MailForm):
    local_part = local_part_field(_l("Address before the @ sign"))
    password = new_password_field(_l("Password of the mailbox"), required=SaidByService())


class MailboxPasswordForm(MailForm):
    new_password = new_password_field(_l("New password of the mailbox"))
    account_password = PasswordField(
        _l("Your Omahallinta password"),
        validators=[Length(max=MAX_PASSWORD_LENGTH)],
        description=_l("You logged in over 30 minutes ago: confirm with the password you log in with."),
        render_kw={"autocomplete": "current-password"},
    )


class ForwardingForm(MailForm):
    addresses = TextAreaField(
        _l("Forward to"), validators=[Length(max=2000)], render_kw={"rows": 2},
        description=_l("One or more email addresses, one per line. Leave empty to stop forwarding."),
    )
    keep_copy = BooleanField(_l("Keep a copy in this mailbox"))

    def address_list(self) -> list[str]:
        text = (self.addresses.data or "").replace(",", " ").replace(";", " ")
        return text.split()


class AutoreplyForm(MailForm):
    enabled = BooleanField(_l("Auto-reply is on"))
    subject = StringField(_l("Subject"), validators=[Length(max=MAX_SUBJECT)])
    body = TextAreaField(_l("Message"), validators=[Length(max=MAX_BODY)],
                         render_kw={"rows": 4},
                         description=_l("At most %(n)d characters.", n=MAX_BODY))
    starts_on = date_field(_l("From (optional)"))
    ends_on = date_field(_l("Until (optional)"))


class AliasForm(MailForm):
    local_part = local_part_field(_l("New alias before the @ sign"))

class MailboxStateForm(MailForm):
    """The button that disables or enables the mailbox: `active` is 1 to enable, 0 to disable."""

    active = HiddenField()


SECTIONS = {"password": (MailboxPasswordForm, "pw"), "forwarding": (ForwardingForm, "fw"),
            "autoreply": (AutoreplyForm, "ar"), "alias": (AliasForm, "al"), "state": (MailboxStateForm, "st")}


def section_form(mailbox, section: str, **kwargs):
    """One of a mailbox's forms, with the mailbox's own prefix: several share the page."""
    form_class, short = SECTIONS[section]
    return form_class(prefix=f"m{mailbox.id}-{short}", **kwargs)


def section_forms(mailbox) -> dict:
    """The forms of one mailbox's section, filled from the mailbox."""
    return {
        "password": section_form(mailbox, "password", formdata=None),
        "forwarding": section_form(mailbox, "forwarding", formdata=None, data={
            "addresses": "\n".join(mailbox.forward_to), "keep_copy": mailbox.keep_copy}),
        "autoreply": section_form(mailbox, "autoreply", formdata=None, data={
            "enabled": mailbox.autoreply_enabled, "subject": mailbox.autoreply_subject,
            "body": mailbox.autoreply_body, "starts_on": mailbox.autoreply_from, "ends_on": mailbox.autoreply_until}),
        "alias": section_form(mailbox, "alias", formdata=None),
        "state": section_form(mailbox, "state", formdata=None),
    }
