"""The customer's own account: Salasanan vaihto (and, later, Käyttäjätiedot)."""
from flask import Blueprint

bp = Blueprint("account", __name__)

from app.blueprints.account import routes  # noqa: E402,F401
