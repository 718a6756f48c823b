from flask_login import current_user, login_required

from app.blueprints.services import bp
from app.services import ordering
from app.web import render


@bp.get("/tilatut-palvelut")
@login_required
def index():
    return render("services/index.html", services=ordering.ordered_services(current_user.customer.id))
