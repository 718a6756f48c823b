"""Sähköpostin hallinta: the customer's mailboxes, forwarding, auto-reply and aliases."""
from flask import Blueprint

bp = Blueprint("mail", __name__)

from app.blueprints.mail import routes  # noqa: E402,F401
