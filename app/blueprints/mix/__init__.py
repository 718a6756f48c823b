"""Muokkaa MIX-pakettia: choosing the channels of the customer's MIX package."""
from flask import Blueprint

bp = Blueprint("mix", __name__)

from app.blueprints.mix import routes  # noqa: E402,F401
