"""Tilaa: the catalog by product group, ordering in two steps, receipts and upgrades."""
from flask import Blueprint

bp = Blueprint("orders", __name__)

from app.blueprints.orders import routes  # noqa: E402,F401
