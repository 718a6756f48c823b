"""Laskut: the customer's invoices, each with what paying it takes, and its PDF copy."""
from flask import Blueprint

bp = Blueprint("invoices", __name__)

from app.blueprints.invoices import routes  # noqa: E402,F401
