"""Hallinta: the staff console under /hallinta. Staff only; some sections for admins only."""
from functools import wraps

from flask import Blueprint, abort
from flask_login import current_user

from app.web import to_login

bp = Blueprint("admin", __name__, url_prefix="/hallinta")


@bp.before_request
def staff_only():
    """Customers never reach the console (403); anonymous visitors go to the staff login."""
    if not current_user.is_authenticated:
        return to_login("auth.staff_login")
    if not current_user.is_staff:
        abort(403)
    return None


def admin_required(view):
    """Catalog, settings and staff accounts: the admin role, checked here on the server."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapper


from app.blueprints.admin import (  # noqa: E402,F401
    account,
    announcements,
    billing,
    catalog,
    customers,
    imports,
    keys,
    outages,
    queues,
    routes,
    settings,
)

