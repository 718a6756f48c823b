"""Etusivu: what the customer has and where to go next."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from app.blueprints.dashboard import routes  # noqa: E402,F401
