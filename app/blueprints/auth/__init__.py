"""Kirjautuminen: logging in and out (customers and staff), forgotten passwords and invitations."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.blueprints.auth import routes  # noqa: E402,F401
