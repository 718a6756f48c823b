"""Hallinta: the staff console under /hallinta. Staff only; some sections for admins only."""
from functools import wraps

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.models.base import today

bp = Blueprint("admin", __name__, url_prefix="/hallinta")

# Reachable before the staff session exists.
PUBLIC = {"admin.login", "admin.totp_setup"}

# The console's menu: (endpoint, label, admins only); an entry shows once its page exists.
MENU = (
    ("admin.index", _l("Overview"), False),
    ("admin.customers", _l("Customers"), False),
    ("admin.orders", _l("Orders"), False),
    ("admin.inbox", _l("Feedback and terminations"), False),
    ("admin.billing", _l("Billing"), False),
    ("admin.licence_keys", _l("Licence keys"), False),
    ("admin.customer_import", _l("Import customers"), False),
    ("admin.announcements", _l("Announcements"), False),
    ("admin.audit_log", _l("Event log"), False),
    ("admin.products", _l("Products"), True),
    ("admin.channels", _l("MIX channels"), True),
    ("admin.settings", _l("Settings"), True),
    ("admin.password", _l("Change password"), False),
)


LABELS = {
    "order_statuses": {"new": _l("new"), "pending": _l("pending"), "delivered": _l("delivered"),
                       "rejected": _l("rejected")},
    "feedback_statuses": {"new": _l("new"), "in_progress": _l("in progress"), "done": _l("handled")},
    "topics": {"feedback": _l("Feedback"), "billing": _l("Billing"), "support": _l("Technical support"),
               "termination": _l("Termination"), "other": _l("Other")},
}


@bp.before_request
def staff_only():
    """Customers never reach the console (403); anonymous visitors go to the staff login."""
    if current_user.is_authenticated and not current_user.is_staff:
        abort(403)
    if request.endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    return None


def admin_required(view):
    """Catalog, settings and staff accounts: the admin role, checked here on the server."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.app_context_processor
def console_menu():
    def admin_menu():
        from flask import current_app

        return [(endpoint, label) for endpoint, label, admins in MENU
                if endpoint in current_app.view_functions
                and (not admins or (current_user.is_authenticated and current_user.role == "admin"))]

    return {"admin_menu": admin_menu, "today": today(), **LABELS}


from app.blueprints.admin import (  # noqa: E402,F401
    account,
    announcements,
    billing,
    catalog,
    customers,
    imports,
    keys,
    queues,
    routes,
    settings,
)


@bp.app_template_filter("linkify")
def linkify_filter(text: str):
    """Announcements are plain text: escaped, with their web addresses as links."""
    from app.services.announcements import linkify

    return linkify(text)
