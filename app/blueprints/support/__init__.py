"""Asiakaspalvelu: the operator's contact details, feedback and written termination notices."""
from flask import Blueprint

bp = Blueprint("support", __name__)

from app.blueprints.support import routes  # noqa: E402,F401

