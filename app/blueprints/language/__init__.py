"""The language switcher in the footer: Suomi, Svenska, English."""
from flask import Blueprint

bp = Blueprint("language", __name__)

from app.blueprints.language import routes  # noqa: E402,F401
