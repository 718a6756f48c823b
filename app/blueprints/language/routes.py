from flask import abort, current_app, redirect, request
from flask_login import current_user, user_logged_in

from app.blueprints.auth.routes import safe_next
from app.blueprints.language import bp
from app.blueprints.language.forms import LanguageForm
from app.i18n import LANGUAGE_COOKIE, LANGUAGE_NAMES, remember_language
from app.services import profile


@user_logged_in.connect
def adopt_the_switchers_choice(_app, user, **_extra) -> None:
    """A language picked with the switcher before logging in becomes the account's language."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if user.customer and chosen in current_app.config["LANGUAGES"]:
        profile.set_language(user, chosen)


@bp.app_template_global()
def this_page() -> str:
    """Where the switcher comes back to: this page, or the address a rejected form was sent to."""
    return request.full_path.rstrip("?") if request.method == "GET" else request.path


@bp.app_template_global()
def languages() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"]]


@bp.post("/kieli")
def switch():
    """Remember the language in a cookie and, for a logged-in customer, in the account."""
    form = LanguageForm()
    if not form.validate():
        abort(400)
    if current_user.is_authenticated and current_user.customer:
        profile.set_language(current_user, form.lang.data)
    return remember_language(redirect(safe_next(form.next.data), 303), form.lang.data)
