"""Saavutettavuusseloste: the accessibility statement the Act on the Provision of Digital Services requires."""
from flask import Blueprint

bp = Blueprint("accessibility", __name__)

from app.blueprints.accessibility import routes  # noqa: E402,F401
