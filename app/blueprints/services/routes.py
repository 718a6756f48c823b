from flask import current_app, url_for
from flask_login import current_user, login_required

from app.blueprints.services import bp
from app.models.base import today
from app.services import ordering
from app.web import render


@bp.get("/tilatut-palvelut")
@login_required
def index():
    support = "support.index" in current_app.view_functions
    return render("services/index.html", services=ordering.ordered_services(current_user.customer.id),
                  day=today(), support_url=url_for("support.index") if support else None)
