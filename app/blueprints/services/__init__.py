"""Tilatut palvelut: every subscription of the customer, with licence keys and downloads."""
from flask import Blueprint

bp = Blueprint("services", __name__)

from app.blueprints.services import routes  # noqa: E402,F401
