"""Asetukset: the operator's details, the staff accounts, the API tokens and the canned replies, for admins only."""
from flask import flash, url_for
from flask_login import current_user

from app.blueprints.admin import admin_required, bp
from app.blueprints.admin.forms import (
    STAFF_ROLES,
    ActionForm,
    ApiTokenForm,
    CannedReplyForm,
    OperatorForm,
    StaffChangeForm,
    StaffForm,
)
from app.i18n import gettext as _
from app.models import CannedReply
from app.models.base import utcnow
from app.services import api_tokens, canned_replies, get, mailboxes, settings
from app.web import done, render


def _page(**forms):
    """The page; a form just posted (with its errors) takes the place of its empty one."""
    forms.setdefault("operator_form", OperatorForm(obj=settings.operator_settings()))
    forms.setdefault("staff_form", StaffForm(formdata=None))
    forms.setdefault("action_form", ActionForm(formdata=None))
    return render("admin/settings.html", staff=settings.staff_accounts(), roles=STAFF_ROLES,
                  always_reserved=mailboxes.ALWAYS_RESERVED, **forms)


@bp.route("/asetukset", methods=["GET", "POST"], endpoint="settings")
@admin_required
def settings_view():
    form = OperatorForm(obj=settings.operator_settings())
    if form.validate_on_submit():
        settings.save_operator(**{k: v or "" for k, v in form.data.items() if k != "csrf_token"})
        return done(_("The settings are saved."), url_for("admin.settings"))
    return _page(operator_form=form)


@bp.post("/asetukset/henkilokunta")
@admin_required
def staff_add():
    form = StaffForm()
    if form.validate_on_submit():
        settings.add_staff(form.username.data, form.display_name.data, form.role.data, form.new_password.data)
        return done(_("The staff account is added."), url_for("admin.settings"))
    return _page(staff_form=form)


@bp.post("/asetukset/henkilokunta/<int:account_id>/<any(role, reset_two_factor, remove):action>")
@admin_required
def staff_change(account_id: int, action: str):
    form = StaffChangeForm() if action == "role" else ActionForm()
    if form.validate_on_submit():
        settings.change_staff(current_user, account_id, action, form.role.data if action == "role" else None)
        return done(_("Saved."), url_for("admin.settings"))
    return _page(action_form=form)


def _tokens_page(form: ApiTokenForm, new_token: str | None = None):
    return render("admin/api_tokens.html", form=form, tokens=api_tokens.tokens(), new_token=new_token, now=utcnow())


@bp.route("/asetukset/api", methods=["GET", "POST"])
@admin_required
def api_tokens_view():
    """Tokens of the operator API. A new token is shown in this answer only (never stored for a redirect)."""
    form = ApiTokenForm()
    if form.validate_on_submit():
        text = api_tokens.create(form.name.data, form.scopes.data, form.expires_on.data)
        flash(_("The token is made. Copy it now: it is not shown again."), "success")
        return _tokens_page(ApiTokenForm(formdata=None), new_token=text)
    return _tokens_page(form)


@bp.post("/asetukset/api/<int:token_id>/peruuta")
@admin_required
def api_token_revoke(token_id: int):
    api_tokens.revoke(token_id)
    return done(_("The token is revoked: it no longer works."), url_for("admin.api_tokens_view"))


@bp.route("/asetukset/vastauspohjat", methods=["GET", "POST"], defaults={"canned_id": None},
          endpoint="canned_replies_view")
@bp.route("/asetukset/vastauspohjat/<int:canned_id>", methods=["GET", "POST"], endpoint="canned_reply")
@admin_required
def canned_replies_view(canned_id: int | None):
    """The canned replies, and the form that adds one or, at a reply's own address, edits it."""
    form = CannedReplyForm(obj=get(CannedReply, canned_id) if canned_id is not None else None)
    if form.validate_on_submit():
        canned_replies.save(canned_id, form.name.data, form.body.data)
        return done(_("Saved.") if canned_id is not None else _("The canned reply is added."),
                    url_for("admin.canned_replies_view"))
    return render("admin/canned_replies.html", replies=canned_replies.all_replies(), form=form, canned_id=canned_id)


@bp.post("/asetukset/vastauspohjat/<int:canned_id>/poista")
@admin_required
def canned_reply_delete(canned_id: int):
    if canned_replies.delete(canned_id):
        return done(_("The canned reply is removed."), url_for("admin.canned_replies_view"))
    return done(_("The canned reply was removed already."), url_for("admin.canned_replies_view"), kind="info")
