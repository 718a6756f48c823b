"""Häiriöt: the public outage page and its Atom feed, open to everyone without logging in."""
from flask import Blueprint

bp = Blueprint("outages", __name__)

from app.blueprints.outages import routes  # noqa: E402,F401
