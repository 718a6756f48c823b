from flask import abort, redirect
from flask_login import current_user

from app.blueprints.language import bp
from app.blueprints.language.forms import LanguageForm
from app.i18n import remember_language
from app.services import profile
from app.sessions import safe_next


@bp.post("/kieli")
def switch():
    """Remember the language in a cookie and, for a logged-in customer, in the account."""
    form = LanguageForm()
    if not form.validate():
        abort(400)
    if current_user.is_authenticated and current_user.customer:
        profile.set_language(current_user, form.lang.data)
    return remember_language(redirect(safe_next(form.next.data), 303), form.lang.data)
