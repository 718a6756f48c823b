import json

from flask import flash, make_response, redirect, request, url_for
from flask_babel import refresh
from flask_login import current_user, login_required

from app import sessions
from app.blueprints.account import bp
from app.blueprints.account.forms import (
    ConfirmForm,
    EmailChangeForm,
    LanguageForm,
    OutageNoticesForm,
    PasswordChangeForm,
    TwoFactorDisableForm,
    TwoFactorEnableForm,
)
from app.extensions import limiter
from app.i18n import gettext as _
from app.i18n import remember_language
from app.models.base import today
from app.services import accounts, personal_data, profile, subscriptions, two_factor
from app.web import done, is_partial, render


def account_key() -> str:
    return f"account:{current_user.id}"


@bp.route("/salasanan-vaihto", methods=["GET", "POST"])
@login_required
def password():
    return password_page("base.html")


def password_page(layout: str):
    """Salasanan vaihto, for a customer, and inside the console's `layout` for a staff member: this
    session goes on with the new password; every other one ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        sessions.keep_after_password_change(current_user._get_current_object())
        return done(_("Your password has been changed. You were logged out on your other devices."),
                    url_for(request.endpoint), "account/password.html", "password_form",
                    form=PasswordChangeForm(formdata=None), layout=layout)
    refused = form.new_password.data if form.new_password.errors else None
    return render("account/password.html", "password_form", form=form, layout=layout,
                  strength=accounts.new_password_strength(current_user, refused) if refused else None)



def _details(**extra) -> dict:
    """Käyttäjätiedot's data; a form just posted (with its errors) takes the place of its empty one."""
    customer = current_user.customer
    day = today()
    extra.setdefault("language_form", LanguageForm(formdata=None, locale=customer.locale))
    extra.setdefault("notices_form", OutageNoticesForm(
        formdata=None, outage_notices=customer.outage_notices, outage_updates=customer.outage_updates))
    return dict(customer=customer, in_force=subscriptions.in_force(subscriptions.subscriptions_of(customer.id), day),
                agreements=[a for a in customer.agreements if a.is_valid_on(day)],
                card=customer.valid_pay_tv_card(day), **extra)


@bp.get("/kayttajatiedot")
@login_required
def details():
    """The page; with htmx its email section alone (Peruuta of the email form), focus back on the
    control that opened the form."""
    return render("account/details.html", "email_section", **_details(focus=is_partial()))


@bp.route("/kayttajatiedot/sahkoposti", methods=["GET", "POST"])
@login_required
def email():
    """Vaihda sähköpostiosoite: in place with htmx, a page of its own without JavaScript."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        profile.request_email_change(current_user, form.email.data, form.password.data)
        return done(_("We sent a confirmation link to %(email)s. Your address changes when you follow the "
                      "link; it is valid for 24 hours.", email=current_user.customer.pending_email),
                    url_for("account.details"), "account/details.html", "email_section", **_details(focus=True))
    return render("account/email.html", "email_section", **_details(email_form=form))


@bp.post("/kayttajatiedot/sahkoposti/peru")
@login_required
def cancel_email():
    profile.cancel_email_change(current_user)
    return done(_("The email change was cancelled. Your address stays as it was."), url_for("account.details"),
                "account/details.html", "email_section", **_details(focus=True))


@bp.route("/kayttajatiedot/sahkoposti/vahvista/<token>", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"])
def confirm_email(token: str):
    """The link in the email; following it shows a button, so a mail scanner's GET changes nothing."""
    customer = profile.pending_change(token)
    if customer is None:
        return render("account/email_link_invalid.html", http_status=404)
    form = ConfirmForm()
    if form.validate_on_submit():
        customer = profile.confirm_email_change(token)
        return done(_("Your email address is now %(email)s. You can log in with it.", email=customer.email),
                    url_for("account.details" if current_user.is_authenticated else "auth.login"))
    return render("account/email_confirm.html", customer=customer, form=form)


@bp.post("/kayttajatiedot/kieli")
@login_required
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        profile.set_language(current_user, form.locale.data)
        refresh()  # the confirmation is said in the language just chosen
        return remember_language(done(_("Your language was saved."), url_for("account.details")), form.locale.data)
    return render("account/details.html", **_details(language_form=form))


@bp.post("/kayttajatiedot/hairiotiedotteet")
@login_required
def outage_notices():
    form = OutageNoticesForm()
    if form.validate_on_submit():
        profile.set_outage_notices(current_user, form.outage_notices.data, form.outage_updates.data)
        return done(_("Your choice was saved."), url_for("account.details"), "account/details.html", "notices_section",
                    **_details())
    return render("account/details.html", "notices_section", **_details(notices_form=form))


@bp.post("/kayttajatiedot/omat-tiedot")
@login_required
@limiter.limit("10 per hour", key_func=account_key)
def my_data():
    """Lataa omat tietoni: a JSON file, or the same as a readable page (after a 303, so Back and
    reload never post again)."""
    fmt = "html" if request.form.get("format") == "html" else "json"
    data = personal_data.export(current_user.customer_id, fmt)
    if fmt == "html":
        return redirect(url_for("account.my_data_page"), 303)
    response = make_response(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    response.mimetype = "application/json"
    number = current_user.customer.customer_number
    response.headers["Content-Disposition"] = f'attachment; filename="omat-tiedot-{number}.json"'
    return response


@bp.get("/kayttajatiedot/omat-tiedot")
@login_required
@limiter.limit("10 per hour", key_func=account_key)
def my_data_page():
    return render("account/my_data.html", data=personal_data.collect(current_user.customer_id),
                  sections=personal_data.SECTIONS)


@bp.get("/kayttajatiedot/kaksivaiheinen")
@login_required
def two_factor_settings():
    if current_user.totp_enabled:
        return render("account/two_factor.html", disable_form=TwoFactorDisableForm())
    return _setup_page(TwoFactorEnableForm())


def _setup_page(form):
    secret = two_factor.pending_secret(current_user)
    uri = two_factor.provisioning_uri(current_user, secret)
    return render("account/two_factor.html", enable_form=form, secret=secret, qr=two_factor.qr_svg(uri))


@bp.post("/kayttajatiedot/kaksivaiheinen/ota-kayttoon")
@login_required
def enable_two_factor():
    # On already, or no secret shown yet for a code to confirm: the settings page shows which,
    # and a refused code below never makes a secret (a refused POST writes nothing).
    if current_user.totp_enabled or not current_user.totp_secret:
        return redirect(url_for("account.two_factor_settings"), 303)
    form = TwoFactorEnableForm()
    if form.validate_on_submit():
        codes = two_factor.enable(current_user, two_factor.pending_secret(current_user), form.code.data)
        # Shown once, in this answer: the codes are stored only as hashes.
        flash(_("Two-step login is on. From now on logging in asks for a code after the password."), "success")
        return render("auth/recovery_codes.html", codes=codes, next_url=url_for("account.details"))
    return _setup_page(form)


@bp.post("/kayttajatiedot/kaksivaiheinen/poista")
@login_required
def disable_two_factor():
    if not current_user.totp_enabled:
        return redirect(url_for("account.two_factor_settings"), 303)
    form = TwoFactorDisableForm()
    if form.validate_on_submit():
        two_factor.disable(current_user, form.password.data, form.code.data)
        return done(_("Two-step login is off."), url_for("account.two_factor_settings"))
    return render("account/two_factor.html", disable_form=form)
