"""Development only: read the mail the portal "sent" (written as files under instance/mail)."""
from flask import Blueprint

bp = Blueprint("dev", __name__, url_prefix="/kehitys")

from app.blueprints.dev import routes  # noqa: E402,F401
