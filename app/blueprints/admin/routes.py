"""Yleiskatsaus: what waits for the staff."""
from flask_login import current_user

from app.blueprints.admin import bp
from app.services import staff
from app.web import render


@bp.get("/")
def index():
    return render("admin/index.html", counts=staff.overview(), conversations=staff.conversations(current_user.id))
