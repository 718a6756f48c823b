from datetime import date

from app.blueprints.accessibility import bp
from app.web import render

# The statement is reviewed with every change to how the portal is checked (tests/browser/test_audit.py).
MADE_ON = date(2026, 11, 24)
REVIEWED_ON = date(2026, 11, 28)


@bp.get("/saavutettavuusseloste")
def statement():
    """Open to everyone, logged in or not: the law wants it findable from every page."""
    return render("accessibility/statement.html", made_on=MADE_ON, reviewed_on=REVIEWED_ON)
