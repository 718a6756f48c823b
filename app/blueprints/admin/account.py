"""The staff member's own account in the console: the password."""
from app.blueprints.account.routes import password_page
from app.blueprints.admin import bp


@bp.route("/salasana", methods=["GET", "POST"])
def password():
    """The same page and rules as a customer's Salasanan vaihto: the current password, the same
    policy for the new one, and every other session of the account ends."""
    return password_page("admin/base.html")
