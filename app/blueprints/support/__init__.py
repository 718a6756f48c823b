"""Asiakaspalvelu: the operator's contact details, feedback and written termination notices."""
from flask import Blueprint

bp = Blueprint("support", __name__)

from app.blueprints.support import routes  # noqa: E402,F401


@bp.app_template_filter("datetime_local")
def datetime_local(value) -> str:
    """24.11.2026 klo 14.05 in the operator's time zone, as the receipt shows it."""
    from flask_babel import format_datetime

    return format_datetime(value, "short")
