from app.forms import Form, SelectField
from app.i18n import lazy_gettext as _l
from app.labels import INVOICE_CHANNELS


class PreferenceForm(Form):
    channel = SelectField(_l("How I want my invoices"), choices=list(INVOICE_CHANNELS.items()), validate_choice=False,
                          description=_l("An e-invoice or direct payment is finally ordered in your online bank; "
                                         "we tell our billing to expect it."))
