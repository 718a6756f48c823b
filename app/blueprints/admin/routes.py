"""Yleiskatsaus: what waits for the staff."""
from app.blueprints.admin import bp
from app.services import staff
from app.web import render


@bp.get("/")
def index():
    return render("admin/index.html", counts=staff.overview())
